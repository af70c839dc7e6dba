"""Organisation lists as people really have them (../shared/field-cases): each case, and a generated
variant of its kind, through ``import_file`` and through ``needsmap geocode``.

Expected LSOAs are derived here from the raw files, independently of the geocoder: a postcode's
centroid from the NSPL file or a point (coordinates, or easting/northing converted with pyproj) is put
in the LSOA 2021 polygon that contains it with geopandas; an LSOA 2011 code that split in 2021 goes to
the part with most Census 2021 residents (the raw census file); area names come from the raw ONS
lookup CSVs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from pyproj import Transformer

from needsmap.cli import main
from needsmap.config import SHARED_DATA_DIR
from needsmap.data.catalog import get_dataset
from needsmap.orgs import OK, import_file, import_frame
from needsmap.orgs import importer as imp

CASES = SHARED_DATA_DIR.parent / "field-cases"
pytestmark = pytest.mark.skipif(not CASES.is_dir(), reason="the field cases are not on this machine")


# ----------------------------------------------------------------------------- expectations
@functools.lru_cache(maxsize=1)
def _lsoa21() -> gpd.GeoDataFrame:
    return gpd.read_parquet(get_dataset("lsoa21_boundaries").path)


def _code_column(gdf: gpd.GeoDataFrame) -> str:
    return next(c for c in gdf.columns if c != "geometry" and gdf[c].astype(str).str.match(r"^E01").all())


def lsoa_of_points(lat: Sequence[float], lon: Sequence[float]) -> list[str]:
    """The LSOA 2021 containing each WGS84 point (the nearest when in none), by geopandas."""
    gdf = _lsoa21()
    col = _code_column(gdf)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(27700)
    polys = gdf[[col, "geometry"]].to_crs(27700)
    hit = gpd.sjoin_nearest(pts, polys, how="left")
    hit = hit[~hit.index.duplicated()]
    return hit[col].astype(str).tolist()


@functools.lru_cache(maxsize=1)
def _centroids() -> pd.DataFrame:
    nspl = pd.read_parquet(get_dataset("nspl_centroids").path)
    nspl["key"] = nspl["postcode"].astype(str).str.replace(" ", "").str.upper()
    return nspl.set_index("key")


def lsoa_of_postcodes(postcodes: list[str]) -> list[str]:
    """The LSOA 2021 of each postcode's NSPL centroid (raw parquet + geopandas)."""
    c = _centroids().loc[[p.replace(" ", "").upper() for p in postcodes]]
    return lsoa_of_points(c["lat"].astype(float).tolist(), c["lon"].astype(float).tolist())


def bng_to_lsoa(east: Sequence[float], north: Sequence[float]) -> list[str]:
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(east, north)
    return lsoa_of_points(list(lat), list(lon))


@functools.lru_cache(maxsize=1)
def _residents21() -> pd.Series:
    eth = pd.read_csv(get_dataset("census2021_ethnicity").path)
    return eth.drop_duplicates("lsoa21_code").set_index("lsoa21_code")["total_residents"]


@functools.lru_cache(maxsize=1)
def _lookup() -> pd.DataFrame:
    return pd.read_csv(get_dataset("lsoa11_lsoa21_lookup").path, dtype=str)


def most_populous_part(lsoa11: str) -> str:
    parts = _lookup().loc[_lookup()["lsoa11_code"] == lsoa11, "lsoa21_code"]
    return str(_residents21().reindex(parts).idxmax())


def ons_name(code: str) -> str:
    """An area's name from the raw ONS lookup CSVs."""
    for ds, code_col, name_col in (("lsoa21_ward24_lookup", "ward24_code", "ward24_name"),
                                   ("ltla24_region24_lookup", "ltla24_code", "ltla24_name"),
                                   ("ltla24_region24_lookup", "region24_code", "region24_name")):
        t = pd.read_csv(get_dataset(ds).path, dtype=str)
        hit = t.loc[t[code_col] == code, name_col]
        if len(hit):
            return str(hit.iloc[0])
    raise AssertionError(f"{code} is in no lookup")


