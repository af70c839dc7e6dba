"""``needsmap register``, ``workspace`` and ``db`` on the real Trafford charity register.

One database for the module: the raw file makes the register, an edited copy (one row dropped, one
postcode changed, two new charities, one named like a spreadsheet formula) is previewed, then merged.
Expected counts come from the raw file read with the csv module; commands that take a list
(``gaps``, ``portfolio``) must give the same figures for ``register:NAME`` as for the file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from needsmap.cli import main
from needsmap.store import db
from needsmap.store import registers as rg
from needsmap.store.lists import WORKSPACE_ENV
from needsmap.store.workspaces import WorkspaceInfo, get_workspace
from tests import raw

NAME = "Trafford charities"
SPEC = f"register:{NAME}"
RAW_FILE = "organisations/charity_register_trafford_2023.csv"
NUMBER, CHARITY, POSTCODE = "registered_charity_number", "charity_name", "charity_contact_postcode"
#: a new charity named like a formula: spreadsheets must show it as text, GeoJSON keep it exactly
FORMULA = '=HYPERLINK("http://example.org/x","click me")'
OTHER_NEW = "NEEDSMAP TEST COMMUNITY PANTRY"


def _run(*argv: str) -> tuple[int, str, str]:
    """``needsmap ARGV…`` in this process: exit code, standard output, standard error."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _gaps_counts(path: Path) -> pd.Series:
    df = pd.read_csv(path, encoding="utf-8-sig", dtype={"lsoa21_code": str})
    return df.set_index("lsoa21_code")["orgs_in_lsoa"].sort_index()


def _same_counts(register: pd.Series, file: pd.Series) -> None:
    """The same LSOAs with the same organisation counts; else the LSOAs that differ."""
    assert register.index.equals(file.index)
    diff = (register - file)[register != file]
    assert diff.empty, f"organisations per LSOA, register minus file: {diff.to_dict()}"


@dataclass
class Merge:
    """What the module's imports printed, and the files they read."""

    folder: Path
    raw_rows: list[dict[str, str]]
    dropped: dict[str, str]
    changed: dict[str, str]
    new_postcode: str
    created: tuple[int, str, str]
    version_before_preview: int
    rows_before_preview: pd.DataFrame
    preview: tuple[int, str, str]
    version_after_preview: int
    rows_after_preview: pd.DataFrame
    applied: tuple[int, str, str]
    gaps_register_first: pd.Series
    gaps_raw_file: pd.Series
    edited_file: Path
    extra: dict[str, object] = field(default_factory=dict)


def _unique_rows(rows: list[dict[str, str]]) -> list[int]:
    """Indices of rows whose charity number, and name with postcode, no other row shares."""
    numbers = Counter(r[NUMBER] for r in rows)
    pairs = Counter((r[CHARITY].strip().upper(), r[POSTCODE].replace(" ", "").upper()) for r in rows)
    return [i for i, r in enumerate(rows)
            if numbers[r[NUMBER]] == 1 and r[POSTCODE].strip() and r[CHARITY].strip()
            and pairs[(r[CHARITY].strip().upper(), r[POSTCODE].replace(" ", "").upper())] == 1]


