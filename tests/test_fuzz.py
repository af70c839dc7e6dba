"""Nothing crashes, whatever the bytes (issue 10, item 12): a property-based fuzz harness.

Generated files (``tests/fuzz_inputs.py``: random bytes, delimited lists, 360Giving JSON, workbooks)
go through :func:`needsmap.orgs.importer.import_file` and through ``needsmap geocode`` (in-process,
:func:`needsmap.cli.main`). Properties:

- the call ends in an ``ImportResult`` or in one :class:`~needsmap.errors.NeedsmapError` (the CLI:
  exit 0, or exit 2 with one line on standard error), never another exception;
- rows in = rows out: every data row the generator wrote is a row of the table (``source_row``
  1..n); a valid list is not refused;
- a row holding a real English postcode from the staged postcode file is not "not a valid
  postcode" / "postcode not found" / "no postcode";
- messages hold no raw control characters (:func:`needsmap.safe_text.printable` leaves them alone);
- placed rows carry a real LSOA 2021 code.

``make test`` runs a bounded, derandomised run (about 170 cases). ``make fuzz`` sets
``NEEDSMAP_FUZZ_EXAMPLES`` (at least 10,000): every case is run, crashes and violations are counted
rather than stopping the run, the smallest input of each is shrunk, and the figures are printed
(``tests/fuzz_inputs.py`` as a pytest plugin). The eight inputs of ``../shared/field-cases/fuzz/`` are
regression tests.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from needsmap.cli import main as cli_main
from needsmap.config import PROJECT_ROOT
from needsmap.errors import NeedsmapError
from needsmap.orgs import geocode as gc
from needsmap.orgs import reading
from needsmap.orgs.importer import import_file
from needsmap.safe_text import printable
from tests import fuzz_inputs as fz

FIELD_DIR = PROJECT_ROOT.parent / "shared" / "field-cases" / "fuzz"
#: statuses a row holding a real English postcode must never get
BAD_STATUS = {gc.ST_INVALID, gc.ST_NOT_FOUND, gc.ST_NO_INPUT, gc.ST_PLACEHOLDER}
#: cases per kind in the bounded run of ``make test`` (derandomised: the same cases every run)
BOUNDED = {"bytes": 60, "delimited": 40, "json": 40, "xlsx": 12, "cli": 15}
#: share of ``NEEDSMAP_FUZZ_EXAMPLES`` per kind, and how many shards (parallel tests) each gets
SHARE = {"bytes": 0.25, "delimited": 0.40, "json": 0.15, "xlsx": 0.10, "cli": 0.10}
SHARDS = {"bytes": 3, "delimited": 5, "json": 3, "xlsx": 2, "cli": 2}
SURVEY = fz.fuzz_total() > 0

Check = Callable[[fz.Case], tuple[str, list[str]]]


# ----------------------------------------------------------------------------- the properties
def _has_control(text: str) -> bool:
    return printable(text, limit=10**9) != text


def check_table(case: fz.Case, table: pd.DataFrame) -> list[str]:
    """Violations of the properties by an imported table (empty: none)."""
    bad: list[str] = []
    n = len(table)
    if table["source_row"].tolist() != list(range(1, n + 1)):
        bad.append("source_row is not 1..n")
    if case.min_rows is not None and case.max_rows is not None and not case.min_rows <= n <= case.max_rows:
        bad.append(f"rows in != rows out ({case.kind})")
    if getattr(reading, "READ_ISSUE_COLUMN", "_needsmap_read_issue") in table.columns:
        bad.append("the reading-issue column is left in the table")
    status = table["status"].astype(str)
    numbered = (case.min_rows is not None and case.max_rows is not None
                and case.min_rows <= n <= case.max_rows and not case.double_spaced)
    if numbered:  # rows shifted by a lost row are counted above, not once more here
        for row, _key in case.expect.items():
            if row > n or status.iloc[row - 1] not in BAD_STATUS:
                continue
            raw = table["org_postcode"].iloc[row - 1]
            wide = isinstance(raw, str) and unicodedata.normalize("NFKC", raw) != raw
            bad.append(f"staged English postcode{' (full-width)' if wide else ''} read as "
                       f"'{status.iloc[row - 1]}' ({case.kind})")
    placed = table.loc[status == gc.OK, "lsoa21_code"]
    if (~placed.isin(fz.lsoa21_codes())).any():
        bad.append("a placed row has no real LSOA 2021 code")
    return bad


def check_import(case: fz.Case) -> tuple[str, list[str]]:
    """Import ``case`` with import_file: (outcome, violations). Another exception propagates."""
    try:
        result = import_file(case.data, filename=case.filename)
    except NeedsmapError as exc:
        bad = ["control characters in an error message"] if _has_control(str(exc)) else []
        if case.must_read:
            bad.append(f"valid file refused ({case.kind}): {printable(exc, limit=90)}")
        return f"refused ({type(exc).__name__})", bad
    bad = check_table(case, result.table)
    if any(_has_control(note) for note in result.notes):
        bad.append("control characters in a note")
    return "read", bad


def check_cli(case: fz.Case) -> tuple[str, list[str]]:
    """Run ``needsmap geocode FILE --out OUT`` in-process: (outcome, violations)."""
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / (case.filename or "upload"), Path(tmp) / "placed.csv"
        src.write_bytes(case.data)
        err, std = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(std):
            code = cli_main(["geocode", str(src), "--out", str(out)])
        lines = err.getvalue().splitlines()
        bad = ["control characters on standard error"] if any(_has_control(x) for x in lines) else []
        if code == 2:
            if len(lines) != 1 or not lines[0].startswith("needsmap geocode: error: "):
                bad.append("the CLI error is not one line")
            if case.must_read:
                bad.append(f"valid file refused (cli/{case.kind}): {printable(lines[-1:], limit=90)}")
            return "cli exit 2", bad
        if code != 0:
            return f"cli exit {code}", [*bad, f"exit code {code}"]
        rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
        n = len(rows) - 1
        if case.min_rows is not None and case.max_rows is not None and not case.min_rows <= n <= case.max_rows:
            bad.append(f"rows in != rows out (cli/{case.kind}: {n} rows in the output CSV)")
        return "cli exit 0", bad


# ----------------------------------------------------------------------------- the runs
def _shrink(data: bytes, fails: Callable[[bytes], bool], budget: int = 80) -> bytes:
    """Delta debugging: drop chunks of ``data`` while ``fails`` still holds."""
    parts = 2
    while len(data) > 1 and budget > 0:
        size = max(len(data) // parts, 1)
        for start in range(0, len(data), size):
            budget -= 1
            cand = data[:start] + data[start + size:]
            if fails(cand):
                data, parts = cand, max(parts - 1, 2)
                break
            if budget <= 0:
                break
        else:
            if size == 1:
                break
            parts = min(parts * 2, len(data))
    return data


def _crash_name(check: Check, case: fz.Case) -> str | None:
    try:
        check(case)
    except Exception as exc:  # any exception other than NeedsmapError is the finding
        return type(exc).__name__
    return None


def run_fuzz(label: str, strategy, check: Check, examples: int, seed: int | None) -> None:
    """Run ``check`` on ``examples`` cases drawn from ``strategy``.

    Bounded run: the first crash or violation fails at once (hypothesis shrinks it). Survey run
    (``make fuzz``): everything is counted, the smallest input of each crash is shrunk, the
    figures saved for the terminal summary; then the test fails if anything was found.
    """
    figures = fz.Figures(label)

    def one(case: fz.Case) -> None:
        kind = case.kind if check is check_import else f"cli/{case.kind}"
        figures.cases[kind] += 1
        try:
            outcome, bad = check(case)
        except Exception as exc:
            name = type(exc).__name__
            figures.crashes[f"{name} ({kind})"] += 1
            figures.keep(f"crash {name} ({kind})", case, printable(exc, limit=200))
            if SURVEY:
                return
            raise
        figures.outcomes[f"{outcome} ({kind})"] += 1
        for v in bad:
            key = v.split(":")[0]
            figures.violations[key] += 1
            figures.keep(key, case, v)
        assert SURVEY or not bad, bad

    prop = given(strategy)(one)
    prop = settings(max_examples=examples, deadline=None, database=None, derandomize=seed is None,
                    print_blob=False, report_multiple_bugs=False,
                    # no shrinking (it ran for minutes): the bounded run shows the first failing case
                    # as drawn; make fuzz shrinks each crash's smallest input itself (_shrink)
                    phases=(Phase.explicit, Phase.generate),
                    suppress_health_check=list(HealthCheck))(prop)
    if seed is not None:
        prop = hypothesis_seed(seed)(prop)
    prop()
    if not SURVEY:
        return
    for key, case in figures.examples.items():
        if key.startswith("crash") and case.kind != "xlsx":
            want = key.split()[1]
            def same_crash(d: bytes, c: fz.Case = case, w: str = want) -> bool:
                return _crash_name(check, fz.Case(c.kind, c.filename, d)) == w

            small = _shrink(case.data, same_crash)
            figures.minimal[key] = f"{case.filename} {small!r}"[:600]
    figures.save()
    assert not figures.crashes and not figures.violations, (dict(figures.crashes), dict(figures.violations))


def _params(kind: str) -> list[tuple[int, int | None]]:
    """(examples, seed) per shard of one kind."""
    if not SURVEY:
        return [(BOUNDED[kind], None)]
    shards = SHARDS[kind]
    each = -(-round(fz.fuzz_total() * SHARE[kind]) // shards)
    return [(each, 1000 * shard + 10) for shard in range(shards)]


@pytest.mark.parametrize(("kind", "examples", "seed"), [
    (k, n, s) for k in ("bytes", "delimited", "json", "xlsx") for n, s in _params(k)])
def test_import_file_never_crashes(kind: str, examples: int, seed: int | None) -> None:
    run_fuzz(f"import_{kind}_{seed}", fz.cases(kind), check_import, examples, seed)


@pytest.mark.parametrize(("examples", "seed"), _params("cli"))
def test_geocode_cli_never_crashes(examples: int, seed: int | None) -> None:
    from hypothesis import strategies as st

    strategy = st.one_of(fz.cases("delimited"), fz.cases("json"), fz.cases("bytes"), fz.cases("xlsx"))
    run_fuzz(f"cli_{seed}", strategy, check_cli, examples, seed)


# ----------------------------------------------------------------------------- the field cases
#: (delimiter, lines above the header) of the delimited field cases, as read off the raw files
FIELD_DELIMITED = {"header_misread.txt": ("|", 1), "huge_field.tsv": ("\t", 1), "wrong_status.csv": ("|", 0)}
FIELD_FILES = ("bytes_unicodedecodeerror.tsv", "header_misread.txt", "huge_field.tsv", "json_attributeerror.json",
               "json_deeply_nested.json", "json_keyerror.json", "json_typeerror.json", "wrong_status.csv")


def _decode(data: bytes) -> str:
    """The field cases are UTF-8 or, where that fails, a single-byte encoding (rows are the same)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def field_case(name: str) -> fz.Case:
    """A field case with what it holds, parsed from the raw file by the csv/json modules."""
    data = (FIELD_DIR / name).read_bytes()
    kind = "bytes" if name.startswith("bytes") else "json" if name.endswith(".json") else "delimited"
    case = fz.Case(kind, name, data, about="field case")
    if name in FIELD_DELIMITED:
        delim, above = FIELD_DELIMITED[name]
        old = csv.field_size_limit()
        csv.field_size_limit(1 << 30)  # our own parse only: restored before the product reads
        try:
            rows = list(csv.reader(io.StringIO(_decode(data), newline=""), delimiter=delim))
        finally:
            csv.field_size_limit(old)
        header, records = rows[above], rows[above + 1:]
        case.min_rows, case.max_rows = fz._rows_range([r or [""] for r in records])
        case.must_read = True
        pc = next(i for i, h in enumerate(header) if fz.postcode_key(h) in ("POSTCODE", "POSTALCODE"))
        keys = {i + 1: fz.postcode_key(r[pc]) for i, r in enumerate(records) if len(r) > pc}
        english = fz.english_in_staged_file({k for k in keys.values() if k})
        case.expect = {row: k for row, k in keys.items() if k in english}
    elif kind == "json" and name != "json_deeply_nested.json":
        grants = json.loads(data)["grants"]
        case.min_rows, case.max_rows = sum(isinstance(g, dict) for g in grants), len(grants)
    return case


def test_field_cases_hold_what_the_readme_says() -> None:
    """The parse above is right: the rows and postcodes the fuzz README describes are there."""
    misread = field_case("header_misread.txt")
    assert (misread.min_rows, misread.max_rows) == (6, 6)
    assert set(misread.expect.values()) == {"CV325LW", "BD220EP"}
    wrong = field_case("wrong_status.csv")
    assert wrong.expect[1] == "SP47XT"
    # double-spaced: 20 records (as the csv module reads them), each followed by a blank line
    assert wrong.min_rows == 20 and wrong.max_rows is not None and wrong.max_rows > 20
    huge = field_case("huge_field.tsv")
    assert len(huge.data) > fz.CSV_FIELD_LIMIT


@pytest.mark.parametrize("via", ["import_file", "geocode"])
@pytest.mark.parametrize("name", FIELD_FILES)
def test_field_case(name: str, via: str) -> None:
    """Each input of ../shared/field-cases/fuzz/ ends in placed rows or one clear NeedsmapError,
    with no row lost."""
    case = field_case(name)
    outcome, bad = (check_import if via == "import_file" else check_cli)(case)
    assert not bad, (outcome, bad)
    if case.must_read:
        assert outcome in ("read", "cli exit 0"), outcome