def both_ways(path: Path, tmp_path: Path, *args: str, **kwargs: object) -> list[pd.DataFrame]:
    """The table from ``import_file`` and the CSV ``needsmap geocode`` writes, for the same file."""
    res = import_file(path, filename=path.name, **kwargs)  # type: ignore[arg-type]
    out = tmp_path / f"{path.stem}_placed.csv"
    assert main(["geocode", str(path), "--out", str(out), *args]) == 0
    cli = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    api = res.table.astype(object).where(res.table.notna(), "").astype(str)
    assert len(cli) == len(api)
    return [api, cli]


# ----------------------------------------------------------------------------- c02 address
def test_c02_postcode_at_the_end_of_the_address(tmp_path: Path) -> None:
    path = CASES / "c02_postcode_inside_address.csv"
    wanted = ["B31 2LB", "SE16 2JA", "HR3 5AL", "TD15 1AA"]  # from the README
    # the raw file: each address cell ends with its postcode (cross-check of the README)
    raw = pd.read_csv(path, dtype=str)
    assert [re.sub(r"[\s.]+$", "", a)[-len(p):] for a, p in zip(raw["Address"], wanted, strict=True)] == wanted
    expected = lsoa_of_postcodes(wanted)
    res = import_file(path, filename=path.name)
    assert any("postcode taken from the end of the address column 'Address'" in n for n in res.notes)
    for t in both_ways(path, tmp_path):
        assert t["status"].tolist() == [OK] * 4
        assert t["org_postcode"].tolist() == wanted
        assert t["lsoa21_code"].tolist() == expected
        assert t["placement_level"].tolist() == ["postcode"] * 4
    # declined: every row refused, saying the postcode sits inside the address
    declined = import_file(path, filename=path.name, column_map={"address": ""})
    assert (declined.table["status"].str.contains("postcode sits inside the address")).all()
    out = tmp_path / "declined.csv"
    assert main(["geocode", str(path), "--column", "address=", "--out", str(out)]) == 0
    got = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert got["status"].str.contains("postcode sits inside the address").all()


def test_address_kind_generated_variant() -> None:
    frame = pd.DataFrame({
        "Group": ["Alpha", "Beta", "Gamma", "Total"],
        "Full address": ["1 Road\nManchester\nm1 1ae", "Flat 2, 3 Street, Leeds LS1 4AP.",
                         "No postcode given here", ""],
    })
    res = import_frame(frame)
    t = res.table
    assert res.detected["name"] == "Group" and res.detected["address"] == "Full address"
    assert t["org_postcode"].tolist()[:2] == ["M1 1AE", "LS1 4AP"]
    assert t["lsoa21_code"].tolist()[:2] == lsoa_of_postcodes(["M1 1AE", "LS1 4AP"])
    assert t["status"].tolist()[2:] == ["no postcode, coordinates or LSOA code", imp.ST_TOTAL_ROW]
    assert "1 more row is not an organisation" in res.summary_text()
    assert "2 of 3 organisations placed" in res.summary_text()


# ----------------------------------------------------------------------------- c04 LSOA vintages
def test_c04_split_and_merged_lsoa_codes(tmp_path: Path) -> None:
    path = CASES / "c04_lsoa_split_merged_codes.csv"
    raw = pd.read_csv(path, dtype=str)
    lk = _lookup()
    change = lk.groupby("lsoa11_code")["change_code"].first()
    for t in both_ways(path, tmp_path):
        t = t.set_index("LSOA code")
        for code in raw["LSOA code"]:
            if change.get(code) == "S":  # a split 2011 code: the part with most residents, said so
                assert t.loc[code, "lsoa21_code"] == most_populous_part(code), code
                assert "most-populous" in t.loc[code, "placed_by"], code
                assert t.loc[code, "confidence"] == "uncertain", code  # a reasoned guess
            else:  # a 2021 code (merged, irregular, unchanged) is placed as it is
                assert code in set(lk["lsoa21_code"]) and t.loc[code, "lsoa21_code"] == code
                assert t.loc[code, "confidence"] == "exact", code
            assert t.loc[code, "status"] == OK
        # the README's case: St Helens lands in E01033794 (IMD 2025 decile 1), never E01033793
        assert t.loc["E01006865", "lsoa21_code"] == "E01033794"


