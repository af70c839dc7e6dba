"""Saved views and workspaces (needsmap.store.views, needsmap.store.workspaces): a workspace sees only
its own registers, views and history, on SQLite and PostgreSQL."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

from needsmap.errors import NotFoundError, ValidationError
from needsmap.orgs import import_frame
from needsmap.orgs.importer import ImportResult
from needsmap.store import registers, views, workspaces
from needsmap.store.workspaces import WorkspaceInfo

ALICE, BOB, EVE = "alice@example.org", "bob@example.org", "eve@example.org"
STORE = Path(registers.__file__).resolve().parent

STATE = {
    "page": "gaps", "area": "E08000009", "edition": 2025, "place": "M33 7XX",
    "measure": "imd_decile", "register": "Trafford charities", "radius_km": 1.5,
    "rules": [{"measure": "imd_decile", "op": "<=", "value": 3}, {"measure": "rural", "op": "==",
                                                                  "value": False}],
    "widgets": {"gaps_min_pop": 1200, "gaps_show": ["food", "youth"], "note": "Sale & Altrincham → ✓"},
}


@pytest.fixture(scope="module")
def small() -> ImportResult:
    """Three organisations placed by postcode (a list typed in, not a data file)."""
    frame = pd.DataFrame({"name": ["Sale Food Bank", "Partington Youth Club", "Old Trafford Hub"],
                          "postcode": ["M33 7XX", "M31 4DZ", "M16 0JZ"]})
    return import_frame(frame, filename="typed.csv")


@pytest.fixture
def two(db_url: str, small: ImportResult) -> tuple[WorkspaceInfo, WorkspaceInfo, str]:
    """Workspace A (Alice, Bob) with a register and a saved view; workspace B (Eve); the view's id."""
    a = workspaces.create_workspace("team-a", "Team A", members=[ALICE, BOB.upper()], url=db_url)
    b = workspaces.create_workspace("team-b", "Team B", members=[EVE], url=db_url)
    registers.create_register(a, "Sale list", small, ALICE, url=db_url)
    view = views.save_view(a, STATE, ALICE, name="  Sale   gaps ", url=db_url)
    return a, b, view.id


def test_a_view_round_trips_exactly(db_url: str) -> None:
    ws = workspaces.ensure_local(db_url)
    saved = views.save_view(ws, STATE, workspaces.LOCAL_USER, url=db_url)
    assert len(saved.id) == 8 and saved.id.replace("-", "").replace("_", "").isalnum()
    got = views.load_view(saved.id, [ws], url=db_url)
    assert got.state == STATE
    assert (got.id, got.workspace_id, got.created_by) == (saved.id, ws.id, workspaces.LOCAL_USER)
    assert [v.id for v in views.list_views(ws, url=db_url)] == [saved.id]
    other = views.save_view(ws, {"page": "explore"}, workspaces.LOCAL_USER, url=db_url)
    assert other.id != saved.id
    assert views.load_view(other.id, [ws], url=db_url).state == {"page": "explore"}


def test_a_view_holds_only_its_fields(db_url: str) -> None:
    ws = workspaces.ensure_local(db_url)
    with pytest.raises(ValidationError, match="cannot hold password"):
        views.save_view(ws, {"page": "gaps", "password": "x"}, ALICE, url=db_url)
    with pytest.raises(ValidationError, match="cannot be saved"):
        views.save_view(ws, {"radius_km": float("nan")}, ALICE, url=db_url)
    with pytest.raises(ValidationError, match="too big"):
        views.save_view(ws, {"widgets": {"x": "a" * views.MAX_STATE_BYTES}}, ALICE, url=db_url)
    assert views.list_views(ws, url=db_url) == []


