"""Each core concept is defined once: no second EPSG code, GSS pattern, crosswalk or vintage rule.

The source is read token by token, so docstrings and comments that mention a code are allowed;
a number, a string or a lookup read in code is not.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "needsmap"


def _tokens(path: Path) -> list[tokenize.TokenInfo]:
    return list(tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline))


def _sources(*homes: str) -> list[Path]:
    skip = {SRC / h for h in homes}
    return [p for p in sorted(SRC.rglob("*.py")) if p not in skip]


def _where(path: Path, tok: tokenize.TokenInfo) -> str:
    return f"{path.relative_to(SRC.parents[1])}:{tok.start[0]}: {tok.string}"


def test_epsg_codes_only_in_crs() -> None:
    found = []
    for path in _sources("crs.py"):
        for tok in _tokens(path):
            if tok.type == tokenize.NUMBER and tok.string in ("27700", "4326"):
                found.append(_where(path, tok))
            if tok.type == tokenize.STRING and tok.string.strip("'\"") in ("EPSG:27700", "EPSG:4326"):
                found.append(_where(path, tok))
    assert found == []


_GSS = re.compile(r"^[rRbB]?['\"](\^?\[?E[W]?\]?0\d\\d\{6\}\$?|E92000001)['\"]$")


def test_gss_patterns_only_in_gss() -> None:
    found = [_where(path, tok) for path in _sources("gss.py")
             for tok in _tokens(path) if tok.type == tokenize.STRING and _GSS.match(tok.string)]
    assert found == []


@pytest.mark.parametrize("text", ['r"E01\\d{6}"', 'r"^[EW]01\\d{6}$"', '"E92000001"'])
def test_the_gss_check_catches_a_copy(text: str) -> None:
    assert _GSS.match(text)


def test_the_crosswalk_lookup_is_read_only_by_the_crosswalk() -> None:
    read = re.compile(r"read_table\(\s*['\"]lsoa11_lsoa21_lookup['\"]")
    found = [f"{p.relative_to(SRC)}" for p in _sources("data/crosswalk.py")
             if read.search(p.read_text(encoding="utf-8"))]
    assert found == []


APP = SRC.parents[1] / "app_pages"
#: an edition's vintage spelled by hand: ``"lsoa11" if edition == ...``, ``'LSOA 2011' if sel.edition
#: == ...``, or a vintage -> label map ``{"lsoa11": "LSOA 2011"``
_VINTAGE_RULE = re.compile(
    r"['\"](lsoa1[12](_code|_boundaries)?|LSOA 20[12]1)['\"]\s+if\s+[\w.]*ed(ition)?\s*=="
    r"|['\"]lsoa1[12]['\"]\s*:\s*['\"]LSOA 20[12]1['\"]"
    # an edition test whose branch (this line or the next two) then reads one vintage's codes
    r"|\bed(ition)?\s*[!=]=\s*['\"]20\d\d['\"][^\n]*(\n[^\n]*){0,2}?lsoa_?(11|21)"
    r"|\bwhich\s*=\s*0\s+if\s+[\w.]*ed(ition)?\s*==")


def _code_and_pages(*homes: str) -> list[Path]:
    return _sources(*homes) + sorted(APP.glob("*.py"))


def test_edition_to_vintage_only_in_types() -> None:
    found = [f"{p.relative_to(SRC.parents[1])}" for p in _code_and_pages("types.py")
             if _VINTAGE_RULE.search(p.read_text(encoding="utf-8"))]
    assert found == []


@pytest.mark.parametrize("text", ['"lsoa11" if edition == "2019"', "'LSOA 2011' if sel.edition == '2019'",
                                  '_LABEL = {"lsoa11": "LSOA 2011", "lsoa21": "LSOA 2021"}',
                                  'if edition == "2019":\n        return cached("ages_lsoa11", _ages11)',
                                  'if ed == "2025":\n        x = 1\n        ids += ["lsoa11_lsoa21_lookup"]',
                                  'which = 0 if edition == "2019" else 1'])
def test_the_vintage_check_catches_a_copy(text: str) -> None:
    assert _VINTAGE_RULE.search(text)


def test_england_lsoa_counts_only_in_types() -> None:
    found = [_where(path, tok) for path in _code_and_pages("types.py") for tok in _tokens(path)
             if tok.type == tokenize.NUMBER and tok.string.replace("_", "") in ("32844", "33755")]
    assert found == []


_PREFIX = re.compile(r"^[rRbB]?['\"](E0\d|E1[0-2]|[EWSN]92|[EWSN]\d\d|K0[2-4])['\"]$")


def test_gss_prefixes_only_in_gss() -> None:
    found = [_where(path, tok) for path in _sources("gss.py")
             for tok in _tokens(path) if tok.type == tokenize.STRING and _PREFIX.match(tok.string)]
    assert found == []


def test_placement_levels_cover_the_gss_prefixes() -> None:
    from needsmap import gss
    from needsmap.orgs import levels

    assert levels.level_of_code("E08000025") == levels.LEVEL_LA
    assert levels.level_of_code("S13002516") == levels.LEVEL_WARD
    assert levels.level_of_code(gss.ENGLAND_CODE) == levels.LEVEL_COUNTRY
    assert set(gss.LTLA_PREFIXES) <= {p for p, lv in levels.GSS_LEVELS.items() if lv == levels.LEVEL_LA}


#: a map keyed by the ONS change codes, ``{"U": ...`` or ``"X": ...}``: their meanings are defined once
_CHANGE_MAP = re.compile(r"['\"]U['\"]\s*:\s*['\"]|['\"][SMX]['\"]\s*:\s*['\"](split|merged|redrawn|irreg)")


def test_change_code_meanings_only_in_the_crosswalk() -> None:
    found = [f"{p.relative_to(SRC.parents[1])}" for p in _code_and_pages("data/crosswalk.py")
             if _CHANGE_MAP.search(p.read_text(encoding="utf-8"))]
    assert found == []


@pytest.mark.parametrize("text", ['_CHANGE_WORDS = {"U": "unchanged", "S": "split"}',
                                  '    "X": "redrawn (irregular)",'])
def test_the_change_code_check_catches_a_copy(text: str) -> None:
    assert _CHANGE_MAP.search(text)


#: a second list of the IMD domain ids (``"income", "employment", "education", ...`` or a map of them
#: with one-line values); per-id wording built on data.imd_domains is allowed
_V = r"\s*(:\s*['\"][^'\"]*['\"]\s*)?,\s*"
_DOMAIN_LIST = re.compile(rf"['\"]income['\"]{_V}['\"]employment['\"]{_V}['\"]education['\"]")


def test_imd_domain_list_only_in_imd_domains() -> None:
    found = [f"{p.relative_to(SRC.parents[1])}" for p in _code_and_pages("data/imd_domains.py")
             if _DOMAIN_LIST.search(p.read_text(encoding="utf-8"))]
    assert found == []


@pytest.mark.parametrize("text", ['("income", "employment", "education")',
                                  '{"income": "Income", "employment": "Employment", "education": "E"}'])
def test_the_domain_check_catches_a_copy(text: str) -> None:
    assert _DOMAIN_LIST.search(text)


#: the other edition spelled by hand: ``"2025" if edition == "2019" else "2019"`` (types.other_edition)
_OTHER_EDITION = re.compile(r"['\"]20\d\d['\"]\s+if\s+[\w.]*ed(ition)?\s*==\s*['\"]20\d\d['\"]\s+else\s+['\"]20\d\d['\"]")


def test_other_edition_only_in_types() -> None:
    found = [f"{p.relative_to(SRC.parents[1])}" for p in _code_and_pages("types.py")
             if _OTHER_EDITION.search(p.read_text(encoding="utf-8"))]
    assert found == []
    assert _OTHER_EDITION.search('other = "2019" if edition == "2025" else "2025"')


_COUNT_TEXT = re.compile(r"\b(32,844|33,755)\b")
_FSTRING_MIDDLE = getattr(tokenize, "FSTRING_MIDDLE", -1)
#: what precedes a string that starts a statement (a docstring); any other string is a value
_STATEMENT_START = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)


def _count_in_text(path: Path) -> list[tokenize.TokenInfo]:
    """England's LSOA counts written out in a string that is a value (not a docstring or comment)."""
    toks = [t for t in _tokens(path) if t.type not in (tokenize.NL, tokenize.COMMENT)]
    return [tok for prev, tok in zip(toks, toks[1:], strict=False)
            if ((tok.type == tokenize.STRING and prev.type not in _STATEMENT_START) or tok.type == _FSTRING_MIDDLE)
            and _COUNT_TEXT.search(tok.string)]


def test_england_lsoa_counts_are_not_written_out_in_text() -> None:
    found = [_where(p, tok) for p in _code_and_pages("types.py") for tok in _count_in_text(p)]
    assert found == []


def test_the_count_text_check_catches_a_copy(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text('"""Of 33,755 LSOAs."""\nHOW = ("rank rescaled to 33,755 LSOAs",)\n'
                      'X = ("of "\n     "32,844 LSOAs")\n', encoding="utf-8")
    assert [tok.start[0] for tok in _count_in_text(sample)] == [2, 4]
