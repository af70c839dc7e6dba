"""The reusable evidence-pack PDF base: Unicode text, key figures, tables and catalog sources."""

from __future__ import annotations

import io

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from needsmap.data.catalog import get_dataset  # noqa: E402
from needsmap.report.pdf import EvidencePDF, figure_png, sources_lines  # noqa: E402

pytestmark = pytest.mark.demo


def test_evidence_pdf_renders_unicode_figures_and_sources() -> None:
    doc = EvidencePDF(title="Profile – £ ≥ →", subtitle="IMD 2019")
    doc.add_page()
    doc.heading("Key figures")
    doc.key_figures([("IMD rank", "5,929 of 32,844", "20% most deprived"), ("Decile", "2", "")])
    doc.paragraph("Among the 20% most deprived neighbourhoods in England.", boxed=True)
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1])
    doc.image_png(figure_png(fig), width_mm=60, caption="chart")
    doc.data_table(["LSOA", "Rank"], [["E01009219", "5,929"]] * 80, align="LR")
    doc.sources(["imd2019"])
    reader = PdfReader(io.BytesIO(doc.to_bytes()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) >= 2  # the long table broke onto a second page
    for s in ("£", "≥", "5,929 of 32,844", "Sources and licences", "Page 1 of", "E01009219"):
        assert s in text
    assert get_dataset("imd2019").publisher.split()[0] in text


def test_sources_lines_are_catalog_citations_deduplicated() -> None:
    lines = sources_lines(["imd2019", "imd2019", "population2020"], extra=["extra line"])
    assert len(lines) == 3
    assert lines[0].startswith(get_dataset("imd2019").title)
    assert "mid-2020" in lines[1] and lines[2] == "extra line"


def test_data_table_repeats_its_header_on_every_page_and_keeps_rows_whole() -> None:
    doc = EvidencePDF(title="Table")
    doc.add_page()
    long_name = "Bordesley & Highgate " * 8
    rows = [[f"E0100{i:04d}", f"{i * 37:,}", long_name if i == 5 else f"=ward {i}"] for i in range(150)]
    doc.data_table(["LSOA code", "Rank", "Ward"], rows, widths=[1, 1, 1], align="LRL", size=8)
    reader = PdfReader(io.BytesIO(doc.to_bytes()))
    pages = [p.extract_text().splitlines() for p in reader.pages]
    assert len(pages) >= 3  # 150 rows of ~4.7 mm run over three A4 pages
    for lines in pages:  # the header is the first table line of every page
        table_lines = [line for line in lines if line.startswith(("LSOA code", "E0100"))]
        assert table_lines[0].replace(" ", "") == "LSOAcodeRankWard"
    body = [line for lines in pages for line in lines if line.startswith("E0100")]
    assert len(body) == len(rows)  # one line per row, none lost or repeated at the breaks
    for line, (code, rank, ward) in zip(body, rows, strict=True):
        if ward is long_name:  # cut to its column with an ellipsis, not wrapped onto a second line
            assert line.startswith(f"{code} {rank} Bordesley & Highgate") and line.endswith("…")
        else:
            assert line == f"{code} {rank} {ward}"
