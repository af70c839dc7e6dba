"""Organisations page through the real router: default layers, an upload, column mapping."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests import raw
from tests.conftest import ROOT, open_app
from tests.test_explore_page import map_view

PAGE = "app_pages/organisations.py"
MESSY = (ROOT / "tests" / "data" / "messy_postcodes.csv").read_bytes()


def _open(**query: str) -> AppTest:
    return open_app(PAGE, timeout=240, **query)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_default_layer_birmingham_then_libraries() -> None:
    at = _open()
    assert at.session_state["nm_area"].name == "Birmingham"
    m = _metrics(at)
    foodbanks = len(raw.csv("organisations/givefood_foodbanks.csv"))
    assert m["Rows in the list"] == f"{foodbanks:,}"  # Give Food, every row accounted for
    view = map_view(at, "orgs_map")
    assert view.layer_ids[-2:] == ["org-points", "place-names"] and view.n_lsoas > 600
    shown = next(c.value for c in at.caption if "organisations shown" in c.value or "organisation shown" in c.value)
    assert len(view.layer("org-points")["data"]) == int(shown.split()[0].replace(",", ""))
    assert len(at.get("download_button")) >= 3
    at.selectbox(key="orgs_layer").set_value("libraries").run()
    assert not at.exception
    assert _metrics(at)["Rows in the list"] == f"{len(raw.csv('organisations/libraries_england_2023.csv')):,}"
    at.selectbox(key="orgs_measure").set_value("health").run()
    assert not at.exception
    at.selectbox(key="orgs_layer").set_value("grants_trafford").run()  # none in Birmingham
    assert not at.exception
    assert any("Most of this list is in Trafford" in i.value for i in at.info)
    at.selectbox(key="orgs_layer").set_value("libraries").run()
    assert at.session_state["nm_org_choice"]["layer"] == "libraries"
    # another page's picker follows the choice
    at.switch_page("app_pages/gaps.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["gaps_layer_layer"] == "libraries"


def test_upload_messy_csv_every_row_accounted_for() -> None:
    at = _open()
    at.radio(key="orgs_source").set_value("upload").run()
    assert not at.exception
    at.file_uploader(key="orgs_upload").set_value(("members.csv", MESSY, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    m = _metrics(at)
    assert m["Rows in the list"] == "19"
    assert m["Placed in an English LSOA"] == "10" and m["Not placed"] == "9"
    summary = at.dataframe[0].value
    assert int(summary["Rows"].sum()) == 19
    assert "outside England (Wales)" in set(summary["Status"])
    labels = [b.label for b in at.download_button]
    assert any("not placed" in str(x) for x in labels)
    assert at.session_state["nm_org_layer"].filename == "members.csv"
    # the choice survives a rerun, and the Portfolio page's picker uses the same upload
    at.run()
    assert _metrics(at)["Rows in the list"] == "19"
    at.switch_page("app_pages/portfolio.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["pf_layer_source"] == "upload"
    assert at.session_state["nm_org_layer"].filename == "members.csv"


@pytest.mark.expect_page_error("No column looks like a postcode")
def test_upload_with_unknown_columns_then_map_them() -> None:
    at = _open()
    at.radio(key="orgs_source").set_value("upload").run()
    odd = b"Group,Where,Kind\nAlpha,B31 2LB,Youth\nBeta,M1 1AE,Food\nGamma,CF10 1AA,Food\n"
    at.file_uploader(key="orgs_upload").set_value(("odd.csv", odd, "text/csv")).run()
    assert not at.exception
    assert any("No column looks like a postcode" in e.value for e in at.error)
    postcode_box = next(s for s in at.selectbox if s.key and s.key.endswith("_postcode"))
    postcode_box.set_value("Where").run()
    assert not at.exception, [e.value for e in at.exception]
    m = _metrics(at)
    assert m["Rows in the list"] == "3" and m["Placed in an English LSOA"] == "2"


@pytest.mark.demo
@pytest.mark.expect_page_error("empty")
def test_upload_empty_file_shows_error() -> None:
    at = _open()
    at.radio(key="orgs_source").set_value("upload").run()
    at.file_uploader(key="orgs_upload").set_value(("empty.csv", b"", "text/csv")).run()
    assert not at.exception
    assert any("empty" in e.value for e in at.error)


def test_england_view_aggregates_points() -> None:
    at = _open(area="E92000001")
    assert any("circles sized" in c.value for c in at.caption)


@pytest.mark.demo
def test_point_layers_plain_text_lists_and_units() -> None:
    import json

    import pandas as pd

    from needsmap.viz.lsoa_map import LsoaMap
    from needsmap.viz.org_points import lad_bubble_layer, point_layer

    orgs = pd.DataFrame({"lat": [52.41, 52.48, None], "lon": [-1.96, -1.89, -1.9],
                         "org_name": ["<b>Alpha</b> & Co", "Beta", "Gamma"],
                         "org_category": pd.Series(["Food", None, "Food"], dtype="string")})
    layer, legend = point_layer(orgs)
    # as the map spec carries it to the browser (drawn above the LSOAs, below the place names)
    [spec] = LsoaMap(spec={"layers": []}, values=b"").with_layers([layer]).spec["layers"]
    json.dumps(spec, allow_nan=False)
    data = spec["data"]
    assert len(data) == 2  # the row without coordinates is not drawn
    assert data[0]["colour"] == [255, 99, 20]  # a JSON list, not text
    # plain text: the browser escapes each value when it fills the tooltip template
    assert data[0]["tip_title"] == "<b>Alpha</b> & Co"
    assert spec["radiusUnits"] == "pixels"
    assert [lab for lab, _ in legend] == ["Food", "(no category)"]
    bubbles = lad_bubble_layer(pd.DataFrame({"lad_name": ["A", "B"], "count": [100, 25],
                                             "lat": [52.0, 53.0], "lon": [-1.0, -2.0]}))
    radii = [r["radius"] for r in bubbles.data]
    assert radii[0] > radii[1] > 0
    [bubble_spec] = LsoaMap(spec={"layers": []}, values=b"").with_layers([bubbles]).spec["layers"]
    assert bubble_spec["radiusUnits"] == "pixels"


# ----------------------------------------------------------------------------- issue 10: field cases,
# fixing rows in the app, safe text, sessions kept apart
FIELD_CASES = ROOT.parent / "shared" / "field-cases"
LEWISHAM = "postcodes/lewisham_postcode_lsoa11_lookup.csv"


def _rendered(markdown: str) -> str:
    """``markdown`` as HTML by a CommonMark renderer (markdown-it-py, which Streamlit installs)."""
    from markdown_it import MarkdownIt

    return str(MarkdownIt("commonmark").render(markdown))


def _clean(at: AppTest) -> None:
    """The page ran without an exception box or an error box."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _upload(name: str, data: bytes, at: AppTest | None = None) -> AppTest:
    at = at or _open()
    at.radio(key="orgs_source").set_value("upload").run()
    at.file_uploader(key="orgs_upload").set_value((name, data, "application/octet-stream")).run()
    return at


