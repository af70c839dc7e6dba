"""Publisher files → prepared layout: MHCLG IoD Files 7 and 8, ONS LSOA population estimates."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from needsmap.data.catalog import IMD_RATE_COLUMNS, get_dataset
from needsmap.data.sources import imd
from needsmap.data.sources.imd import SOURCES, clean_name
from needsmap.errors import ValidationError
from tests.publisher_fixtures._common import (
    assert_same_rows,
    prepared,
    publisher_samples,
    rewrite_zip,
    write_csv,
    write_zip,
)
from tests.publisher_fixtures.imd import (
    BUILDERS,
    FILE7_2019_HEADER,
    FILE7_2025_HEADER,
    FILE8_2019_SHEETS,
    FILE8_2025_SHEETS,
    PARTIAL,
)

BY_ID = {s.id: s for s in SOURCES}


@pytest.fixture(scope="module")
def samples(real_data_dir: Path) -> Path:
    """Real publisher rows, kept beside the shared data (``../shared/docs/publisher-samples``)."""
    return publisher_samples(real_data_dir)


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory, real_data_dir: Path
) -> Callable[[str], Path]:
    """Build a source's fixture once for the module; returns its path."""
    out = tmp_path_factory.mktemp("imd_fixtures")
    cache: dict[str, Path] = {}

    def get(source_id: str) -> Path:
        if source_id not in cache:
            cache[source_id] = BUILDERS[source_id](real_data_dir, out)
        return cache[source_id]

    return get


def _copy(src: Path, dest: Path, edit: Callable[[str], str] | None = None, *,
          bom: bool = False, newline: str | None = None) -> Path:
    """A copy of the CSV ``src``, its text passed through ``edit``, written as asked."""
    text = src.read_bytes().decode("utf-8-sig")
    return write_csv(dest, edit(text) if edit else text, bom=bom, newline=newline)


# --------------------------------------------------------------------------------------------
# Every source: fixture from the real prepared data -> the same prepared frames
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source_id", sorted(BUILDERS))
def test_converts_to_the_prepared_layout(
    source_id: str, built: Callable[[str], Path], real_data_dir: Path
) -> None:
    source = BY_ID[source_id]
    path = built(source_id)
    assert path.name == source.file_name
    frames = source.convert(path)
    assert set(frames) == set(source.datasets)
    for dataset_id, got in frames.items():
        expected = prepared(real_data_dir, dataset_id)
        key = PARTIAL.get(dataset_id, str(expected.columns[0]))
        if dataset_id in PARTIAL:
            assert got[key].isin(expected[key]).all()
            expected = expected[expected[key].isin(got[key])]
            assert len(expected) > 1000
        assert got[key].str.startswith("E").all()
        # columns beyond the prepared layout are the dataset's optional ones (File 7's published
        # IDACI / IDAOPI rates and denominators), placed after it
        extra = list(got.columns[len(expected.columns):])
        assert extra == (list(IMD_RATE_COLUMNS) if dataset_id in ("imd2025", "imd2019") else [])
        assert_same_rows(got[list(expected.columns)], expected, [key])


def test_sources_are_described() -> None:
    ids = [s.id for s in SOURCES]
    assert len(ids) == len(set(ids)) == len(BUILDERS)
    for s in SOURCES:
        for dataset_id in s.datasets:
            get_dataset(dataset_id)  # raises for an unknown id
        assert s.url.startswith("https://") and s.url.endswith(s.file_name)
        assert s.matches_name(s.file_name)
        assert s.seen_at and s.landing_page and s.sha256 is None
        assert s.format == s.file_name.rsplit(".", 1)[1]
        assert s.convert.__doc__ and "seen" in s.convert.__doc__.casefold()
    # a CSV is recognised by its header, and the two editions are told apart
    assert BY_ID["iod2025_file7"].matches_header(["\ufeff" + FILE7_2025_HEADER[0],
                                                  *FILE7_2025_HEADER[1:]])
    assert BY_ID["iod2019_file7"].matches_header(list(FILE7_2019_HEADER))
    assert not BY_ID["iod2019_file7"].matches_header(list(FILE7_2025_HEADER))
    assert not BY_ID["iod2025_file7"].matches_header(list(FILE7_2019_HEADER))
    assert BY_ID["ons_sape23dt2_mid2020"].matches_name("SAPE23DT2mid2020LSOA.zip")
    assert not BY_ID["iod2019_file8"].matches_name(BY_ID["iod2025_file8"].file_name)


