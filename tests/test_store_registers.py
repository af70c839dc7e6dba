"""Registers (needsmap.store.registers) made from the real Trafford charities list, on SQLite and PostgreSQL.

Golden numbers come from the raw CSV (read with the csv module), never from the importer.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from needsmap.analysis.coverage import usable_orgs
from needsmap.data.catalog import get_dataset
from needsmap.errors import ConflictError, NotFoundError, ValidationError
from needsmap.export import export_bytes
from needsmap.orgs import ImportResult, load_default_layer
from needsmap.store import lists, registers
from needsmap.store.registers import RowEdit
from needsmap.store.workspaces import LOCAL_USER, WorkspaceInfo, create_workspace, ensure_local

NAME = "Trafford charities"
ALICE, BOB, CAROL = "alice@example.org", "bob@example.org", "carol@example.org"
CHARITY, POSTCODE = "registered_charity_number", "charity_contact_postcode"


@pytest.fixture(scope="module")
def raw() -> list[dict[str, str]]:
    """The raw Trafford charities CSV, row by row, as the csv module reads it."""
    path = get_dataset("orgs_charities_trafford").path
    assert path.name == "charity_register_trafford_2023.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def trafford() -> ImportResult:
    """The default layer ``charities_trafford`` (placed once, cached)."""
    return load_default_layer("charities_trafford")


@pytest.fixture
def made(db_url: str, trafford: ImportResult) -> WorkspaceInfo:
    """The local workspace holding the register :data:`NAME`, made by Alice from the default layer."""
    ws = ensure_local(db_url)
    registers.create_register(ws, NAME, trafford, ALICE, url=db_url)
    return ws


def _table(ws: WorkspaceInfo, url: str) -> pd.DataFrame:
    return registers.register_table(ws, NAME, url)[1]


def _placed_pair(table: pd.DataFrame) -> tuple[int, int]:
    """Two placed rows in different LSOAs with different postcodes (row ids)."""
    ok = table[(table["status"] == "ok") & table["org_postcode"].notna()]
    first = ok.index[0]
    other = ok[(ok["lsoa21_code"] != ok.at[first, "lsoa21_code"])
               & (ok["org_postcode"] != ok.at[first, "org_postcode"])].index[0]
    return int(first), int(other)


def test_register_keeps_every_organisation_of_the_raw_file(db_url: str, trafford: ImportResult,
                                                            raw: list[dict[str, str]]) -> None:
    ws = ensure_local(db_url)
    info = registers.create_register(ws, f"  {NAME} ", trafford, ALICE, url=db_url)
    assert info.name == NAME
    assert info.rows == len(raw)
    assert info.closed_rows == 0 and info.open_rows == len(raw)
    assert info.created_by == info.updated_by == ALICE
    assert info.source_file == "charity_register_trafford_2023.csv"
    assert [r.name for r in registers.list_registers(ws, url=db_url)] == [NAME]
    got = registers.get_register(ws, NAME, url=db_url)
    assert (got.id, got.name, got.version, got.rows, got.closed_rows) == \
        (info.id, info.name, info.version, info.rows, info.closed_rows)
    events = registers.history(ws, NAME, url=db_url)
    assert events["What"].tolist() == ["created"]
    assert events["Who"].tolist() == [ALICE]


def test_times_read_back_are_utc_on_every_backend(made: WorkspaceInfo, db_url: str) -> None:
    """Every "when" the store gives back is timezone-aware UTC, as it was written (models.utcnow),
    whichever database holds it: one backend must not hand back naive datetimes."""
    info = registers.get_register(made, NAME, url=db_url)
    hist = registers.history(made, NAME, url=db_url)
    for when in (info.created_at, info.updated_at, hist.at[0, "When"]):
        assert when.tzinfo is not None and when.utcoffset() == dt.timedelta(0), when
    assert abs(dt.datetime.now(dt.UTC) - info.updated_at) < dt.timedelta(minutes=5)


def test_register_name_is_unique_in_a_workspace(made: WorkspaceInfo, db_url: str,
                                                trafford: ImportResult) -> None:
    with pytest.raises(ValidationError, match="already has a register called"):
        registers.create_register(made, NAME, trafford, BOB, url=db_url)
    with pytest.raises(ValidationError, match="give the register a name"):
        registers.create_register(made, "   ", trafford, BOB, url=db_url)


def test_register_result_is_the_list_again(made: WorkspaceInfo, db_url: str,
                                           trafford: ImportResult, raw: list[dict[str, str]]) -> None:
    res = registers.register_result(made, NAME, url=db_url)
    table = res.table
    assert res.kind == registers.KIND
    assert res.label == f"{NAME} (register)"
    assert len(table) == len(raw)
    assert res.columns[:len(raw[0])] == list(raw[0])
    assert int((table["status"] == "ok").sum()) == len(trafford.placed)
    assert sorted(table[CHARITY]) == sorted(r[CHARITY] for r in raw)
    assert not table["org_closed"].any()
    # every row is where the import placed it, and keeps its original text
    by_number = {r[CHARITY]: r for r in raw}
    placed = trafford.table.set_index(CHARITY)["lsoa21_code"]
    for rec in table.to_dict("records"):
        src = by_number[rec[CHARITY]]
        # the original text exactly (81 raw postcodes end in a space, kept)
        assert rec[POSTCODE] == src[POSTCODE]
        assert rec["charity_name"] == src["charity_name"]
        lsoa = placed[rec[CHARITY]]
        assert (rec["lsoa21_code"] if pd.notna(rec["lsoa21_code"]) else None) == \
            (lsoa if pd.notna(lsoa) else None)
    # source_row is the register's row id
    assert table["source_row"].tolist() == _table(made, db_url).index.tolist()


def test_close_and_reopen_a_row(made: WorkspaceInfo, db_url: str) -> None:
    before = _table(made, db_url)
    rid = int(before[before["status"] == "ok"].index[0])
    usable_before, _ = usable_orgs(registers.register_result(made, NAME, url=db_url).table)

    info = registers.close_rows(made, NAME, {rid: int(before.at[rid, "row_version"])}, BOB,
                                on=dt.date(2024, 3, 1), url=db_url)
    assert info.closed_rows == 1
    res = registers.register_result(made, NAME, url=db_url).table.set_index("source_row")
    assert bool(res.at[rid, "org_closed"]) is True
    assert int(res["org_closed"].sum()) == 1
    assert res.at[rid, "closed_date"] == "2024-03-01"
    assert res.at[rid, "closed_by"] == BOB
    usable, excluded = usable_orgs(res.reset_index())
    assert excluded["closed"] == 1
    assert len(usable) == len(usable_before) - 1
    top = registers.history(made, NAME, url=db_url).iloc[0]
    assert (top["What"], top["Who"], int(top["Row"])) == ("closed", BOB, rid)
    assert "closed: (blank) → 2024-03-01" in top["Details"]

    # closing again with the version read before the closure is refused: the row moved on
    with pytest.raises(ConflictError) as info_err:
        registers.close_rows(made, NAME, {rid: int(before.at[rid, "row_version"])}, CAROL, url=db_url)
    assert any(BOB in c and "closed" in c for c in info_err.value.changes)

    now = _table(made, db_url)
    info = registers.reopen_rows(made, NAME, {rid: int(now.at[rid, "row_version"])}, CAROL, url=db_url)
    assert info.closed_rows == 0
    res = registers.register_result(made, NAME, url=db_url).table.set_index("source_row")
    assert not res["org_closed"].any()
    assert pd.isna(res.at[rid, "closed_by"])
    hist = registers.history(made, NAME, url=db_url)
    assert hist["What"].tolist() == ["reopened", "closed", "created"]
    assert hist["Who"].tolist() == [CAROL, BOB, ALICE]


def test_a_postcode_fix_places_the_row_again(made: WorkspaceInfo, db_url: str,
                                             raw: list[dict[str, str]]) -> None:
    table = _table(made, db_url)
    rid, other = _placed_pair(table)
    new_postcode = table.at[other, POSTCODE]  # another row's postcode, as written in the raw file
    assert new_postcode in {r[POSTCODE] for r in raw}
    old_postcode = table.at[rid, "org_postcode"]

    info = registers.edit_rows(made, NAME, [RowEdit(rid, int(table.at[rid, "row_version"]),
                                                    {"org_postcode": new_postcode})], CAROL, url=db_url)
    assert info.updated_by == CAROL
    after = _table(made, db_url)
    assert after.at[rid, "lsoa21_code"] == table.at[other, "lsoa21_code"]
    assert after.at[rid, "lsoa11_code"] == table.at[other, "lsoa11_code"]
    assert after.at[rid, "lat"] == pytest.approx(table.at[other, "lat"])
    assert after.at[rid, "status"] == "ok"
    assert after.at[rid, POSTCODE] == new_postcode  # the original column carries the fix
    assert after.at[rid, "org_postcode"] == new_postcode
    assert after.at[rid, "edited_by"] == CAROL
    assert int(after.at[rid, "row_version"]) > int(table.at[rid, "row_version"])
    # nothing else moved
    rest = after.drop(index=rid)
    pd.testing.assert_series_equal(rest["lsoa21_code"], table.drop(index=rid)["lsoa21_code"])
    top = registers.history(made, NAME, url=db_url).iloc[0]
    assert (top["What"], top["Who"], int(top["Row"])) == ("edited", CAROL, rid)
    assert f"postcode: {old_postcode} → {new_postcode}" in top["Details"]
    assert f"LSOA 2021: {table.at[rid, 'lsoa21_code']} → {table.at[other, 'lsoa21_code']}" in top["Details"]


def test_history_is_newest_first_with_who_and_what(made: WorkspaceInfo, db_url: str) -> None:
    table = _table(made, db_url)
    rid, other = _placed_pair(table)
    registers.edit_rows(made, NAME, [RowEdit(rid, int(table.at[rid, "row_version"]),
                                             {"org_name": "RENAMED CHARITY"})], BOB, url=db_url)
    registers.close_rows(made, NAME, {other: int(table.at[other, "row_version"])}, CAROL, url=db_url)
    hist = registers.history(made, NAME, url=db_url)
    assert list(hist.columns) == ["When", "Who", "What", "Row", "Organisation", "Details"]
    assert hist["What"].tolist() == ["closed", "edited", "created"]
    assert hist["Who"].tolist() == [CAROL, BOB, ALICE]
    assert hist["When"].is_monotonic_decreasing
    assert hist.at[1, "Organisation"] == "RENAMED CHARITY"
    assert "name: " in hist.at[1, "Details"] and "→ RENAMED CHARITY" in hist.at[1, "Details"]
    only = registers.history(made, NAME, row_id=rid, url=db_url)
    assert only["What"].tolist() == ["edited"]
    # the rename reached the original name column too
    assert _table(made, db_url).at[rid, "charity_name"] == "RENAMED CHARITY"


def test_edits_are_checked(made: WorkspaceInfo, db_url: str) -> None:
    table = _table(made, db_url)
    rid = int(table.index[0])
    ver = int(table.at[rid, "row_version"])
    with pytest.raises(ValidationError, match="cannot be edited"):
        registers.edit_rows(made, NAME, [RowEdit(rid, ver, {"lsoa21_code": "E01000001"})], BOB, url=db_url)
    with pytest.raises(ValidationError, match="needs a name"):
        registers.edit_rows(made, NAME, [RowEdit(rid, ver, {"org_name": "  "})], BOB, url=db_url)
    with pytest.raises(ValidationError, match="is not a date"):
        registers.edit_rows(made, NAME, [RowEdit(rid, ver, {"closed": "soon"})], BOB, url=db_url)
    with pytest.raises(NotFoundError, match="No register called 'Nope'"):
        registers.edit_rows(made, "Nope", [RowEdit(rid, ver, {"org_name": "X"})], BOB, url=db_url)
    # nothing of the refused edits was saved
    assert _table(made, db_url).at[rid, "row_version"] == ver
    assert registers.history(made, NAME, url=db_url)["What"].tolist() == ["created"]


def test_export_csv_reads_back(made: WorkspaceInfo, db_url: str,
                               raw: list[dict[str, str]]) -> None:
    table = registers.register_result(made, NAME, url=db_url).table
    body = export_bytes("csv", table).decode("utf-8-sig")
    back = list(csv.DictReader(io.StringIO(body, newline="")))
    assert len(back) == len(raw)
    assert sorted(r[CHARITY] for r in back) == sorted(r[CHARITY] for r in raw)
    assert sorted(r["charity_name"] for r in back) == sorted(r["charity_name"].strip() for r in raw)
    assert {r["added_by"] for r in back} == {ALICE}


def test_export_geojson_reads_back(made: WorkspaceInfo, db_url: str) -> None:
    """A register's points (ImportResult.points: every column, the who/when ones included) as GeoJSON."""
    res = registers.register_result(made, NAME, url=db_url)
    table = res.table
    with_point = table[table["lat"].notna() & table["lon"].notna()]
    assert len(with_point) >= int((table["status"] == "ok").sum())
    doc = json.loads(export_bytes("geojson", res.points()))
    assert doc["type"] == "FeatureCollection"
    assert doc["name"] == f"{NAME} (register)"
    assert len(doc["features"]) == len(with_point)
    assert sorted(f["properties"][CHARITY] for f in doc["features"]) == sorted(with_point[CHARITY])
    first = doc["features"][0]
    assert first["geometry"]["coordinates"] == pytest.approx([with_point.iloc[0]["lon"],
                                                              with_point.iloc[0]["lat"]])
    assert first["properties"]["added_by"] == ALICE