@pytest.fixture(scope="module")
def merge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Merge]:
    folder = tmp_path_factory.mktemp("register")
    mp = pytest.MonkeyPatch()
    mp.setenv(db.DATABASE_URL_ENV, f"sqlite:///{folder}/db.sqlite")
    mp.delenv(WORKSPACE_ENV, raising=False)
    try:
        first = folder / "charities.csv"
        shutil.copyfile(raw.path(RAW_FILE), first)
        with first.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            header = list(reader.fieldnames or [])
            rows = list(reader)
        ok = _unique_rows(rows)
        drop, change, donor_a, donor_b, donor_c = ok[10], ok[20], ok[30], ok[40], ok[50]
        edited_rows = [dict(r) for r in rows]
        new_postcode = rows[donor_a][POSTCODE]
        assert new_postcode.replace(" ", "") != rows[change][POSTCODE].replace(" ", "")
        edited_rows[change][POSTCODE] = new_postcode
        taken = {r[NUMBER] for r in rows}
        fresh = [n for n in ("9999991", "9999992", "9999993", "9999994") if n not in taken][:2]
        for number, name, donor in zip(fresh, (FORMULA, OTHER_NEW), (donor_b, donor_c), strict=True):
            edited_rows.append({**rows[donor], NUMBER: number, CHARITY: name,
                                "charity_company_registration_number": "NA"})
        del edited_rows[drop]
        edited = folder / "charities_2024.csv"
        with edited.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=header)
            writer.writeheader()
            writer.writerows(edited_rows)

        created = _run("register", "import", NAME, str(first))
        ws = get_workspace("local")
        gaps_reg, gaps_raw = folder / "gaps_register.csv", folder / "gaps_raw.csv"
        for spec, out in ((SPEC, gaps_reg), (str(first), gaps_raw)):
            code, _, err = _run("gaps", "--area", "Trafford", "--orgs", spec, "--out", str(out))
            assert code == 0, err
        before = rg.get_register(ws, NAME).version
        _, rows_before = rg.register_table(ws, NAME)
        preview = _run("register", "import", NAME, str(edited))
        after = rg.get_register(ws, NAME).version
        _, rows_after = rg.register_table(ws, NAME)
        applied = _run("register", "import", NAME, str(edited), "--yes", "--user", "Ann@Example.org")
        yield Merge(folder, rows, rows[drop], rows[change], new_postcode, created, before, rows_before,
                    preview, after, rows_after, applied, _gaps_counts(gaps_reg), _gaps_counts(gaps_raw),
                    edited)
    finally:
        mp.undo()
        db.dispose_all()


@pytest.fixture()
def in_merge_db(merge: Merge, monkeypatch: pytest.MonkeyPatch) -> Merge:
    """The module's database for one test (whatever another test set)."""
    monkeypatch.setenv(db.DATABASE_URL_ENV, f"sqlite:///{merge.folder}/db.sqlite")
    monkeypatch.delenv(WORKSPACE_ENV, raising=False)
    return merge


@pytest.fixture()
def fresh_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty database of this test's own."""
    monkeypatch.setenv(db.DATABASE_URL_ENV, f"sqlite:///{tmp_path}/db.sqlite")
    monkeypatch.delenv(WORKSPACE_ENV, raising=False)
    return tmp_path


def _table(merge: Merge) -> pd.DataFrame:
    """The register's rows now (``merge``: its database is the one in use)."""
    return rg.register_table(get_workspace("local"), NAME)[1]


def _row_id(table: pd.DataFrame, number: str) -> int:
    hit = table.index[table["org_charity_number"] == rg.norm_number(number)]
    assert len(hit) == 1, number
    return int(hit[0])


# ----------------------------------------------------------------------------- import and merge
def test_first_import_makes_the_register(merge: Merge) -> None:
    code, out, err = merge.created
    assert code == 0, err
    n = len(merge.raw_rows)
    placed = int((merge.rows_before_preview["status"] == "ok").sum())
    assert 0 < placed <= n
    assert f"made register {NAME}: {n:,} organisations ({placed:,} placed in an English LSOA)" in out
    assert len(merge.rows_before_preview) == n


def test_reimport_previews_and_saves_nothing(merge: Merge) -> None:
    code, out, err = merge.preview
    assert code == 0, err
    unchanged = len(merge.raw_rows) - 2  # every raw row but the dropped one and the changed one
    assert f"2 new, 1 changed, 1 gone ({unchanged:,} unchanged)" in out
    assert out.rstrip().endswith("nothing saved: run again with --yes to apply")
    lines = out.splitlines()
    new = lines[lines.index("2 new:") + 2: lines.index("2 new:") + 4]
    assert sorted(line.split("\t")[0] for line in new) == sorted([FORMULA, OTHER_NEW])
    changed = lines[lines.index("1 changed:") + 2]
    assert merge.changed[CHARITY].strip() in changed and "postcode:" in changed
    gone = lines[[i for i, t in enumerate(lines) if t.startswith("1 gone")][0] + 2]
    assert merge.dropped[CHARITY].strip() in gone
    # nothing saved: the same version, the same rows at the same row versions
    assert merge.version_after_preview == merge.version_before_preview
    pd.testing.assert_frame_equal(merge.rows_after_preview, merge.rows_before_preview)