# --------------------------------------------------------------------------------------------
# Real publisher rows
# --------------------------------------------------------------------------------------------


def test_real_iod2025_file7_rows(samples: Path, real_data_dir: Path) -> None:
    sample = samples / "iod2025_file7_sample.csv"
    frames = imd.convert_iod2025_file7(sample)
    assert len(frames["imd2025"]) == 5
    for dataset_id, got in frames.items():
        expected = prepared(real_data_dir, dataset_id)
        expected = expected[expected["lsoa21_code"].isin(got["lsoa21_code"])]
        assert len(expected) == 5
        assert_same_rows(got[list(expected.columns)], expected, ["lsoa21_code"])
    # the published IDACI / IDAOPI rates and mid-2022 denominators, as the publisher's rows hold
    raw = pd.read_csv(sample, encoding="utf-8-sig").set_index("LSOA code (2021)")
    got = frames["imd2025"].set_index("lsoa21_code")
    for column, header in (
        ("IDACI_score", FILE7_2025_HEADER[28]), ("IDAOPI_score", FILE7_2025_HEADER[31]),
        ("IDACI_denominator", "Dependent Children aged 0-15: mid 2022"),
        ("IDAOPI_denominator", "Older population aged 60 and over: mid 2022"),
    ):
        pd.testing.assert_series_equal(got[column], raw[header].reindex(got.index),
                                       check_names=False, check_dtype=False)
    assert got.loc["E01000006", "IDACI_score"] == pytest.approx(0.64)  # as printed in the file


def test_file7_without_the_published_rates_still_converts(
    built: Callable[[str], Path], tmp_path: Path, real_data_dir: Path
) -> None:
    """A File 7 lacking the IDACI / IDAOPI rate and denominator columns (optional) converts to
    the prepared layout; the columns are left out, not made up."""
    src = built("iod2025_file7")
    drop = {FILE7_2025_HEADER[i] for i in (28, 31, 53, 54)}
    table = pd.read_csv(src, dtype=str, keep_default_na=False)
    cut = write_csv(tmp_path / "file7_no_rates.csv",
                    table[[c for c in table.columns if c not in drop]], newline="\n")
    got = imd.convert_iod2025_file7(cut)["imd2025"]
    assert not set(IMD_RATE_COLUMNS) & set(got.columns)
    assert_same_rows(got, prepared(real_data_dir, "imd2025"), ["lsoa21_code"])


def test_real_iod2019_file6_names_agree_with_the_assembled_file7_header(samples: Path) -> None:
    """The population columns of the assembled File 7 header are the real File 6's names."""
    header = pd.read_csv(samples / "iod2019_file6_population_denominators_sample.csv",
                         encoding="utf-8-sig", nrows=0).columns
    assert list(header[:4]) == list(FILE7_2019_HEADER[:4])
    assert [h.strip() for h in header[4:]] == [h.strip() for h in FILE7_2019_HEADER[52:]]
    assert FILE7_2019_HEADER[-1].endswith(" ") and len(FILE7_2019_HEADER) == 57
    assert FILE7_2025_HEADER[36].endswith("10% of LSO") and len(FILE7_2025_HEADER) == 56


# --------------------------------------------------------------------------------------------
# What publishers and users really do
# --------------------------------------------------------------------------------------------


