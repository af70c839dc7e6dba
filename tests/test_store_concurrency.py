"""Two people editing one register at once (optimistic versions): one wins, the other is told whose
change beat theirs, and nothing is lost. Threads on SQLite and PostgreSQL; processes on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from needsmap.config import PROJECT_ROOT
from needsmap.errors import ConflictError
from needsmap.orgs import import_frame
from needsmap.orgs.importer import ImportResult
from needsmap.store import registers
from needsmap.store.registers import RowEdit
from needsmap.store.workspaces import WorkspaceInfo, create_workspace

NAME = "Sale list"
ALICE, BOB = "alice@example.org", "bob@example.org"
#: each writer's name for the same row
NAMES = {ALICE: "Sale Community Food Bank", BOB: "Sale & District Food Bank"}
TIMEOUT = 60


@pytest.fixture(scope="module")
def small() -> ImportResult:
    frame = pd.DataFrame({"name": ["Sale Food Bank", "Partington Youth Club", "Old Trafford Hub"],
                          "postcode": ["M33 7XX", "M31 4DZ", "M16 0JZ"]})
    return import_frame(frame, filename="typed.csv")


def _made(url: str, small: ImportResult) -> WorkspaceInfo:
    ws = create_workspace("team-a", members=[ALICE, BOB], url=url)
    registers.create_register(ws, NAME, small, ALICE, url=url)
    return ws


def _race(ws: WorkspaceInfo, url: str, row_for: dict[str, int]) -> dict[str, Any]:
    """Alice and Bob each read the register, wait until both have, then rename their row (``row_for``)
    with the version they read. Returns each one's outcome: the RegisterInfo or the ConflictError."""
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    out: dict[str, Any] = {}

    def work(user: str) -> None:
        try:
            table = registers.register_table(ws, NAME, url)[1]
            rid = row_for[user]
            version = int(table.at[rid, "row_version"])
            barrier.wait()
            out[user] = registers.edit_rows(ws, NAME, [RowEdit(rid, version, {"org_name": NAMES[user]})],
                                            user, url=url)
        except Exception as exc:  # noqa: BLE001 - the test looks at every outcome
            out[user] = exc
            barrier.abort()

    threads = [threading.Thread(target=work, args=(u,)) for u in (ALICE, BOB)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a writer is still waiting"
    return out


def test_two_writers_one_row_exactly_one_wins(db_url: str, small: ImportResult) -> None:
    ws = _made(db_url, small)
    table = registers.register_table(ws, NAME, db_url)[1]
    rid = int(table.index[0])
    out = _race(ws, db_url, {ALICE: rid, BOB: rid})

    winners = [u for u, r in out.items() if isinstance(r, registers.RegisterInfo)]
    losers = [u for u, r in out.items() if isinstance(r, ConflictError)]
    assert len(winners) == 1 and len(losers) == 1, out
    winner, loser = winners[0], losers[0]
    err = out[loser]
    assert winner in str(err)
    assert any(winner in c and f"edited row {rid}" in c and NAMES[winner] in c for c in err.changes), err.changes
    assert not any(NAMES[loser] in c for c in err.changes)

    after = registers.register_table(ws, NAME, db_url)[1]
    assert after.at[rid, "org_name"] == NAMES[winner]
    assert after.at[rid, "edited_by"] == winner
    assert int(after.at[rid, "row_version"]) == int(table.at[rid, "row_version"]) + 1
    hist = registers.history(ws, NAME, url=db_url)
    assert hist["What"].tolist() == ["edited", "created"]
    assert hist.at[0, "Who"] == winner

    # the loser reloads and applies theirs: now it saves, on top of the winner's
    registers.edit_rows(ws, NAME, [RowEdit(rid, int(after.at[rid, "row_version"]),
                                           {"org_name": NAMES[loser]})], loser, url=db_url)
    final = registers.history(ws, NAME, url=db_url)
    assert final["Who"].tolist()[:2] == [loser, winner]
    assert f"name: {NAMES[winner]} → {NAMES[loser]}" in final.at[0, "Details"]


def test_two_writers_different_rows_both_save(db_url: str, small: ImportResult) -> None:
    ws = _made(db_url, small)
    table = registers.register_table(ws, NAME, db_url)[1]
    first, second = (int(i) for i in table.index[:2])
    out = _race(ws, db_url, {ALICE: first, BOB: second})
    assert all(isinstance(r, registers.RegisterInfo) for r in out.values()), out
    after = registers.register_table(ws, NAME, db_url)[1]
    assert after.at[first, "org_name"] == NAMES[ALICE]
    assert after.at[second, "org_name"] == NAMES[BOB]
    assert sorted(registers.history(ws, NAME, url=db_url)["Who"].tolist()[:2]) == [ALICE, BOB]


def test_many_writers_no_lost_update(db_url: str, small: ImportResult) -> None:
    """Eight writers each retry their edit (reload, apply) until it saves: every one lands once."""
    ws = _made(db_url, small)
    rid = int(registers.register_table(ws, NAME, db_url)[1].index[0])
    users = [f"user{k}@example.org" for k in range(8)]
    barrier = threading.Barrier(len(users), timeout=TIMEOUT)
    conflicts: list[str] = []
    errors: list[BaseException] = []

    def work(user: str) -> None:
        try:
            barrier.wait()
            for _ in range(50):
                table = registers.register_table(ws, NAME, db_url)[1]
                try:
                    registers.edit_rows(ws, NAME, [RowEdit(rid, int(table.at[rid, "row_version"]),
                                                           {"org_category": f"set by {user}"})],
                                        user, url=db_url)
                    return
                except ConflictError:
                    conflicts.append(user)
            raise AssertionError(f"{user} never saved")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 2)
    assert not errors, errors
    hist = registers.history(ws, NAME, row_id=rid, url=db_url)
    assert sorted(hist["Who"]) == sorted(users)
    assert len(hist) == len(users)
    row = registers.register_table(ws, NAME, db_url)[1].loc[rid]
    assert int(row["row_version"]) == 1 + len(users)
    assert row["org_category"] == f"set by {hist.at[0, 'Who']}"
    # each edit's "before" is the previous edit's "after": none was overwritten unseen
    befores = [d.split(" → ")[0].removeprefix("category: ") for d in hist["Details"]]
    afters = [d.split(" → ")[1] for d in hist["Details"]]
    assert befores[:-1] == afters[1:]