def test_split_code_generated_variant() -> None:
    """A split 2011 code whose FIRST listed part is not the most populous: never the first match."""
    lk = _lookup()
    split = lk[lk["change_code"] == "S"]
    first = split.drop_duplicates("lsoa11_code").set_index("lsoa11_code")["lsoa21_code"]
    best = {c: most_populous_part(c) for c in first.index[:400]}
    code = next(c for c, b in best.items() if b != first[c])
    res = import_frame(pd.DataFrame({"name": ["X"], "lsoa11": [code]}))
    assert res.table["lsoa21_code"].iloc[0] == best[code] != first[code]


# ----------------------------------------------------------------------------- c05 GrantNav
def test_c05_grantnav_numbered_columns(tmp_path: Path) -> None:
    path = CASES / "c05_grantnav_indexed_columns.csv"
    ward = ons_name("E05011121")  # what the ONS code names (the file calls it Kings Norton North)
    for t in both_ways(path, tmp_path):
        t = t.set_index("Title")
        assert t.loc["Grant 1", "status"] == OK and t.loc["Grant 1", "placement_level"] == "postcode"
        assert t.loc["Grant 1", "lsoa21_code"] == lsoa_of_postcodes(["B31 2LB"])[0]
        for g in ("Grant 2", "Grant 5"):
            assert t.loc[g, "status"] == OK and t.loc[g, "lsoa21_code"] == "E01009219"
            assert t.loc[g, "placement_level"] == "LSOA"
        assert t.loc["Grant 3", "status"] == f"local-authority level only ({ons_name('E08000025')})"
        assert t.loc["Grant 3", "area_code"] == "E08000025"
        # the ward beats England; the status keeps the file's name for it, and the mismatch with
        # the ONS name of its code is stated
        assert t.loc["Grant 4", "status"] == "ward level only (Kings Norton North)"
        assert t.loc["Grant 4", "area_code"] == "E05011121"
        assert t.loc["Grant 4", "area_name"] == ward != "Kings Norton North"
        assert f"ONS code E05011121 is {ward}" in t.loc["Grant 4", "placed_by"]
        assert t.loc["Grant 2", "grant_id"] == "360G-examplefund-002"
        assert t.loc["Grant 2", "recipient_id"] == "GB-CHC-999902"


def test_grantnav_kind_generated_variant() -> None:
    cols = ["Identifier", "Recipient Org:Name", "Amount Awarded",
            "Beneficiary Location:0:Geographic Code", "Beneficiary Location:1:Geographic Code",
            "Beneficiary Location:2:Geographic Code", "Recipient Org:Location:0:Geographic Code",
            "Recipient Org:Location:1:Geographic Code"]
    rows = [["g1", "A", "10", "E92000001", "E12000005", "E01009219", "", ""],  # third index: LSOA
            ["g2", "B", "10", "", "", "", "E12000005", "E08000025"],  # recipient's second: the LA
            ["g3", "C", "10", "E92000001", "", "", "", ""],
            ["Subtotal", "", "30", "", "", "", "", ""]]
    res = import_frame(pd.DataFrame(rows, columns=cols))
    t = res.table
    assert res.kind == "360giving"
    assert t["status"].tolist() == [OK, f"local-authority level only ({ons_name('E08000025')})",
                                    "country level only (England)", imp.ST_TOTAL_ROW]
    assert t["lsoa21_code"].iloc[0] == "E01009219"
    assert t["placement_level"].tolist()[:3] == ["LSOA", "local authority", "country"]