def test_workspace_b_sees_nothing_of_workspace_a(two: tuple[WorkspaceInfo, WorkspaceInfo, str],
                                                 db_url: str) -> None:
    a, b, view_id = two
    assert [r.name for r in registers.list_registers(a, url=db_url)] == ["Sale list"]
    assert registers.list_registers(b, url=db_url) == []
    for read in (registers.get_register, registers.register_result, registers.register_table,
                 registers.history):
        with pytest.raises(NotFoundError, match="'Sale list'"):
            read(b, "Sale list", url=db_url)
    with pytest.raises(NotFoundError):
        registers.preview_merge(b, "Sale list", registers.register_result(a, "Sale list", url=db_url),
                                url=db_url)
    table = registers.register_table(a, "Sale list", db_url)[1]
    rid = int(table.index[0])
    with pytest.raises(NotFoundError):
        registers.close_rows(b, "Sale list", {rid: int(table.at[rid, "row_version"])}, EVE, url=db_url)
    with pytest.raises(NotFoundError):
        registers.delete_register(b, "Sale list", url=db_url)
    # a view of A: found from A, not from B, the same message as a view never made
    assert views.load_view(view_id, [a], url=db_url).name == "Sale gaps"
    assert views.load_view(view_id, [b, a], url=db_url).state == STATE
    with pytest.raises(NotFoundError) as found_elsewhere:
        views.load_view(view_id, [b], url=db_url)
    with pytest.raises(NotFoundError) as never_made:
        views.load_view("zzzzzzzz", [b], url=db_url)
    assert str(found_elsewhere.value).replace(view_id, "ID") == str(never_made.value).replace("zzzzzzzz", "ID")
    with pytest.raises(NotFoundError):
        views.load_view(view_id, [], url=db_url)
    assert views.list_views(b, url=db_url) == []
    # A's register and row are untouched by B's attempts
    assert registers.get_register(a, "Sale list", url=db_url).closed_rows == 0


def test_a_register_of_the_same_name_in_each_workspace(two: tuple[WorkspaceInfo, WorkspaceInfo, str],
                                                       db_url: str, small: ImportResult) -> None:
    a, b, _ = two
    registers.create_register(b, "Sale list", small, EVE, url=db_url)
    table_a = registers.register_table(a, "Sale list", db_url)[1]
    rid = int(table_a.index[0])
    registers.close_rows(a, "Sale list", {rid: int(table_a.at[rid, "row_version"])}, BOB, url=db_url)
    assert registers.get_register(a, "Sale list", url=db_url).closed_rows == 1
    assert registers.get_register(b, "Sale list", url=db_url).closed_rows == 0
    assert registers.history(b, "Sale list", url=db_url)["Who"].tolist() == [EVE]
    # a row id of A's register is not a row of B's
    with pytest.raises(NotFoundError):
        registers.edit_rows(b, "Sale list", [registers.RowEdit(rid, 1, {"org_name": "X"})], EVE, url=db_url)


def test_workspaces_for_a_user(two: tuple[WorkspaceInfo, WorkspaceInfo, str], db_url: str) -> None:
    a, b, _ = two
    c = workspaces.create_workspace("team-c", "Another team", members=[ALICE], url=db_url)
    assert workspaces.workspaces_for(ALICE, url=db_url) == sorted([a, c], key=lambda w: w.name)
    assert workspaces.workspaces_for(" Bob@Example.ORG ", url=db_url) == [a]  # added upper-case
    assert workspaces.workspaces_for(EVE, url=db_url) == [b]
    assert workspaces.members(a, url=db_url) == [ALICE, BOB]

    # someone new gets a workspace of their own, once
    mine = workspaces.workspaces_for("newcomer@example.org", url=db_url)
    assert len(mine) == 1 and mine[0] not in (a, b, c)
    assert mine[0].slug == "newcomer-at-example-org"
    assert workspaces.members(mine[0], url=db_url) == ["newcomer@example.org"]
    assert workspaces.workspaces_for("newcomer@example.org", url=db_url) == mine

    # no sign-in: the local workspace only, made once
    local = workspaces.workspaces_for(None, url=db_url)
    assert [w.slug for w in local] == [workspaces.LOCAL_SLUG]
    assert workspaces.workspaces_for(None, url=db_url) == local
    assert local[0] not in workspaces.workspaces_for(ALICE, url=db_url)

    workspaces.add_member(b, ALICE, url=db_url)
    workspaces.add_member(b, ALICE, url=db_url)
    assert b in workspaces.workspaces_for(ALICE, url=db_url)
    assert workspaces.members(b, url=db_url) == [ALICE, EVE]