def _lewisham_lsoa11(real_data_dir: Path, postcode: str) -> str:
    """The exact LSOA 2011 of a Lewisham postcode, from ONS's lookup file (the golden value)."""
    lookup = pd.read_csv(real_data_dir / LEWISHAM, dtype=str)
    return str(lookup.loc[lookup["postcode"] == postcode, "lsoa11_code"].item())


def _row(at: AppTest, source_row: int) -> pd.Series:
    table = at.session_state["nm_org_layer"].table
    return table[table["source_row"] == source_row].iloc[0]


def _edit(at: AppTest, edits: dict[int, dict[str, object]]) -> AppTest:
    """Type ``edits`` (editor row position → column → value) into the fix table, then place again."""
    editor = at.data_editor[0]
    assert editor.key and editor.key.startswith("orgs_fix_")
    at.session_state[editor.key] = {"edited_rows": edits, "added_rows": [], "deleted_rows": []}
    at.button(key="orgs_fix_place").click().run()
    return at


def test_upload_states_its_limits_from_config() -> None:
    from needsmap.config import MAX_UPLOAD_MB, MAX_UPLOAD_ROWS
    from needsmap.orgs.reading import MAX_COLUMNS

    at = _open()
    at.radio(key="orgs_source").set_value("upload").run()
    label = at.file_uploader(key="orgs_upload").label
    assert f"{MAX_UPLOAD_MB} MB" in label
    assert f"{MAX_UPLOAD_ROWS:,} rows" in label and f"{MAX_COLUMNS:,} columns" in label