def test_export_xlsx_reads_back(made: WorkspaceInfo, db_url: str,
                                raw: list[dict[str, str]]) -> None:
    table = registers.register_result(made, NAME, url=db_url).table
    back = pd.read_excel(io.BytesIO(export_bytes("xlsx", table)), dtype=str, engine="openpyxl")
    assert len(back) == len(raw)
    assert sorted(back[CHARITY]) == sorted(r[CHARITY] for r in raw)
    assert "added_by" in back.columns and set(back["added_by"]) == {ALICE}


def test_load_list_names_a_register_of_the_local_workspace(made: WorkspaceInfo, db_url: str,
                                                           raw: list[dict[str, str]],
                                                           trafford: ImportResult,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(lists.WORKSPACE_ENV, raising=False)
    res, label, layer = lists.load_list(f"register:{NAME}")
    assert (label, layer) == (f"{NAME} (register)", None)
    assert len(res.table) == len(raw)
    with pytest.raises(NotFoundError, match="'Trafford assets'"):
        lists.load_list("register:Trafford assets")
    # a register of another workspace is not found from the local one
    team = create_workspace("team-a", members=[ALICE], url=db_url)
    registers.create_register(team, "Team list", trafford, ALICE, url=db_url)
    with pytest.raises(NotFoundError, match="'Team list'"):
        lists.load_list("register:Team list")
    monkeypatch.setenv(lists.WORKSPACE_ENV, "team-a")
    assert len(lists.load_list("register:Team list")[0].table) == len(raw)


def test_local_user_can_make_a_register(db_url: str, trafford: ImportResult) -> None:
    ws = ensure_local(db_url)
    info = registers.create_register(ws, NAME, trafford, LOCAL_USER, url=db_url)
    assert info.created_by == LOCAL_USER
    assert registers.history(ws, NAME, url=db_url)["Who"].tolist() == [LOCAL_USER]


def test_a_register_copied_into_another_workspace_reads_back(made: WorkspaceInfo, db_url: str,
                                                             raw: list[dict[str, str]]) -> None:
    """A register's list (register_result: original columns then the who/when ones) can start
    another register: its table must not get two ``added_at`` columns."""
    team = create_workspace("team-b", members=[BOB], url=db_url)
    copy = registers.create_register(team, "Copy", registers.register_result(made, NAME, url=db_url),
                                     BOB, url=db_url)
    assert copy.rows == len(raw)
    res = registers.register_result(team, "Copy", url=db_url)
    assert res.table.columns.is_unique
    assert sorted(res.table[CHARITY]) == sorted(r[CHARITY] for r in raw)
    assert set(res.table["added_by"]) == {BOB}


def test_a_new_version_keeps_an_edit_the_file_does_not_have(made: WorkspaceInfo, db_url: str,
                                                            raw: list[dict[str, str]], tmp_path: Path) -> None:
    """A postcode fixed here, and a next file that still has the old one: the fix is kept (and
    listed), not undone as a change."""
    import csv

    from needsmap.orgs import import_file

    info, table = registers.register_table(made, NAME, db_url)
    placed = table[table["status"] == "ok"]
    rid, donor = int(placed.index[0]), int(placed.index[-1])
    fixed = str(table.at[donor, "org_postcode"])
    registers.edit_rows(made, NAME, [registers.RowEdit(rid, int(table.at[rid, "row_version"]),
                                                       {"org_postcode": fixed})], "ann", url=db_url)
    path = tmp_path / "same.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(raw[0]))
        w.writeheader()
        w.writerows(raw)
    preview = registers.preview_merge(made, NAME, import_file(path, filename=path.name), url=db_url)
    assert preview.summary == f"0 new, 0 changed, 0 gone ({len(raw):,} unchanged)"
    assert preview.kept["Row"].tolist() == [rid]
    assert preview.kept["Kept"].tolist() == [f"postcode {fixed}"]
    registers.apply_merge(made, preview, "bob", url=db_url)
    _, after = registers.register_table(made, NAME, db_url)
    assert after.at[rid, "org_postcode"] == fixed
    assert after.at[rid, "lsoa21_code"] == table.at[donor, "lsoa21_code"]