# ----------------------------------------------------------------------------- c07 360Giving JSON
def test_c07_360giving_json_most_precise_location(tmp_path: Path) -> None:
    path = CASES / "c07_360giving_json_multi_location.json"
    for t in both_ways(path, tmp_path):
        t = t.set_index("Identifier")
        assert t.loc["360G-examplefund-101", "status"] == OK
        assert t.loc["360G-examplefund-101", "lsoa21_code"] == "E01009219"
        assert t.loc["360G-examplefund-102", "status"] == \
            f"local-authority level only ({ons_name('E08000025')})"
        assert t.loc["360G-examplefund-103", "status"] == OK
        assert t.loc["360G-examplefund-103", "placement_level"] == "postcode"
        assert t.loc["360G-examplefund-103", "lsoa21_code"] == lsoa_of_postcodes(["B31 2LB"])[0]


# ----------------------------------------------------------------------------- c08 workbook
def test_c08_workbook_readme_sheet_title_and_total(tmp_path: Path) -> None:
    path = CASES / "c08_xlsx_readme_sheet_title_totals.xlsx"
    ws = openpyxl.load_workbook(path)["Grants"]
    rows = [r for r in ws.iter_rows(values_only=True) if r[0] and str(r[0]).startswith("360G")]
    postcodes = [str(r[2]) for r in rows]
    res = import_file(path, filename=path.name)
    assert res.sheet == "Grants" and "Read me" in res.sheets
    for t in both_ways(path, tmp_path):
        grants = t[t["Identifier"].str.startswith("360G")]
        assert len(grants) == 4
        assert grants["status"].tolist() == [OK] * 4
        assert grants["lsoa21_code"].tolist() == lsoa_of_postcodes(postcodes)
        total = t[t["Identifier"] == "Total"]
        assert total["status"].tolist() == [imp.ST_TOTAL_ROW]
    assert "4 of 4 organisations placed" in res.summary_text()