@pytest.mark.expect_page_error("No column looks like a postcode")
def test_workbook_offers_its_sheets_and_names_the_one_used() -> None:
    data = (FIELD_CASES / "c08_xlsx_readme_sheet_title_totals.xlsx").read_bytes()
    at = _upload("grants.xlsx", data)
    _clean(at)
    picker = next(s for s in at.selectbox if s.key and s.key.startswith("orgs_sheet_"))
    assert picker.options == ["Read me", "Grants (could hold the list)"]
    assert picker.value == "Grants"
    assert any("Read from the sheet **Grants**" in c.value for c in at.caption)
    m = _metrics(at)
    # four grants in England by postcode (B31 2LB, SE16 2JA, CH4 7AD, TD15 1AA); the Total row is
    # in the list but is not an organisation, so not counted as "not placed"
    assert m["Placed in an English LSOA"] == "4" and m["Rows in the list"] == "5"
    assert m["Not placed"] == "0"
    summary = at.dataframe[0].value
    assert "not an organisation (a total row)" in set(summary["Status"])
    # the user picks the read-me sheet: no location column there, said plainly; the picker stays
    picker.set_value("Read me").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("No column looks like a postcode" in e.value for e in at.error)
    picker = next(s for s in at.selectbox if s.key and s.key.startswith("orgs_sheet_"))
    picker.set_value("Grants").run()
    _clean(at)
    assert _metrics(at)["Placed in an English LSOA"] == "4"
    assert at.session_state["nm_org_layer"].sheet == "Grants"


def test_postcodes_found_at_the_end_of_addresses_are_placed_and_said() -> None:
    data = (FIELD_CASES / "c02_postcode_inside_address.csv").read_bytes()
    at = _upload("addresses.csv", data)
    _clean(at)
    assert _metrics(at)["Placed in an English LSOA"] == "4"
    postcodes = at.session_state["nm_org_layer"].table["org_postcode"].tolist()
    assert postcodes == ["B31 2LB", "SE16 2JA", "HR3 5AL", "TD15 1AA"]
    read_as = next(c.value for c in at.caption if c.value.startswith("Read as:"))
    assert "address" in read_as