def test_yes_applies_the_merge(in_merge_db: Merge) -> None:
    merge = in_merge_db
    code, out, err = merge.applied
    assert code == 0, err
    n = len(merge.raw_rows)
    assert f"saved: {NAME} now has {n + 2:,} organisations (1 closed)" in out
    table = _table(merge)
    gone = table.loc[_row_id(table, merge.dropped[NUMBER])]
    assert pd.notna(gone["closed_date"]) and gone["closed_by"] == "ann@example.org"
    moved = table.loc[_row_id(table, merge.changed[NUMBER])]
    assert moved["org_postcode"].replace(" ", "") == merge.new_postcode.replace(" ", "")
    assert set(table["org_name"]) >= {FORMULA, OTHER_NEW}
    code, out, _ = _run("register", "history", NAME, "--row", str(_row_id(table, merge.changed[NUMBER])))
    assert code == 0 and "\tmerged\t" in out and merge.new_postcode.strip() in out
    code, out, _ = _run("register", "list")
    assert code == 0
    line = [t for t in out.splitlines() if t.startswith(NAME)][0][len(NAME):].split()
    assert line[:2] == [f"{n + 2:,}", "1"] and line[-1] == "ann@example.org"


def test_gaps_reads_a_register_like_its_file(merge: Merge) -> None:
    """The register made from the raw file counts the same organisations in every LSOA as the raw
    file itself (placed, duplicates and all)."""
    assert merge.gaps_register_first.sum() > 0
    _same_counts(merge.gaps_register_first, merge.gaps_raw_file)


def test_gaps_on_the_merged_register_equals_the_new_file(in_merge_db: Merge) -> None:
    """After the merge the register holds what the new file holds (the gone row closed, so left out)."""
    merge = in_merge_db
    got = {}
    for key, spec in (("register", SPEC), ("file", str(merge.edited_file))):
        out = merge.folder / f"gaps_after_{key}.csv"
        code, _, err = _run("gaps", "--area", "Trafford", "--orgs", spec, "--out", str(out))
        assert code == 0, err
        got[key] = _gaps_counts(out)
    _same_counts(got["register"], got["file"])


# ----------------------------------------------------------------------------- edits
def _portfolio(*extra: str) -> dict:
    code, out, err = _run("portfolio", "--orgs", SPEC, *extra)
    assert code == 0, err
    return json.loads(out)


def test_closing_a_row_drops_it_from_portfolio_and_reopening_restores_it(in_merge_db: Merge) -> None:
    table = _table(in_merge_db)
    rid = _row_id(table, in_merge_db.raw_rows[_unique_rows(in_merge_db.raw_rows)[60]][NUMBER])
    assert table.loc[rid, "status"] == "ok" and pd.isna(table.loc[rid, "closed_date"])
    before = _portfolio()
    code, out, err = _run("register", "close", NAME, str(rid), "--on", "2024-03-31")
    assert code == 0, err
    assert f"closed 1 row ({rid})" in out
    assert _table(in_merge_db).loc[rid, "closed_date"] == "2024-03-31"
    after = _portfolio()
    assert after["organisations_placed"] == before["organisations_placed"] - 1
    assert after["excluded_reasons"].get("marked closed", 0) == before["excluded_reasons"].get("marked closed", 0) + 1
    code, out, _ = _run("register", "close", NAME, str(rid))
    assert code == 0 and f"row {rid} is already closed (on 2024-03-31)" in out
    code, out, err = _run("register", "reopen", NAME, str(rid))
    assert code == 0, err
    assert f"reopened 1 row ({rid})" in out
    assert _portfolio()["organisations_placed"] == before["organisations_placed"]