def test_file7_bom_crlf_spaces_zip_and_full_column_37(
    built: Callable[[str], Path], tmp_path: Path
) -> None:
    src = built("iod2025_file7")
    plain = imd.convert_iod2025_file7(src)

    def pad_and_fix(text: str) -> str:
        head, rest = text.split("\n", 1)
        names = list(pd.read_csv(io.StringIO(head + "\n"), nrows=0).columns)
        names[36] += "As)"  # a reissue that no longer cuts column 37 short
        cells = [f'" {n} "' if "," in n else f" {n}  " for n in names]
        return ",".join(cells) + "\n" + rest

    variant = _copy(src, tmp_path / "File 7 (1).csv", pad_and_fix, bom=True, newline="\r\n")
    packed = write_zip(tmp_path / "file7.zip", [("File_7_IoD2025.csv", variant.read_bytes())])
    for path in (variant, packed):
        again = imd.convert_iod2025_file7(path)
        for key, frame in plain.items():
            pd.testing.assert_frame_equal(again[key], frame)


def test_file7_2019_without_bom(built: Callable[[str], Path], tmp_path: Path,
                                real_data_dir: Path) -> None:
    variant = _copy(built("iod2019_file7"), tmp_path / "iod2019.csv", newline="\n")
    got = imd.convert_iod2019_file7(variant)["imd2019"]
    want = prepared(real_data_dir, "imd2019")
    assert_same_rows(got[list(want.columns)], want, ["lsoa11_code"])
    # the mid-2015 denominators of the real File 6 rows (the fixture's only ones) are kept
    file6 = pd.read_csv(real_data_dir.parent / "docs" / "publisher-samples"
                        / "iod2019_file6_population_denominators_sample.csv", encoding="utf-8-sig")
    kids = file6.set_index("LSOA code (2011)")[FILE7_2019_HEADER[53]]
    have = got.set_index("lsoa11_code")["IDACI_denominator"].dropna()
    pd.testing.assert_series_equal(have, kids.reindex(have.index), check_names=False)
    assert len(have) == len(kids)


def test_zipped_mid2020_workbook(built: Callable[[str], Path], tmp_path: Path) -> None:
    src = built("ons_sape23dt2_mid2020")
    packed = write_zip(tmp_path / "sape23dt2mid2020lsoasyoaestimatesunformatted.zip",
                       [("SAPE23DT2-mid-2020-lsoa-syoa-estimates-unformatted.xlsx",
                         src.read_bytes())])
    pd.testing.assert_frame_equal(
        imd.convert_sape_mid2020(packed)["population2020"],
        imd.convert_sape_mid2020(src)["population2020"],
    )


def test_clean_name_reproduces_the_prepared_names(real_data_dir: Path) -> None:
    for sheets, dataset_id in ((FILE8_2019_SHEETS, "imd2019_indicators"),
                               (FILE8_2025_SHEETS, "imd2025_indicators")):
        names = list(prepared(real_data_dir, dataset_id).columns[1:])
        cleaned = [clean_name(h) for headers in sheets.values() for h in headers]
        assert cleaned[: len(names)] == names
    assert clean_name("Core homelessness rate (% of households)") == (
        "core_homelessness_rate_percent_of_households")
    assert clean_name(" Burglary, rate per 1,000 'at-risk properties' ") == (
        "burglary_rate_per_1_000_at_risk_properties")
    assert clean_name("IoD Score") == "io_d_score"


# --------------------------------------------------------------------------------------------
# Malformed input: a ValidationError naming the file and what is wrong
# --------------------------------------------------------------------------------------------


def test_html_instead_of_csv(tmp_path: Path) -> None:
    page = tmp_path / BY_ID["iod2025_file7"].file_name
    page.write_text("<!DOCTYPE html>\n<html><body>Page not found</body></html>\n")
    with pytest.raises(ValidationError, match=rf"{page.name}.*web page \(HTML\)"):
        imd.convert_iod2025_file7(page)