def test_workbook_kind_generated_variant(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "About"
    wb.active.append(["This workbook lists our members."])
    for title, pc in (("North", "B31 2LB"), ("South", "SE16 2JA")):
        ws = wb.create_sheet(title)
        ws.append([f"Members {title}"])
        ws.append(["Name", "Postcode"])
        ws.append([f"{title} group", pc])
        ws.append(["Sub-total", None])
    path = tmp_path / "members.xlsx"
    wb.save(path)
    out = tmp_path / "o.csv"
    assert main(["geocode", str(path), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "read the sheet 'North'" in err and "'South'" in err and "--sheet" in err
    assert main(["geocode", str(path), "--sheet", "South", "--out", str(out)]) == 0
    got = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert got["org_postcode"].tolist()[0] == "SE16 2JA"
    assert got["status"].tolist() == [OK, imp.ST_TOTAL_ROW]
    assert "choose one with --sheet" not in capsys.readouterr().err  # named: nothing to say


# ----------------------------------------------------------------------------- c09 register
def test_c09_charity_register_extract(tmp_path: Path) -> None:
    path = CASES / "c09_charity_register_extract.txt"
    text = path.read_bytes().decode("utf-8-sig")
    records = [ln.split("\t") for ln in text.split("\r\n") if re.match(r"^\d{4}-\d\d-\d\d\t", ln)]
    removed = {r[2] for r in records if r[6] == "Removed" or r[8]}
    assert len(records) == 7 and len(removed) == 2
    for t in both_ways(path, tmp_path):
        orgs = t[~t["status"].str.startswith(imp.NOT_ORG)]
        assert len(orgs) == 7
        assert set(orgs["registered_charity_number"]) == {r[2] for r in records}
        closed = orgs.loc[orgs["org_closed"].str.lower() == "true", "registered_charity_number"]
        assert set(closed) == removed


def test_register_kind_generated_variant() -> None:
    frame = pd.DataFrame({
        "charity_name": ["A", "B", "C"], "charity_contact_postcode": ["B31 2LB"] * 3,
        "charity_registration_status": ["Removed", "Registered", "Registered"],
        "date_of_removal": ["", "2020-01-31", ""],
    })
    assert import_frame(frame).table["org_closed"].tolist() == [True, True, False]


# ----------------------------------------------------------------------------- c11 grid
def test_c11_easting_northing(tmp_path: Path) -> None:
    path = CASES / "c11_easting_northing.csv"
    raw = pd.read_csv(path)
    expected = bng_to_lsoa(raw["Easting"].tolist(), raw["Northing"].tolist())
    assert expected == ["E01009219", "E01004024", "E01027377", "E01018340"]  # the README's
    for t in both_ways(path, tmp_path):
        assert t["status"].tolist() == [OK] * 4
        assert t["lsoa21_code"].tolist() == expected
        assert t["placement_level"].tolist() == ["point"] * 4


def test_grid_kind_generated_variant() -> None:
    east, north = [402313, 534714], [279667, 179139]
    expected = bng_to_lsoa(east, north)
    xy = import_frame(pd.DataFrame({"site": ["a", "b"], "X": east, "Y": north}))
    assert xy.table["lsoa21_code"].tolist() == expected
    ref = import_frame(pd.DataFrame({"site": ["a", "b"],
                                     "Grid ref": [f"{e} {n}" for e, n in zip(east, north, strict=True)]}))
    assert ref.table["lsoa21_code"].tolist() == expected
    # X/Y in degrees are longitude/latitude, not a grid
    deg = import_frame(pd.DataFrame({"site": ["a"], "X": ["-1.96742"], "Y": ["52.415"]}))
    assert deg.table["lsoa21_code"].tolist() == lsoa_of_points([52.415], [-1.96742])


# ----------------------------------------------------------------------------- c12 European Excel
def test_c12_semicolon_cp1252_decimal_commas(tmp_path: Path) -> None:
    path = CASES / "c12_excel_semicolon_cp1252.csv"
    text = path.read_bytes().decode("cp1252")
    rows = [ln.split(";") for ln in text.splitlines()[5:9]]  # the four organisations
    num = [float(x.replace(",", ".")) if x else np.nan for r in rows for x in r[3:5]]
    lat, lon = num[0::2], num[1::2]
    lat[2], lon[2] = lon[2], lat[2]  # Weoley's pair is written the wrong way round
    expected = [lsoa_of_postcodes(["B31 2LB"])[0], lsoa_of_points([lat[1]], [lon[1]])[0],
                lsoa_of_points([lat[2]], [lon[2]])[0], lsoa_of_postcodes(["SE16 2JA"])[0]]
    for t in both_ways(path, tmp_path):
        orgs = t[t["status"] != imp.ST_TOTAL_ROW]
        assert len(orgs) == 4 and (t["status"] == imp.ST_TOTAL_ROW).sum() == 1
        assert orgs["status"].tolist() == [OK] * 4
        assert orgs["lsoa21_code"].tolist() == expected
        assert orgs["placement_level"].tolist() == ["postcode", "point", "point", "postcode"]
        assert orgs["org_charity_number"].tolist() == ["1123456", "1098765", "", "0501234"]


def test_decimal_comma_kind_generated_variant() -> None:
    text = ("sep=;\nname;lat;lon\nA;52,4862;-1,8904\nB;51,5033;-0,1196\nGrand total;;\n")
    res = import_file(text.encode("cp1252"), filename="list.csv")
    t = res.table
    assert t["lsoa21_code"].tolist()[:2] == lsoa_of_points([52.4862, 51.5033], [-1.8904, -0.1196])
    assert t["status"].tolist() == [OK, OK, imp.ST_TOTAL_ROW]


# ----------------------------------------------------------------------------- name,lat,lon
def _points_in(n: int) -> pd.DataFrame:
    """``n`` Birmingham LSOAs 2021 and a point inside each (from the real boundary file)."""
    look = pd.read_csv(get_dataset("lsoa21_ward24_lookup").path, dtype=str)
    codes = sorted(look.loc[look["ltla24_code"] == "E08000025", "lsoa21_code"])[::97][:n]
    gdf = _lsoa21()
    col = _code_column(gdf)
    pts = gdf.set_index(col).loc[codes].geometry.representative_point()
    return pd.DataFrame({"name": [f"Group {i}" for i in range(len(codes))], "lat": pts.y.to_numpy(),
                         "lon": pts.x.to_numpy(), "lsoa": codes})


def test_plain_name_lat_lon_file_is_read(tmp_path: Path) -> None:
    pts = _points_in(5)
    path = tmp_path / "plain.csv"
    pts[["name", "lat", "lon"]].to_csv(path, index=False)
    res = import_file(path, filename=path.name)
    assert res.detected["lat"] == "lat (input)" and res.detected["lon"] == "lon (input)"
    assert res.table["lsoa21_code"].tolist() == pts["lsoa"].tolist()


def test_gaps_with_a_plain_name_lat_lon_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pts = _points_in(5)
    path = tmp_path / "plain.csv"
    pts[["name", "lat", "lon"]].to_csv(path, index=False)
    out = tmp_path / "gaps.csv"
    rc = main(["gaps", "--area", "Birmingham", "--orgs", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 0, err
    got = pd.read_csv(out, dtype={"lsoa21_code": str})
    per = got.set_index("lsoa21_code")["orgs_in_lsoa"]
    assert per.reindex(pts["lsoa"]).tolist() == [1] * 5
    assert int(got["orgs_in_lsoa"].sum()) == 5
    assert "5 of 5 rows placed" in err


def test_duplicate_column_names_do_not_crash() -> None:
    frame = pd.DataFrame([["A", "B31 2LB", "x"]], columns=["name", "postcode", "name"])
    res = import_frame(frame)
    assert res.table["status"].tolist() == [OK] and res.table["org_name"].tolist() == ["A"]


def test_reader_issue_rows_are_not_organisations() -> None:
    frame = pd.DataFrame({"name": ["A", "", "frag"], "postcode": ["B31 2LB", "", ""],
                          imp.READ_ISSUE_COLUMN: [pd.NA, "a blank spacer row",
                                                  "part of the row above, broken by an unquoted "
                                                  "line break"]})
    res = import_frame(frame)
    assert imp.READ_ISSUE_COLUMN not in res.table.columns
    assert res.table["status"].tolist() == [
        OK, "not an organisation (a blank spacer row)",
        "not an organisation (part of the row above, broken by an unquoted line break)"]
    assert "1 of 1 organisations placed" in res.summary_text()
    assert len(res.organisations) == 1


def test_sheet_attrs_copied(tmp_path: Path) -> None:
    frame = pd.DataFrame({"name": ["A"], "postcode": ["B31 2LB"]})
    frame.attrs = {"sheets": ["Read me", "List"], "sheet": "List", "sheet_candidates": ["List"]}
    res = import_frame(frame)
    assert (res.sheets, res.sheet, res.sheet_candidates) == (["Read me", "List"], "List", ["List"])


# ----------------------------------------------------------------------------- found by a user trial
def test_the_funders_postcode_is_never_a_grants_location() -> None:
    """A GrantNav-style list with no recipient postcode: 'Funding Org:Postal Code' is the funder's
    office (c05's funder, EC1V 9LT), not where the grant went: the list has no location column."""
    raw = pd.read_csv(CASES / "c05_grantnav_indexed_columns.csv", dtype=str)
    funder = raw["Funding Org:Postal Code"].iloc[0]
    frame = pd.DataFrame({"Identifier": raw["Identifier"], "Recipient Org:Name": raw["Recipient Org:Name"],
                          "Funding Org:Postal Code": funder, "Amount Awarded": raw["Amount Awarded"]})
    with pytest.raises(imp.ColumnsNotFoundError):
        import_frame(frame)
    # next to a recipient postcode, the recipient's is used and the funder's never
    frame["Recipient Org:Postal Code"] = raw["Recipient Org:Postal Code"]
    res = import_frame(frame)
    assert res.detected["postcode"] == "Recipient Org:Postal Code"
    assert "Funding Org:Postal Code" not in res.detected.values()


def test_total_rows_are_not_unplaced_organisations_in_portfolio_and_gaps(tmp_path: Path) -> None:
    """c12's Total row is not an organisation: the portfolio counts 4 organisations (none
    unplaced) and the gaps analysis leaves it out as such, not as 'not placed'."""
    from needsmap.analysis import portfolio as pf
    from needsmap.analysis.coverage import usable_orgs
    from needsmap.data import load_lsoa_table

    res = import_file(CASES / "c12_excel_semicolon_cp1252.csv", filename="c12.csv")
    assert (res.table["status"] == imp.ST_TOTAL_ROW).sum() == 1
    summary = pf.portfolio_summary(res.table, load_lsoa_table("2025"), edition="2025")
    assert summary.organisations_total == 4 and summary.organisations_unplaced == 0
    assert summary.to_dict()["rows_not_organisations"] == 1
    usable, left_out = usable_orgs(res.table)
    assert len(usable) == 4 and left_out == {"not organisations": 1}


def test_a_guessed_lsoa_is_not_called_exact() -> None:
    """A split 2011 code goes to its most-populous 2021 part: confidence 'uncertain', not 'exact'."""
    res = import_frame(pd.DataFrame({"name": ["St Helens Pantry", "Northfield"],
                                     "lsoa": ["E01006865", "E01009219"]}))
    assert res.table["confidence"].tolist() == ["uncertain", "exact"]


# ----------------------------------------------------------------------------- every case, every way in
FIELD_FILES = ("c02_postcode_inside_address.csv", "c04_lsoa_split_merged_codes.csv",
               "c05_grantnav_indexed_columns.csv", "c07_360giving_json_multi_location.json",
               "c08_xlsx_readme_sheet_title_totals.xlsx", "c09_charity_register_extract.txt",
               "c11_easting_northing.csv", "c12_excel_semicolon_cp1252.csv")


@pytest.mark.parametrize("name", FIELD_FILES)
def test_field_case_through_portfolio(name: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """`needsmap portfolio` counts exactly the organisations the importer finds (the tests above
    hold those against the README): rows that are not organisations are left out, closed ones are
    excluded, and every placed, open one is counted."""
    import json

    from needsmap.orgs.levels import NOT_ORG

    t = import_file(CASES / name, filename=name).table
    orgs = t[~t["status"].str.startswith(NOT_ORG)]
    placed = orgs["status"] == OK
    closed = orgs["org_closed"].astype(bool)
    out = tmp_path / "portfolio.json"
    assert main(["portfolio", "--orgs", str(CASES / name), "--out", str(out)]) == 0
    got = json.loads(out.read_text(encoding="utf-8"))
    assert got["organisations_total"] == len(orgs)
    assert got["organisations_placed"] == int((placed & ~closed).sum())
    assert got["organisations_excluded"] == int((placed & closed).sum())
    capsys.readouterr()


@pytest.mark.parametrize("name", FIELD_FILES)
def test_field_case_on_the_organisations_page(name: str) -> None:
    """The Organisations page, given the file as an upload, shows the importer's result: every row,
    the placed ones, and no error box."""
    from tests.test_organisations_page import _clean, _metrics, _upload

    t = import_file(CASES / name, filename=name).table
    at = _upload(name, (CASES / name).read_bytes())
    _clean(at)
    m = _metrics(at)
    assert m["Rows in the list"] == f"{len(t):,}"
    assert m["Placed in an English LSOA"] == f"{int((t['status'] == OK).sum()):,}"