def test_a_change_between_read_and_write_is_refused_with_the_other_change(
        in_merge_db: Merge, monkeypatch: pytest.MonkeyPatch) -> None:
    table = _table(in_merge_db)
    rid = _row_id(table, in_merge_db.raw_rows[_unique_rows(in_merge_db.raw_rows)[70]][NUMBER])
    real = rg.register_table

    def read_then_bob_closes(ws: WorkspaceInfo, name: str,
                             url: str | None = None) -> tuple[rg.RegisterInfo, pd.DataFrame]:
        info, rows = real(ws, name, url)
        monkeypatch.setattr(rg, "register_table", real)
        rg.close_rows(ws, name, {rid: int(rows.loc[rid, "row_version"])}, "bob@example.org")
        return info, rows

    monkeypatch.setattr(rg, "register_table", read_then_bob_closes)
    code, out, err = _run("register", "set-postcode", NAME, str(rid), "M33 7ZZ", "--user", "ann@example.org")
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "nothing of yours was saved" in err and "bob@example.org at " in err
    assert f"closed row {rid}" in err
    after = _table(in_merge_db).loc[rid]
    assert after["org_postcode"] == table.loc[rid, "org_postcode"]  # Ann's postcode not saved
    assert after["closed_by"] == "bob@example.org"
    code, _, err = _run("register", "reopen", NAME, str(rid))
    assert code == 0, err


def test_set_postcode_places_the_row_again(in_merge_db: Merge) -> None:
    table = _table(in_merge_db)
    ok = _unique_rows(in_merge_db.raw_rows)
    rid = _row_id(table, in_merge_db.raw_rows[ok[80]][NUMBER])
    donor = table.loc[_row_id(table, in_merge_db.raw_rows[ok[90]][NUMBER])]
    assert donor["status"] == "ok"
    code, out, err = _run("register", "set-postcode", NAME, str(rid), donor["org_postcode"])
    assert code == 0, err
    row = _table(in_merge_db).loc[rid]
    assert row["lsoa21_code"] == donor["lsoa21_code"]
    assert out.strip().endswith(f"LSOA 2021: {donor['lsoa21_code']}")
    assert row[POSTCODE] == donor["org_postcode"]  # the fix is in the exported postcode column too