def test_file7_missing_column(built: Callable[[str], Path], tmp_path: Path) -> None:
    bad = _copy(built("iod2019_file7"), tmp_path / "iod2019_cut.csv",
                lambda t: t.replace("Crime Rank (where 1 is most deprived)", "Crime Rnk", 1),
                bom=True)
    with pytest.raises(ValidationError,
                       match=r"iod2019_cut\.csv: the column 'Crime Rank \(where 1 is most"):
        imd.convert_iod2019_file7(bad)


def test_file7_text_in_a_number_column(built: Callable[[str], Path], tmp_path: Path) -> None:
    def spoil(text: str) -> str:
        lines = text.split("\n")
        cells = lines[1].split(",")
        cells[5] = "n/k"  # IMD rank of the first LSOA
        lines[1] = ",".join(cells)
        return "\n".join(lines)

    bad = _copy(built("iod2025_file7"), tmp_path / "spoilt.csv", spoil)
    with pytest.raises(ValidationError, match=r"spoilt\.csv: 'Index of Multiple .*'n/k'"):
        imd.convert_iod2025_file7(bad)


def test_workbook_errors(built: Callable[[str], Path], tmp_path: Path) -> None:
    page = tmp_path / "File_8_IoD2025_Underlying_Indicators.xlsx"
    page.write_bytes(b"\n<html><head><title>Error</title></head></html>")
    with pytest.raises(ValidationError, match=r"File_8_IoD2025_Underlying_Indicators\.xlsx.*HTML"):
        imd.convert_iod2025_file8(page)

    old = tmp_path / "sape.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(ValidationError, match=r"sape\.xls: an old-style \.xls"):
        imd.convert_sape_mid2020(old)

    empty_zip = write_zip(tmp_path / "sape23dt2mid2020.zip", {"readme.txt": "no workbook here"})
    with pytest.raises(ValidationError, match=r"sape23dt2mid2020\.zip: a zip without the "
                                              r"expected \.xlsx .*readme\.txt"):
        imd.convert_sape_mid2020(empty_zip)

    # the 2019 workbook handed to the 2025 converter: no 'LSOA code (2021)' sheet
    with pytest.raises(ValidationError, match=r"File_8_-_IoD2019.*'LSOA code \(2021\)'"):
        imd.convert_iod2025_file8(built("iod2019_file8"))


