"""The Data sources page's "Used for" comes from where datasets are read (needsmap.uses)."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

from needsmap.data.catalog import DATASETS
from needsmap.data.crosswalk import CROSSWALK_DATASETS
from needsmap.data.lsoa_points import PWC_DATASET, reference_point_datasets
from needsmap.orgs.importer import AREA_NAME_DATASETS
from needsmap.orgs.layers import DEFAULT_LAYERS
from needsmap.orgs.postcode_table import SOURCES
from needsmap.types import LSOA_VINTAGES
from needsmap.uses import DECLARING, dataset_uses

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "needsmap"
IDS = {d.id for d in DATASETS}
#: catalog datasets that a source converts into the data folder but no code reads yet (see the
#: report of issue #12); a test below fails when one of them starts being read without a use
NOT_READ: set[str] = set()
_READ = re.compile(r"""(read_table|read_geometry|get_dataset)\(\s*["']([a-z0-9_]+)["']""")


@pytest.fixture(scope="module")
def uses() -> dict[str, list[str]]:
    return dataset_uses()


def _read_in_code() -> set[str]:
    """Dataset ids read by name anywhere in needsmap outside the source converters."""
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        if "sources" in path.relative_to(SRC).parts:
            continue
        found |= {m.group(2) for m in _READ.finditer(path.read_text(encoding="utf-8"))}
    return found & IDS


def test_every_catalog_dataset_has_a_use(uses: dict[str, list[str]]) -> None:
    without = {d.id for d in DATASETS if not uses.get(d.id)}
    assert without == NOT_READ
    assert not NOT_READ & _read_in_code()  # read now: declare its use where it is read


def test_every_dataset_read_by_name_has_a_use(uses: dict[str, list[str]]) -> None:
    read = _read_in_code()
    assert len(read) >= 15  # the direct reads; tuples of ids are checked below
    assert sorted(i for i in read if not uses.get(i)) == []


def test_declared_dataset_lists_all_have_uses(uses: dict[str, list[str]]) -> None:
    declared = {*SOURCES, *CROSSWALK_DATASETS, *AREA_NAME_DATASETS,
                *(layer.dataset_id for layer in DEFAULT_LAYERS.values()),
                *(i for v in LSOA_VINTAGES for i in reference_point_datasets(v))}
    assert declared <= IDS
    assert sorted(i for i in declared if not uses.get(i)) == []
    assert any("reference point" in u for u in uses[PWC_DATASET])


def test_every_module_declaring_uses_is_collected() -> None:
    declaring = {".".join(("needsmap", *p.relative_to(SRC).with_suffix("").parts))
                 for p in SRC.rglob("*.py")
                 if re.search(r"^DATASET_USES\b", p.read_text(encoding="utf-8"), re.MULTILINE)}
    assert declaring == set(DECLARING)


def test_uses_are_declared_only_for_catalog_datasets(uses: dict[str, list[str]]) -> None:
    assert set(uses) <= IDS


def test_pages_keep_no_map_of_dataset_uses() -> None:
    found = []
    for path in sorted((ROOT / "app_pages").glob("*.py")):
        toks = [t for t in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
                if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT)]
        for tok, nxt in zip(toks, toks[1:], strict=False):
            if tok.type == tokenize.STRING and tok.string.strip("'\"") in IDS and nxt.string == ":":
                found.append(f"{path.name}:{tok.start[0]}: {tok.string}")
    assert found == []