# ----------------------------------------------------------------------------- export
def test_exports_read_back(in_merge_db: Merge) -> None:
    folder = in_merge_db.folder
    n = len(_table(in_merge_db))
    assert n == len(in_merge_db.raw_rows) + 2
    for ext in ("csv", "xlsx", "geojson"):
        code, out, err = _run("register", "export", NAME, "--out", str(folder / f"export.{ext}"))
        assert code == 0, err
    got = pd.read_csv(folder / "export.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(got) == n
    # the CSV is a spreadsheet export: a formula-like cell gets a leading '
    assert (got[CHARITY] == "'" + FORMULA).sum() == 1 and (got[CHARITY] == FORMULA).sum() == 0
    assert set(got["source_row"].astype(int)) == set(_table(in_merge_db).index)

    sheet = openpyxl.load_workbook(folder / "export.xlsx").active
    assert sheet.max_row - 1 == n
    col = [c.value for c in sheet[1]].index(CHARITY)
    cells = [row[col] for row in sheet.iter_rows(min_row=2) if row[col].value == FORMULA]
    assert len(cells) == 1 and cells[0].data_type == "s"  # text exactly as typed, not a formula

    doc = json.loads((folder / "export.geojson").read_text(encoding="utf-8"))
    with_point = got[(got["lat"] != "") & (got["lon"] != "")]
    assert 0 < len(doc["features"]) == len(with_point) <= n
    names = [f["properties"][CHARITY] for f in doc["features"]]
    assert names.count(FORMULA) == 1  # GeoJSON keeps the text exactly
    first = doc["features"][0]
    assert first["geometry"]["type"] == "Point"
    assert first["geometry"]["coordinates"] == pytest.approx([float(with_point["lon"].iloc[0]),
                                                             float(with_point["lat"].iloc[0])])

    code, _, err = _run("register", "export", NAME, "--out", str(folder / "export.txt"))
    assert code == 2 and "export.txt" in err and len(err.strip().splitlines()) == 1


def test_history_to_csv(in_merge_db: Merge) -> None:
    out = in_merge_db.folder / "history.csv"
    code, text, err = _run("register", "history", NAME, "--out", str(out))
    assert code == 0, err
    got = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(got.columns) == ["When (UTC)", "Who", "What", "Row", "Organisation", "Details"]
    assert {"created", "imported", "added", "merged", "closed"} <= set(got["What"])
    assert (got["What"] == "added").sum() == 2


# ----------------------------------------------------------------------------- errors, db, workspaces
def test_unknown_register_is_one_line_naming_it(fresh_db: Path) -> None:
    for argv in (("register", "export", "No such list", "--out", str(fresh_db / "x.csv")),
                 ("register", "close", "No such list", "3"),
                 ("gaps", "--area", "Trafford", "--orgs", "register:No such list",
                  "--out", str(fresh_db / "g.csv"))):
        code, _, err = _run(*argv)
        assert code == 2, argv
        assert len(err.strip().splitlines()) == 1, err
        assert "No register called 'No such list'" in err and "Traceback" not in err


def test_missing_file_and_bad_date_are_one_line(fresh_db: Path) -> None:
    code, _, err = _run("register", "import", NAME, str(fresh_db / "nope.csv"))
    assert code == 2 and "nope.csv" in err and "not found" in err
    code, _, err = _run("register", "close", NAME, "1", "--on", "31/03/2024")
    assert code == 2 and "YYYY-MM-DD" in err


def test_db_upgrade_and_where(fresh_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = _run("db", "upgrade")
    assert code == 0, err
    assert f"database: sqlite:///{fresh_db}/db.sqlite" in out
    assert "revision: 0001" in out
    tables = out.split("tables: ", 1)[1].strip().split(", ")
    assert {"workspace", "member", "register", "register_row", "row_event", "saved_view"} <= set(tables)
    monkeypatch.setenv(db.DATABASE_URL_ENV, "postgresql+psycopg://team:s3cret@db.example/needsmap")
    code, out, _ = _run("db", "where")
    assert code == 0 and "s3cret" not in out and "team:***@db.example/needsmap" in out


def test_workspace_commands(fresh_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = _run("workspace", "create", "food-net", "--name", "Food network",
                          "--member", "Ann@Example.org")
    assert code == 0, err
    assert "made workspace food-net (Food network) with 1 member" in out
    assert _run("workspace", "add-member", "food-net", "bob@example.org")[0] == 0
    code, out, _ = _run("workspace", "members", "food-net")
    assert out.split() == ["ann@example.org", "bob@example.org"]
    code, out, _ = _run("workspace", "list")
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert rows["food-net"][-1] == "2" and rows["local"][-1] == "0"
    code, _, err = _run("workspace", "add-member", "food-net", "bob")
    assert code == 2 and "'bob' is not an e-mail address" in err
    code, _, err = _run("workspace", "create", "food-net")
    assert code == 2 and "already exists" in err
    monkeypatch.setenv(WORKSPACE_ENV, "food-net")
    code, out, _ = _run("register", "list")
    assert code == 0 and "the workspace food-net has no register yet" in out
    code, _, err = _run("register", "list", "--workspace", "nowhere")
    assert code == 2 and "no workspace called 'nowhere'" in err


def test_help_lists_the_new_commands() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    text = out.getvalue()
    for name in ("register", "workspace", "db"):
        assert f"    {name} " in text, name
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main(["gaps", "--help"])
    assert "register:NAME" in out.getvalue()
