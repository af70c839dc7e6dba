"""The organisation importer: messy files in, every row out (placed, or with its reason)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from needsmap.analysis import org_profile as op
from needsmap.config import PROJECT_ROOT
from needsmap.data.catalog import get_dataset
from needsmap.errors import ValidationError
from needsmap.orgs import (
    DEFAULT_LAYERS,
    OK,
    ColumnsNotFoundError,
    import_file,
    import_frame,
    load_default_layer,
    reading,
)
from needsmap.orgs import importer as imp
from tests import raw

DATA = PROJECT_ROOT / "tests" / "data"
STANDARD = ("source_row", "org_name", "org_category", "org_postcode", "lat", "lon", "lsoa11_code",
            "lsoa21_code", "status", "placed_by", "duplicate_of")


def _check_contract(res: imp.ImportResult, n_rows: int) -> None:
    t = res.table
    assert len(t) == n_rows
    for col in STANDARD:
        assert col in t.columns, col
    assert list(t["source_row"]) == list(range(1, n_rows + 1))
    assert t["status"].notna().all() and (t["status"] != "").all()
    assert len(res.placed) + len(res.rejected) == n_rows
    assert int(res.summary()["rows"].sum()) == n_rows
    placed = res.placed
    assert placed["lsoa21_code"].notna().all() and placed["lsoa11_code"].notna().all()
    assert placed["lat"].notna().all()


def test_messy_postcodes_file_every_row_gets_expected_status() -> None:
    res = import_file(DATA / "messy_postcodes.csv", filename="messy_postcodes.csv")
    _check_contract(res, 19)
    t = res.table
    assert res.detected["postcode"] == "postcode" and res.detected["name"] == "name"
    mismatched = t[t["status"] != t["expected_status"]]
    assert mismatched.empty, mismatched[["name", "postcode", "status", "expected_status"]]
    assert t.loc[t["name"] == "Trailing Dot Youth Club", "org_postcode"].iloc[0] == "B31 2LB"
    # six spellings of B31 2LB with different names: not duplicates (different organisations)
    assert t["duplicate_of"].isna().all()


def test_bom_and_semicolons() -> None:
    raw = "\ufeffOrganisation;Post code;Type\nAlpha Group;B31 2LB;Youth\nBeta Group;M1 1AE;Food\n"
    res = import_file(raw.encode("utf-8"), filename="list.csv")
    _check_contract(res, 2)
    assert "semicolon-separated" in res.notes and "encoding UTF-8 with BOM" in res.notes
    assert res.detected == {"name": "Organisation", "postcode": "Post code", "category": "Type"}
    assert list(res.table["status"]) == [OK, OK]


@pytest.mark.demo
def test_windows_1252_file_keeps_accents() -> None:
    raw = "name,postcode\nCaf\xe9 Together,B31 2LB\nSt Ann\x92s Hall,M1 1AE\n".encode("latin-1")
    res = import_file(raw, filename="list.csv")
    assert "encoding Windows-1252" in res.notes
    assert res.table["org_name"].tolist() == ["Café Together", "St Ann\u2019s Hall"]


@pytest.mark.demo
def test_utf16_tab_separated_export() -> None:
    raw = "Name\tPostcode\nAlpha\tB31 2LB\n".encode("utf-16")
    res = import_file(raw, filename="export.txt")
    assert "tab-separated" in res.notes and res.table["status"].iloc[0] == OK


def test_excel_with_a_title_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Our members, March 2025"])  # a title above the header, as people make them
    ws.append(["Charity name", "Postcode", "Charity no.", "Latitude", "Longitude"])
    ws.append(["Alpha Trust", "b31 2lb", 1000001, None, None])
    ws.append(["Beta Trust", None, 1000002, 52.4862, -1.8904])
    ws.append(["Alpha Trust (Northfield)", "B31 2LB", 1000001, None, None])
    ws.append(["Alpha Trust Cardiff branch", "CF10 1AA", 1000001, None, None])
    path = tmp_path / "members.xlsx"
    wb.save(path)
    res = import_file(path, filename="members.xlsx")
    _check_contract(res, 4)
    assert any("skipped 1 line" in n for n in res.notes)
    t = res.table
    assert list(t["status"]) == [OK, OK, OK, "outside England (Wales)"]
    assert t["placed_by"].iloc[1] == "coordinates"
    assert t["org_charity_number"].iloc[0] == "1000001"
    assert t["duplicate_of"].iloc[2] == 1  # same charity number at the same postcode as row 1
    assert pd.isna(t["duplicate_of"].iloc[3])  # same number elsewhere: a branch, not a repeat


@pytest.mark.demo
def test_360giving_csv_places_by_postcode_lsoa_coordinates_or_la_only() -> None:
    res = import_file(DATA / "grants_360giving.csv", filename="grants_360giving.csv")
    _check_contract(res, 5)
    assert res.kind == "360giving"
    t = res.table.set_index("Identifier")
    for col in ("amount", "award_date", "beneficiary_code"):
        assert col in res.table.columns
    assert t.loc["360G-example-001", "status"] == OK
    assert t.loc["360G-example-002", "amount"] == 1200
    assert t.loc["360G-example-002", "duplicate_of"] == 1
    # known only by its local authority: named from the ONS lookup, with its code
    assert t.loc["360G-example-003", "status"] == "local-authority level only (Birmingham)"
    assert t.loc["360G-example-003", "area_code"] == "E08000025"
    assert t.loc["360G-example-003", "area_name"] == "Birmingham"
    assert t.loc["360G-example-003", "placement_level"] == "local authority"
    assert t.loc["360G-example-003", "beneficiary_code"] == "E08000025"
    assert t.loc["360G-example-003", "grant_id"] == "360G-example-003"
    assert t.loc["360G-example-004", "status"] == OK
    assert t.loc["360G-example-004", "lsoa21_code"] == "E01009219"
    assert t.loc["360G-example-005", "status"] == OK
    assert "coordinates" in t.loc["360G-example-005", "placed_by"]
    assert str(t.loc["360G-example-001", "award_date"].date()) == "2024-04-01"


def test_360giving_json() -> None:
    res = import_file(DATA / "grants_360giving.json", filename="grants_360giving.json")
    _check_contract(res, 3)
    assert res.kind == "360giving"
    t = res.table
    assert list(t["org_name"][:2]) == ["Northfield Pantry", "Borough Befrienders"]
    assert t["status"].iloc[0] == OK
    assert t["status"].iloc[1].startswith("local-authority level only")
    assert t["status"].iloc[2] == "outside England (Wales)"
    assert t["org_name"].iloc[2] == "Cardiff <b>Bay</b> & Friends"  # kept as text; escaped on display


@pytest.mark.demo
def test_empty_and_header_only_files() -> None:
    with pytest.raises(ValidationError, match="empty"):
        import_file(b"", filename="empty.csv")
    with pytest.raises(ValidationError, match="empty"):
        import_file(b"\n\n  \n", filename="blank.csv")
    with pytest.raises(ValidationError, match="no rows"):
        import_file(b"name,postcode\n", filename="header.csv")


def test_wrong_columns_then_column_map() -> None:
    raw = b"Group,Where\nAlpha,B31 2LB\nBeta,M1 1AE\n"
    with pytest.raises(ColumnsNotFoundError) as err:
        import_file(raw, filename="odd.csv")
    assert err.value.columns == ["Group", "Where"]
    assert "postcode" in str(err.value)
    res = import_file(raw, filename="odd.csv", column_map={"postcode": "Where", "name": "Group"})
    assert list(res.table["status"]) == [OK, OK] and res.table["org_name"].iloc[0] == "Alpha"
    with pytest.raises(ValidationError, match="not in the file"):
        import_file(raw, filename="odd.csv", column_map={"postcode": "Nowhere"})


@pytest.mark.demo
def test_too_big_and_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_UPLOAD_MB", 0.0001)
    with pytest.raises(ValidationError, match="largest accepted"):
        import_file(b"name,postcode\n" + b"A,B31 2LB\n" * 100, filename="big.csv")
    monkeypatch.setattr(reading, "MAX_UPLOAD_MB", 50)
    monkeypatch.setattr(reading, "MAX_UPLOAD_ROWS", 5)
    monkeypatch.setattr(imp, "MAX_UPLOAD_ROWS", 5)
    with pytest.raises(ValidationError, match="most accepted is 5"):
        import_file(b"name,postcode\n" + b"A,B31 2LB\n" * 6, filename="long.csv")


@pytest.mark.demo
def test_ragged_rows_and_clashing_column_names() -> None:
    raw = b"name,postcode,status\nAlpha,B31 2LB,active,EXTRA\nBeta\n"
    res = import_file(raw, filename="ragged.csv")
    _check_contract(res, 2)
    assert "status (input)" in res.table.columns and "extra fields" in res.table.columns
    assert res.table["status"].tolist() == [OK, "no postcode, coordinates or LSOA code"]


@pytest.mark.demo
def test_lsoa_code_only_and_nspl_style_files(table25: pd.DataFrame) -> None:
    code = table25.index[100]
    res = import_frame(pd.DataFrame({"name": ["A", "B"], "LSOA code": [code, "E01XXXXXX"]}))
    assert res.table["status"].tolist() == [OK, "LSOA code not recognised"]
    assert res.table["placed_by"].iloc[0] == "LSOA code"
    nspl = pd.DataFrame({"pcds": ["B31 2LB"], "lsoa11": [code], "lsoa21": [code]})
    res = import_frame(nspl)
    assert res.kind == "postcode lookup" and res.table["lsoa21_code"].iloc[0] == code
    assert "NSPL/ONSPD" in res.table["placed_by"].iloc[0]


@pytest.mark.demo
def test_duplicates_flagged_not_merged() -> None:
    df = pd.DataFrame({"name": ["The Food Bank", "food bank", "Other", "Another", "Other Ltd"],
                       "postcode": ["B31 2LB", "b312lb", "M1 1AE", "LS1 4DY", "M1 1AE"],
                       "charity_number": ["", "", "1000009", "1000009", "1000009"]})
    res = import_frame(df)
    assert len(res.table) == 5
    dup = res.table["duplicate_of"]
    assert dup.iloc[1] == 1 and pd.isna(dup.iloc[2])
    assert pd.isna(dup.iloc[3])  # a branch of the same charity elsewhere
    assert dup.iloc[4] == 3  # same charity number, same postcode


@pytest.mark.parametrize(("value", "closed"), [("True", True), ("False", False), ("", False),
                                                ("2017", True), ("2019-03-31", True), ("no", False)])
@pytest.mark.demo
def test_closed_flag(value: str, closed: bool) -> None:
    res = import_frame(pd.DataFrame({"name": ["A"], "postcode": ["B31 2LB"], "closed": [value]}))
    assert bool(res.table["org_closed"].iloc[0]) is closed
    assert res.table["status"].iloc[0] == OK  # closed organisations are kept, only flagged


@pytest.mark.demo
def test_progress_is_reported() -> None:
    seen: list[float] = []
    import_file(DATA / "messy_postcodes.csv", filename="m.csv", progress=lambda f, m: seen.append(f))
    assert seen[0] < seen[-1] == 1.0


# ----------------------------------------------------------------------------- default layers
def _raw_rows(layer_id: str) -> int:
    path = get_dataset(DEFAULT_LAYERS[layer_id].dataset_id).path
    return len(pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig"))


@pytest.mark.parametrize("layer_id", list(DEFAULT_LAYERS))
def test_default_layer_accounts_for_every_row(layer_id: str) -> None:
    res = load_default_layer(layer_id)
    _check_contract(res, _raw_rows(layer_id))
    assert res.label == DEFAULT_LAYERS[layer_id].title


def test_default_layers_known_mess() -> None:
    food = load_default_layer("foodbanks")
    assert int(food.table["org_closed"].sum()) == 39
    assert food.table["duplicate_of"].notna().sum() > 0
    assert food.table["status"].str.startswith("outside England").sum() > 150  # Wales, Scotland, NI
    libs = load_default_layer("libraries")
    bad = libs.table["postcode"].isin(["[No registered public address]", "[Unknown]", "n/a - mobile"])
    assert (libs.table.loc[bad, "status"] == "no postcode given (placeholder text)").all()
    assert len(libs.placed) / len(libs.table) > 0.99
    grants = load_default_layer("grants_trafford")
    has_pc = raw.csv("organisations/trafford_council_grants_360giving.csv")["Recipient Org:Postal Code"].notna()
    assert len(grants.placed) == has_pc.sum() > 0  # by postcode; the rest are known by their borough
    assert grants.table["status"].str.startswith("local-authority level only").sum() == (~has_pc).sum()
    charities = load_default_layer("charities_trafford")
    assert (charities.table["status"] == "outside England (Wales)").sum() >= 1


@pytest.mark.demo
def test_foodbanks_placed_in_the_district_give_food_names(geo25: pd.DataFrame) -> None:
    food = load_default_layer("foodbanks")
    g = op.with_geography(food.placed, geo25, edition="2025")

    def norm(s: pd.Series) -> pd.Series:
        return s.astype(str).str.lower().str.replace(r"[^a-z]", "", regex=True)

    assert (norm(g["district"]) == norm(g["lad_name"])).mean() > 0.98


def test_profile_table(table25: pd.DataFrame, table19: pd.DataFrame) -> None:
    food = load_default_layer("foodbanks")
    prof = op.org_profile(food.table, table25, edition="2025")
    assert len(prof) == len(food.placed)
    assert {"Organisation", "Postcode", "LSOA code", "LSOA name", "Ward", "Local authority",
            "IMD decile", "IMD band", "Health deprivation and disability rank",
            "LSOA population"} <= set(prof.columns)
    assert prof["IMD decile"].notna().all() and prof["LSOA name"].notna().all()
    top = prof[prof["IMD decile"] == 1]
    assert (top["IMD band"] == "Top 10% most deprived LSOA").all() and len(top) > 50
    prof19 = op.org_profile(food.table, table19, edition="2019")
    assert prof19["IMD decile"].notna().mean() > 0.99
    assert op.band_counts(prof)["organisations"].sum() == len(prof)


@pytest.mark.demo
def test_decile_band_words() -> None:
    bands = op.decile_band(pd.Series([1, 2, 5, 6, 10, None]))
    assert bands.tolist() == ["Top 10% most deprived LSOA", "10–20% most deprived LSOA",
                              "40–50% most deprived LSOA", "40–50% least deprived LSOA",
                              "10% least deprived LSOA", ""]


@pytest.mark.demo
def test_json_list_of_records() -> None:
    raw = json.dumps([{"name": "A", "postcode": "B31 2LB"}, {"name": "B", "postcode": "nope"}])
    res = import_file(io.BytesIO(raw.encode()), filename="list.json")
    assert res.table["status"].tolist() == [OK, "not a valid postcode"]