def test_a_mistyped_postcode_is_corrected_in_the_table_and_every_page_uses_it(real_data_dir: Path) -> None:
    # BR1 4BR is not a postcode (not in the NSPL); BR1 4BY is, one letter away
    data = b"name,postcode\nAlpha Club,BR1 4BR\nBeta Hall,B31 2LB\nGamma Hub,CF10 1AA\n"
    at = _upload("members.csv", data)
    _clean(at)
    assert _metrics(at)["Placed in an English LSOA"] == "1"
    shown = at.data_editor[0].value
    assert shown["Row"].tolist() == [1, 3]
    assert shown["Why not placed"].tolist() == ["postcode not found", "outside England (Wales)"]
    _edit(at, {0: {"Postcode": "BR1 4BY"}})
    _clean(at)
    assert _metrics(at)["Placed in an English LSOA"] == "2"
    assert _metrics(at)["Not placed"] == "1"
    fixed = _row(at, 1)
    assert fixed["status"] == "ok" and fixed["org_postcode"] == "BR1 4BY"
    assert "corrected in the app" in fixed["placed_by"]
    assert fixed["lsoa11_code"] == _lewisham_lsoa11(real_data_dir, "BR1 4BY")
    assert fixed["postcode"] == "BR1 4BR"  # the file's own text is kept beside the correction
    assert any("1 row placed again" in s.value for s in at.success)
    assert at.data_editor[0].value["Row"].tolist() == [3]  # only the row still not placed is left
    # another page's picker uses the corrected list
    at.switch_page("app_pages/gaps.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert _row(at, 1)["status"] == "ok"
    # a new session uploading the same bytes does not see this session's correction
    other = _upload("members.csv", data)
    _clean(other)
    assert _metrics(other)["Placed in an English LSOA"] == "1"
    assert _row(other, 1)["status"] == "postcode not found"


def test_a_correction_that_still_fails_keeps_its_reason_and_what_was_typed() -> None:
    data = b"name,postcode\nAlpha Club,BR1 4BR\nBeta Hall,B31 2LB\n"
    at = _upload("members.csv", data)
    _edit(at, {0: {"Postcode": "CF10 1AA"}})  # a real postcode, in Wales
    _clean(at)
    assert _metrics(at)["Placed in an English LSOA"] == "1"
    row = _row(at, 1)
    assert row["status"] == "outside England (Wales)"
    assert "corrected in the app" in row["placed_by"]
    shown = at.data_editor[0].value
    assert shown["Postcode"].tolist() == ["CF10 1AA"]
    # then coordinates in Birmingham, typed with a decimal point
    _edit(at, {0: {"Postcode": "", "Latitude": "52.415", "Longitude": "-1.96742"}})
    _clean(at)
    assert _metrics(at)["Placed in an English LSOA"] == "2"
    assert _row(at, 1)["lsoa21_code"] == _row(at, 2)["lsoa21_code"]  # B31 2LB's own centroid


def test_did_you_mean_is_accepted_with_one_tick(real_data_dir: Path) -> None:
    # "SE4 LJQ": an L typed for a 1; SE4 1JQ is the only real postcode one character off in its sector
    data = b"name,postcode\nDelta Centre,SE4 LJQ\nBeta Hall,B31 2LB\n"
    at = _upload("members.csv", data)
    _clean(at)
    shown = at.data_editor[0].value
    assert shown["Did you mean"].tolist() == ["SE4 1JQ"]
    at.checkbox(key="orgs_fix_use_all").check().run()
    at.button(key="orgs_fix_place").click().run()
    _clean(at)
    row = _row(at, 1)
    assert row["status"] == "ok" and row["org_postcode"] == "SE4 1JQ"
    assert "suggested postcode accepted" in row["placed_by"]
    assert row["lsoa11_code"] == _lewisham_lsoa11(real_data_dir, "SE4 1JQ")
    assert not at.data_editor  # nothing left to fix


def test_placing_again_with_nothing_changed_says_so() -> None:
    at = _upload("members.csv", b"name,postcode\nAlpha Club,BR1 4BR\nBeta Hall,B31 2LB\n")
    at.button(key="orgs_fix_place").click().run()
    _clean(at)
    assert any("Nothing to place again" in i.value for i in at.info)
    assert _metrics(at)["Placed in an English LSOA"] == "1"


def test_control_character_in_a_name_never_breaks_the_excel_download() -> None:
    at = _upload("tea.csv", b"name,postcode\nTea\x01Toast,B31 2LB\nScone\x1bShop,CF10 1AA\n")
    _clean(at)
    assert _metrics(at)["Placed in an English LSOA"] == "1"
    assert any(b.label == "Download the profile table (Excel)" for b in at.download_button)
    notes = [c.value for c in at.caption if "Excel file cannot hold" in c.value]
    assert notes and all("control characters" in n for n in notes)


@pytest.mark.expect_page_error("No column looks like a postcode")
def test_file_text_in_messages_never_becomes_markup() -> None:
    odd = b"![x](http://host/img.png),[Click for help](#),<img src=x onerror=alert(1)>\na,b,c\n"
    at = _upload("odd.csv", odd)
    assert not at.exception, [e.value for e in at.exception]
    message = next(e.value for e in at.error if "No column looks like a postcode" in e.value)
    html = _rendered(message)  # as a Markdown renderer makes it: no image, link or tag
    assert "<img" not in html and "<a " not in html
    assert "![x](http:" in html and "[Click for help](#)" in html and "&lt;img src=x" in html


def test_notes_from_the_file_are_escaped() -> None:
    from needsmap.orgs import import_file
    from needsmap.ui.orgs import notes_text

    result = import_file(b"name,postcode\nA,B31 2LB\n", filename="a.csv")
    result.notes.append("heading [Click for help](#)")
    text = notes_text(result)
    assert text.startswith("Read as: ")
    html = _rendered(text)
    assert "<a " not in html and "heading [Click for help](#)" in html


def test_fix_table_offers_only_rows_that_are_organisations() -> None:
    from needsmap.orgs import import_file
    from needsmap.ui import org_fixes as fx

    result = import_file(FIELD_CASES / "c08_xlsx_readme_sheet_title_totals.xlsx", filename="c08.xlsx")
    extra = fx.not_organisations(result)
    assert extra[fx.REASON].tolist() == ["not an organisation (a total row)"]
    assert extra[fx.ROW].tolist() == [5]  # after the four grants
    assert fx.fix_table(result).empty  # the four grants are placed, the Total row is not for fixing


def test_corrections_are_the_changed_rows_only_and_merge_by_source_row() -> None:
    from needsmap.orgs import import_file
    from needsmap.ui import org_fixes as fx

    result = import_file(b"name,postcode,lat,lon\nA,BR1 4BR,,\nB,nonsense,,\nC,B31 2LB,,\n",
                         filename="m.csv")
    shown = fx.fix_table(result)
    assert shown[fx.ROW].tolist() == [1, 2]
    edited = shown.copy()
    edited.loc[1, [fx.POSTCODE, fx.LAT, fx.LON]] = ["", "52.415", "-1.96742"]
    todo = fx.corrections(shown, edited)
    assert todo.index.tolist() == [2]  # row 1 was not touched
    rows = fx.place_corrections(todo)
    fixed = fx.apply_fixes(result, rows)
    assert len(fixed.table) == len(result.table)
    assert fixed.table["status"].tolist()[1] == "ok"
    assert result.table["status"].tolist()[1] == "not a valid postcode"  # the original is unchanged
    # B's coordinates are C's postcode centroid, so B is in C's LSOA
    assert fixed.table["lsoa21_code"].tolist()[1] == fixed.table["lsoa21_code"].tolist()[2]
    again = fx.merge_fixes(fx.merge_fixes(None, todo, rows), todo, rows)
    assert again["rows"].index.tolist() == [2]  # newest wins, no repeats