def test_workbook_missing_sheet_or_column(built: Callable[[str], Path], tmp_path: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(built("ons_sape_lsoa21_mid2022_mid2024"))
    del wb["Mid-2024 LSOA 2021"]
    no_sheet = tmp_path / "sapelsoasyoa20222024_no2024.xlsx"
    wb.save(no_sheet)
    with pytest.raises(ValidationError, match=r"no2024\.xlsx: the worksheet 'Mid-2024 LSOA 2021' "
                                              r"is missing .*Mid-2022 LSOA 2021"):
        imd.convert_sape_lsoa21_mid2022_mid2024(no_sheet)

    wb = load_workbook(built("iod2019_file8"))
    wb["IoD2019 Health Domain"]["H1"] = "Mood disorders"
    renamed = tmp_path / "file8_renamed.xlsx"
    wb.save(renamed)
    with pytest.raises(ValidationError,
                       match=r"file8_renamed\.xlsx: the indicator column\(s\) "
                             r"mood_and_anxiety_disorders_indicator are missing"):
        imd.convert_iod2019_file8(renamed)


# --------------------------------------------------------------------------------------------
# Workbooks laid out or damaged in other ways
# --------------------------------------------------------------------------------------------


def test_workbook_laid_out_differently(tmp_path: Path) -> None:
    """Sheets found by name whatever their case and spacing, behind a Contents sheet; title rows
    and a blank row above a header that starts in column B and has a BOM and stray spaces; blank
    and suppressed cells as NaN; numbers as whole floats or as text with a thousands separator;
    a blank row inside the table; a Welsh row."""
    from openpyxl import Workbook

    book = Workbook()
    contents = book.active
    contents.title = "Contents"
    contents.append(["Mid-2022 LSOA 2021", "Population estimates, mid-2022"])
    for year, totals in (("2022", (1500.0, None, "1,234")), ("2024", (1510, "..", 1250))):
        sheet = book.create_sheet(f"MID-{year}  lsoa 2021")
        sheet.append([f"Mid-{year} population estimates for 2021 LSOAs"])
        sheet.append(["Source: Office for National Statistics"])
        sheet.append([])
        sheet.append([None, "\ufeffLAD 2023 Code", " LSOA 2021  Code ", "LSOA 2021 Name", "Total",
                      "F0"])
        rows = [("E06000001", "E01000001", totals[0]), ("E06000001", "E01000002", totals[1]),
                None, ("E06000002", "E01000003", totals[2]), ("W06000001", "W01000001", 900)]
        for row in rows:
            sheet.append([] if row is None else [None, row[0], row[1], "a name", row[2], 7])
    path = tmp_path / "sapelsoasyoa20222024.xlsx"
    book.save(path)
    got = imd.convert_sape_lsoa21_mid2022_mid2024(path)["population_lsoa21_mid2022_2024"]
    expected = pd.DataFrame({
        "lsoa21_code": ["E01000001", "E01000002", "E01000003"],
        "population_mid2022": [1500.0, float("nan"), 1234.0],
        "population_mid2024": [1510.0, float("nan"), 1250.0],
    })
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_header_row_too_far_down(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Mid-2020 Persons"
    for _ in range(imd._HEADER_SCAN_ROWS):
        sheet.append(["A note"])
    sheet.append(["LSOA Code", "LSOA Name", "All Ages"])
    sheet.append(["E01000001", "City of London 001A", 1500])
    path = tmp_path / "sape23dt2.xlsx"
    book.save(path)
    with pytest.raises(ValidationError, match=r"sape23dt2\.xlsx, sheet 'Mid-2020 Persons': no "
                                              r"header row with an 'LSOA Code' column"):
        imd.convert_sape_mid2020(path)


def test_damaged_workbooks(built: Callable[[str], Path], tmp_path: Path) -> None:
    src = built("ons_sape_lsoa21_mid2022_mid2024")
    convert = imd.convert_sape_lsoa21_mid2022_mid2024
    sheet1 = "xl/worksheets/sheet1.xml"

    cut = rewrite_zip(src, tmp_path / "cut.xlsx",
                      lambda name, data: (name, data[: len(data) // 2] if name == sheet1 else data))
    with pytest.raises(ValidationError, match=r"cut\.xlsx, sheet 'Mid-2022 LSOA 2021': the "
                                              r"worksheet could not be read"):
        convert(cut)

    lost = rewrite_zip(src, tmp_path / "lost.xlsx",
                       lambda name, data: None if name == sheet1 else (name, data))
    with pytest.raises(ValidationError, match=r"lost\.xlsx, sheet 'Mid-2022 LSOA 2021': the "
                                              r"worksheet could not be read"):
        convert(lost)

    junk = rewrite_zip(src, tmp_path / "junk.xlsx",
                       lambda name, data: (name, b"junk" if name == "xl/workbook.xml" else data))
    with pytest.raises(ValidationError, match=r"junk\.xlsx: not a readable \.xlsx workbook"):
        convert(junk)

    text = tmp_path / "notes.xlsx"
    text.write_text("LSOA 2021 Code,Total\nE01000001,1500\n")
    with pytest.raises(ValidationError, match=r"notes\.xlsx: not an Excel \.xlsx workbook"):
        convert(text)

    packed = write_zip(tmp_path / "sape.zip", {"sapelsoasyoa20222024.xlsx": "not a workbook"})
    with pytest.raises(ValidationError, match=r"sape\.zip: sapelsoasyoa20222024\.xlsx is not an "
                                              r"\.xlsx workbook"):
        convert(packed)

    with pytest.raises(ValidationError, match=r"absent\.xlsx: no such file"):
        convert(tmp_path / "absent.xlsx")
