"""Merging a new version of the Trafford charities spreadsheet into its register (preview, apply,
conflicts), on SQLite and PostgreSQL.

The new version is the raw CSV edited with the csv module: 2 rows dropped, 3 postcodes changed to
other rows' postcodes, 1 name changed (same charity number), 1 charity number blanked (matched on
name and postcode instead) and 12 organisations added. Every expected count follows from those edits.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from needsmap.data.catalog import get_dataset
from needsmap.errors import ConflictError
from needsmap.orgs import ImportResult, import_file, load_default_layer
from needsmap.store import registers
from needsmap.store.workspaces import WorkspaceInfo, ensure_local
from tests.conftest import ARTIFACTS

NAME = "Trafford charities"
ALICE, BOB = "alice@example.org", "bob@example.org"
CHARITY, COMPANY = "registered_charity_number", "charity_company_registration_number"
CHARITY_NAME, POSTCODE = "charity_name", "charity_contact_postcode"
NEW_FILE = "charity_register_trafford_2024.csv"
N_NEW = 12


@dataclass(frozen=True)
class Edited:
    """The edited copy of the raw file and what was done to it (rows as the csv module read them)."""

    path: Path
    raw: list[dict[str, str]]
    dropped: list[dict[str, str]]
    moved: list[tuple[dict[str, str], dict[str, str]]]  # (row, the row whose postcode it takes)
    renamed: tuple[dict[str, str], str]
    blanked: dict[str, str]
    added: list[dict[str, str]]

    @property
    def changed(self) -> int:
        return len(self.moved) + 1 + 1  # moved postcodes, the rename, the blanked charity number

    @property
    def unchanged(self) -> int:
        return len(self.raw) - len(self.dropped) - self.changed


@pytest.fixture(scope="module")
def trafford() -> ImportResult:
    return load_default_layer("charities_trafford")


@pytest.fixture(scope="module")
def edited(trafford: ImportResult, tmp_path_factory: pytest.TempPathFactory) -> Edited:
    """The raw CSV with the edits this module tests, written to a temporary folder."""
    path = get_dataset("orgs_charities_trafford").path
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        header = list(reader.fieldnames or [])
        raw = list(reader)
    placed = set(trafford.placed[CHARITY])
    pairs = Counter((r[CHARITY_NAME].strip(), r[POSTCODE].strip()) for r in raw)
    # rows placed by their postcode, the only one with their name and postcode, no company number
    pool = [r for r in raw if r[CHARITY] in placed and pairs[(r[CHARITY_NAME].strip(), r[POSTCODE].strip())] == 1
            and r[COMPANY] == "NA"]
    dropped = pool[0:2]
    donors = [p for p in reversed(pool) if p[POSTCODE].strip() not in {q[POSTCODE].strip() for q in pool[2:5]}][:3]
    moved = list(zip(pool[2:5], donors, strict=True))
    renamed = (pool[5], pool[5][CHARITY_NAME].strip() + " (RENAMED 2024)")
    blanked = pool[6]
    templates = pool[10:10 + N_NEW]

    out: list[dict[str, str]] = []
    gone = {r[CHARITY] for r in dropped}
    move_to = {r[CHARITY]: d[POSTCODE].strip() for r, d in moved}
    for r in raw:
        if r[CHARITY] in gone:
            continue
        row = dict(r)
        if r[CHARITY] in move_to:
            row[POSTCODE] = move_to[r[CHARITY]]
        if r[CHARITY] == renamed[0][CHARITY]:
            row[CHARITY_NAME] = renamed[1]
        if r[CHARITY] == blanked[CHARITY]:
            row[CHARITY] = "NA"
        out.append(row)
    added = []
    for k, t in enumerate(templates, start=1):
        row = dict(t)
        row[CHARITY] = str(9900000 + k)
        row[CHARITY_NAME] = f"NEW COMMUNITY GROUP {k}"
        added.append(row)
    out.extend(added)
    target = tmp_path_factory.mktemp("merge") / NEW_FILE
    with target.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(out)
    return Edited(target, raw, dropped, moved, renamed, blanked, added)


@pytest.fixture(scope="module")
def incoming(edited: Edited) -> ImportResult:
    return import_file(edited.path, filename=NEW_FILE)


@pytest.fixture
def made(db_url: str, trafford: ImportResult) -> WorkspaceInfo:
    ws = ensure_local(db_url)
    registers.create_register(ws, NAME, trafford, ALICE, url=db_url)
    return ws


def _by_number(ws: WorkspaceInfo, url: str) -> pd.DataFrame:
    table = registers.register_table(ws, NAME, url)[1]
    return table.reset_index().set_index(CHARITY)


def test_the_edited_file_reads_as_planned(edited: Edited, incoming: ImportResult) -> None:
    assert len(incoming.organisations) == len(edited.raw) - len(edited.dropped) + N_NEW
    assert len({r[CHARITY] for r in (*edited.dropped, *(m for m, _ in edited.moved), edited.renamed[0],
                                     edited.blanked, *edited.added)}) == 2 + 3 + 1 + 1 + N_NEW
    for row, donor in edited.moved:
        assert row[POSTCODE].strip() != donor[POSTCODE].strip()


def test_preview_counts_each_kind_of_change(made: WorkspaceInfo, db_url: str,
                                            edited: Edited, incoming: ImportResult) -> None:
    before = registers.get_register(made, NAME, url=db_url)
    preview = registers.preview_merge(made, NAME, incoming, url=db_url)
    expected = (f"{N_NEW} new, {edited.changed} changed, {len(edited.dropped)} gone "
                f"({edited.unchanged} unchanged)")
    assert preview.summary == expected
    assert (len(preview.new), len(preview.changed), len(preview.gone)) == (N_NEW, 5, 2)
    assert preview.matched_on == {
        registers.MATCH_CHARITY: len(edited.raw) - len(edited.dropped) - 1,
        registers.MATCH_COMPANY: 0,
        registers.MATCH_NAME: 1,
    }
    assert sorted(preview.new["Charity number"]) == sorted(r[CHARITY] for r in edited.added)
    assert sorted(preview.gone["Organisation"]) == sorted(r[CHARITY_NAME].strip() for r in edited.dropped)

    changed = preview.changed.set_index("Organisation")
    for row, donor in edited.moved:
        what = changed.at[row[CHARITY_NAME].strip(), "What changed"]
        assert f"postcode: {row[POSTCODE].strip()} → {donor[POSTCODE].strip()}" in what
        assert changed.at[row[CHARITY_NAME].strip(), "Matched on"] == registers.MATCH_CHARITY
    assert changed.at[edited.renamed[1], "Matched on"] == registers.MATCH_CHARITY
    assert "name: " in changed.at[edited.renamed[1], "What changed"]
    # the blanked charity number: matched on name and postcode, and changed, because the file's
    # charity number column now differs from the register's (the file is the newer record)
    blank = changed.at[edited.blanked[CHARITY_NAME].strip(), "What changed"]
    assert changed.at[edited.blanked[CHARITY_NAME].strip(), "Matched on"] == registers.MATCH_NAME
    assert blank == f"columns: {CHARITY}"

    # a preview changes nothing
    after = registers.get_register(made, NAME, url=db_url)
    assert (after.version, after.rows, after.closed_rows) == (before.version, before.rows, 0)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "trafford_merge.txt").write_text(
        f"{NEW_FILE} into the register {NAME!r} ({before.rows} organisations): {preview.summary}\n"
        f"matched on: " + ", ".join(f"{k} {v}" for k, v in preview.matched_on.items()) + "\n",
        encoding="utf-8")


def test_apply_merge_adds_updates_and_closes(made: WorkspaceInfo, db_url: str,
                                             edited: Edited, incoming: ImportResult) -> None:
    before = _by_number(made, db_url)
    preview = registers.preview_merge(made, NAME, incoming, url=db_url)
    info = registers.apply_merge(made, preview, BOB, url=db_url)
    assert info.rows == len(edited.raw) + N_NEW
    assert info.closed_rows == len(edited.dropped)
    assert info.source_file == NEW_FILE
    assert info.updated_by == BOB

    table = registers.register_table(made, NAME, db_url)[1]
    after = table.reset_index()
    by_number = after[after[CHARITY] != "NA"].set_index(CHARITY)
    for r in edited.dropped:
        assert bool(by_number.at[r[CHARITY], "org_closed"]) is True
        assert by_number.at[r[CHARITY], "closed_by"] == BOB
    for row, donor in edited.moved:
        assert by_number.at[row[CHARITY], "org_postcode"] == donor[POSTCODE].strip()
        assert by_number.at[row[CHARITY], POSTCODE] == donor[POSTCODE].strip()
        assert by_number.at[row[CHARITY], "lsoa21_code"] == before.at[donor[CHARITY], "lsoa21_code"]
        assert by_number.at[row[CHARITY], "edited_by"] == BOB
    assert by_number.at[edited.renamed[0][CHARITY], "org_name"] == edited.renamed[1]
    assert by_number.at[edited.renamed[0][CHARITY], CHARITY_NAME] == edited.renamed[1]
    blank_id = int(before.at[edited.blanked[CHARITY], "row_id"])
    assert table.at[blank_id, CHARITY] == "NA"
    assert pd.isna(table.at[blank_id, "org_charity_number"])
    for r in edited.added:
        assert by_number.at[r[CHARITY], "added_by"] == BOB
        assert by_number.at[r[CHARITY], "org_name"] == r[CHARITY_NAME]
        assert not by_number.at[r[CHARITY], "org_closed"]
    # the untouched rows are as they were
    same = [r[CHARITY] for r in edited.raw[:50] if r[CHARITY] not in
            {x[CHARITY] for x in (*edited.dropped, *(m for m, _ in edited.moved), edited.renamed[0],
                                  edited.blanked)}]
    assert by_number.loc[same, "row_version"].tolist() == before.loc[same, "row_version"].tolist()

    hist = registers.history(made, NAME, url=db_url)
    assert hist.at[0, "What"] == "imported" and hist.at[0, "Who"] == BOB
    assert preview.summary in hist.at[0, "Details"]
    assert Counter(hist["What"]) == Counter({"added": N_NEW, "merged": 5, "closed": 2, "imported": 1,
                                             "created": 1})

    again = registers.preview_merge(made, NAME, incoming, url=db_url)
    assert again.summary == f"0 new, 0 changed, 0 gone ({len(edited.raw) - 2 + N_NEW} unchanged)"


def test_gone_rows_can_stay_open(made: WorkspaceInfo, db_url: str,
                                 edited: Edited, incoming: ImportResult) -> None:
    preview = registers.preview_merge(made, NAME, incoming, url=db_url)
    info = registers.apply_merge(made, preview, BOB, close_gone=False, url=db_url)
    assert (info.rows, info.closed_rows) == (len(edited.raw) + N_NEW, 0)
    # still gone next time: they are open and not in the file
    assert registers.preview_merge(made, NAME, incoming, url=db_url).summary.startswith("0 new, 0 changed, 2 gone")


def test_a_stale_preview_is_refused(made: WorkspaceInfo, db_url: str,
                                    edited: Edited, incoming: ImportResult) -> None:
    preview = registers.preview_merge(made, NAME, incoming, url=db_url)
    table = registers.register_table(made, NAME, db_url)[1]
    rid = int(table.index[table[CHARITY] == edited.raw[-1][CHARITY]][0])
    registers.edit_rows(made, NAME, [registers.RowEdit(rid, int(table.at[rid, "row_version"]),
                                                       {"org_category": "Community hall"})], BOB, url=db_url)
    with pytest.raises(ConflictError) as err:
        registers.apply_merge(made, preview, ALICE, url=db_url)
    assert BOB in str(err.value)
    assert any(BOB in c and f"edited row {rid}" in c and "category" in c and "Community hall" in c
               for c in err.value.changes), err.value.changes
    info = registers.get_register(made, NAME, url=db_url)
    assert (info.rows, info.closed_rows, info.updated_by) == (len(edited.raw), 0, BOB)
    # a fresh preview applies
    fresh = registers.preview_merge(made, NAME, incoming, url=db_url)
    assert registers.apply_merge(made, fresh, ALICE, url=db_url).rows == len(edited.raw) + N_NEW