# ----------------------------------------------------------------------------- two processes
WRITER = """
import json, sys
from needsmap.errors import ConflictError
from needsmap.store import registers
from needsmap.store.registers import RowEdit
from needsmap.store.workspaces import get_workspace

user, rid, new_name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ws = get_workspace("team-a")
table = registers.register_table(ws, "Sale list")[1]
version = int(table.at[rid, "row_version"])
sys.stdout.write("ready\\n")
sys.stdout.flush()
sys.stdin.readline()  # go
try:
    info = registers.edit_rows(ws, "Sale list", [RowEdit(rid, version, {"org_name": new_name})], user)
    sys.stdout.write(json.dumps({"saved": info.version}) + "\\n")
except ConflictError as exc:
    sys.stdout.write(json.dumps({"conflict": str(exc), "changes": exc.changes}) + "\\n")
"""


def _writer(user: str, rid: int, url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "NEEDSMAP_DATABASE_URL": url,
           "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-c", WRITER, user, str(rid), NAMES[user]],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=Path(PROJECT_ROOT))


def test_two_processes_one_row_on_postgresql(postgres_url: str, small: ImportResult) -> None:
    """Two separate needsmap processes (as two dashboard servers would be) on one PostgreSQL."""
    ws = _made(postgres_url, small)
    rid = int(registers.register_table(ws, NAME, postgres_url)[1].index[0])
    procs = {u: _writer(u, rid, postgres_url) for u in (ALICE, BOB)}
    try:
        for u, p in procs.items():
            assert p.stdout is not None
            line = p.stdout.readline()
            if line != "ready\n":
                _, err = p.communicate(timeout=TIMEOUT)
                pytest.fail(f"{u}'s process did not start: {line!r} {err[-2000:]}")
        outs = {}
        for p in procs.values():  # both have read: let both write
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        for u, p in procs.items():
            out, err = p.communicate(timeout=TIMEOUT)
            assert p.returncode == 0, err[-2000:]
            outs[u] = json.loads(out.strip().splitlines()[-1])
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()
    winners = [u for u, o in outs.items() if "saved" in o]
    losers = [u for u, o in outs.items() if "conflict" in o]
    assert len(winners) == 1 and len(losers) == 1, outs
    winner = winners[0]
    assert winner in outs[losers[0]]["conflict"]
    assert any(winner in c and NAMES[winner] in c for c in outs[losers[0]]["changes"])
    after = registers.register_table(ws, NAME, postgres_url)[1]
    assert after.at[rid, "org_name"] == NAMES[winner]
    assert registers.history(ws, NAME, url=postgres_url)["Who"].tolist() == [winner, ALICE]
