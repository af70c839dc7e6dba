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