def test_workspace_names_and_members_are_checked(db_url: str) -> None:
    workspaces.create_workspace("team-a", url=db_url)
    with pytest.raises(ValidationError, match="already exists"):
        workspaces.create_workspace("team-a", url=db_url)
    with pytest.raises(ValidationError, match="'team-a-b'"):
        workspaces.create_workspace("Team A/B", url=db_url)
    with pytest.raises(ValidationError, match="not an e-mail address"):
        workspaces.create_workspace("team-x", members=["alice"], url=db_url)
    with pytest.raises(ValidationError, match="not an e-mail address"):
        workspaces.workspaces_for("", url=db_url)
    with pytest.raises(NotFoundError, match="'team-z'"):
        workspaces.get_workspace("team-z", url=db_url)
    assert [w.slug for w in workspaces.all_workspaces(url=db_url)] == ["team-a"]


# ----------------------------------------------------------------------------- every query is scoped
#: each table read with ``select(Model)`` and the column the statement must filter on
SCOPE = {"Register": "Register.workspace_id", "SavedView": "SavedView.workspace_id",
         "RegisterRow": "RegisterRow.register_id", "RowEvent": "RowEvent.register_id"}


def _scoping_problems(path: Path) -> tuple[list[str], int]:
    """Statements of ``path`` that ``select`` a register, row, event or view without filtering on
    its workspace (rows and events: on their register), and how many selects were checked."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    problems, checked = [], 0
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "select"
                and node.args):
            continue
        first = node.args[0]
        model = first.id if isinstance(first, ast.Name) else (
            first.value.id if isinstance(first, ast.Attribute) and isinstance(first.value, ast.Name) else "")
        if model not in SCOPE:
            continue
        stmt: ast.AST = node
        while not isinstance(stmt, ast.stmt):
            stmt = parents[stmt]
        checked += 1
        if SCOPE[model] not in ast.unparse(stmt):
            problems.append(f"{path.name}:{stmt.lineno}: {ast.unparse(stmt)[:100]}")
    return problems, checked


def test_every_query_is_scoped_to_a_workspace() -> None:
    """Registers and views are reached only through a workspace: every ``select`` of a register or
    view filters on its workspace, every ``select`` of rows or history on their register, and every
    public function that opens a session takes a WorkspaceInfo (or the list of allowed ones)."""
    total = 0
    for module in (registers, views):
        path = Path(module.__file__ or "")
        problems, checked = _scoping_problems(path)
        assert not problems, problems
        total += checked
        source = path.read_text(encoding="utf-8")
        for fn in ast.parse(source).body:
            if not isinstance(fn, ast.FunctionDef) or fn.name not in module.__all__:
                continue
            if "db.session" not in (ast.get_source_segment(source, fn) or ""):
                continue
            kinds = {ast.unparse(a.annotation) for a in fn.args.args if a.annotation is not None}
            assert kinds & {"WorkspaceInfo", "list[WorkspaceInfo]"}, f"{path.name}: {fn.name}{kinds}"
    assert total >= 8  # the scan found the store's selects (it would pass vacuously otherwise)


def test_the_scope_check_catches_an_unscoped_select(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def everything(s):\n    return s.scalars(select(Register).order_by(Register.name))\n"
                   "def rows(s, reg):\n    return s.scalars(select(RegisterRow).where(RegisterRow.id > 0))\n"
                   "def fine(s, ws):\n    return s.scalars(select(SavedView).where(SavedView.workspace_id == ws.id))\n",
                   encoding="utf-8")
    problems, checked = _scoping_problems(bad)
    assert checked == 3
    assert [p.split(":")[1] for p in problems] == ["2", "4"]
