"""The prepared-file cache is keyed by what it reads: the data folder, the data files a build
located through the catalog, and the code that builds it — never by a hand-kept list or version."""

from __future__ import annotations

import functools
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from needsmap.config import using_data_dir
from needsmap.data import _cache
from needsmap.data._cache import cached, cached_columns, code_fingerprint, recording_reads
from needsmap.data.catalog import get_dataset
from needsmap.data.loaders import read_table

LOOKUP = "ltla24_region24_lookup"


@pytest.fixture()
def folders(tmp_path: Path, real_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Two data folders holding a copy of the real LTLA→region lookup, and a private cache folder."""
    monkeypatch.setenv("NEEDSMAP_CACHE_DIR", str(tmp_path / "cache"))
    rel = get_dataset(LOOKUP).file
    out = []
    for name in ("a", "b"):
        dest = tmp_path / name / rel
        dest.parent.mkdir(parents=True)
        shutil.copy2(real_data_dir / rel, dest)
        out.append(tmp_path / name)
    return out[0], out[1]


def _regions() -> pd.DataFrame:
    """A builder: LTLAs per region, from the lookup (read through the catalog)."""
    t = read_table(LOOKUP)
    return t.groupby("region24_name")["ltla24_code"].count().to_frame("ltlas")


def _counting_regions() -> tuple[list[int], Callable[[], pd.DataFrame]]:
    """:func:`_regions` as a builder that counts its runs (the list grows by one per run)."""
    calls: list[int] = []

    def build() -> pd.DataFrame:
        calls.append(1)
        return _regions()

    return calls, build


def test_a_build_records_the_catalog_files_it_reads(folders: tuple[Path, Path]) -> None:
    a, _ = folders
    calls, build = _counting_regions()
    with using_data_dir(a):
        first = cached("regions", build)
        entry = next((_cache.cache_dir()).glob("regions-*.reads.json"))
        reads = json.loads(entry.read_text())
        assert [r[0] for r in reads] == [str(a / get_dataset(LOOKUP).file)]
        again = cached("regions", build)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(first, again)
    raw = pd.read_csv(a / get_dataset(LOOKUP).file)
    assert first["ltlas"].sum() == raw["ltla24_code"].nunique()


def test_a_changed_source_file_rebuilds(folders: tuple[Path, Path]) -> None:
    a, _ = folders
    calls, build = _counting_regions()
    path = a / get_dataset(LOOKUP).file
    with using_data_dir(a):
        before = cached("regions", build)
        raw = pd.read_csv(path)
        raw.loc[raw["region24_name"] == "London", "region24_name"] = "Greater London"
        raw.to_csv(path, index=False)  # the file changes: London is renamed
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        after = cached("regions", build)
    assert len(calls) == 2
    assert "London" in before.index and "London" not in after.index
    assert after.loc["Greater London", "ltlas"] == before.loc["London", "ltlas"]


def test_each_data_folder_has_its_own_entry(folders: tuple[Path, Path]) -> None:
    a, b = folders
    path_b = b / get_dataset(LOOKUP).file
    raw = pd.read_csv(path_b)
    raw.loc[raw["region24_name"] == "London", "region24_name"] = "Greater London"
    raw.to_csv(path_b, index=False)
    with using_data_dir(a):
        in_a = cached("regions", _regions)
    with using_data_dir(b):
        in_b = cached("regions", _regions)
    with using_data_dir(a):
        in_a_again = cached("regions", _regions)
    assert "London" in in_a.index and "Greater London" in in_b.index
    pd.testing.assert_frame_equal(in_a, in_a_again)
    assert len(list(_cache.cache_dir().glob("regions-*.parquet"))) == 2


def test_a_build_using_another_entry_depends_on_its_files(folders: tuple[Path, Path]) -> None:
    a, _ = folders
    with using_data_dir(a):
        cached("regions", _regions)  # built and stored

        def outer() -> pd.DataFrame:
            return cached("regions", _regions).head(3)  # served from the cache

        with recording_reads() as reads:
            cached("first_regions", outer)
    assert list(reads) == [str(a / get_dataset(LOOKUP).file)]
    entry = next(_cache.cache_dir().glob("first_regions-*.reads.json"))
    assert [r[0] for r in json.loads(entry.read_text())] == list(reads)


def test_asking_for_a_column_the_frame_lacks_keeps_the_entry(folders: tuple[Path, Path]) -> None:
    a, _ = folders
    calls, build = _counting_regions()
    with using_data_dir(a):
        assert cached_columns("regions", build) == ["ltlas"]
        got = cached("regions", build, columns=["ltlas", "no_such_column"])
        assert list(got.columns) == ["ltlas"]
        cached("regions", build)
    assert len(calls) == 1


def test_the_code_fingerprint_follows_imports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "needsmap"
    shutil.copytree(Path(_cache.__file__).resolve().parent.parent, root,
                    ignore=shutil.ignore_patterns("__pycache__", "node_modules", "frontend"))
    monkeypatch.setattr(_cache, "_PACKAGE_ROOT", root)

    def fingerprint() -> str:
        code_fingerprint.cache_clear()
        return code_fingerprint("needsmap.data.loaders")

    base = fingerprint()
    # a module loaders imports (needsmap.data.catalog, at module level) changes: a new key
    catalog = root / "data" / "catalog.py"
    catalog.write_text(catalog.read_text() + "\n# changed\n")
    changed = fingerprint()
    assert changed != base
    # a module it does not import (a map drawing module) changes: the same key
    maps = root / "viz" / "maps.py"
    maps.write_text(maps.read_text() + "\n# changed\n")
    assert fingerprint() == changed
    code_fingerprint.cache_clear()


def test_a_providers_bound_build_is_keyed_by_its_own_module() -> None:
    """The LSOA table's parts are built by ``functools.partial(provider.build, edition)``: the key
    must follow the measure module's code (a change to ``measures/jobs.py`` rebuilds its part), not
    the cache module's."""
    from needsmap.measures import jobs

    bound = functools.partial(jobs.furlough_columns, "2025")
    assert _cache._builder_module(bound) == "needsmap.measures.jobs"
    assert _cache._builder_module(functools.partial(bound)) == "needsmap.measures.jobs"
    assert _cache._builder_module(lambda: None) == "needsmap.data._cache"  # a test's own builder


def test_imports_inside_functions_and_parentheses_count() -> None:
    text = ("import numpy\n"
            "from needsmap.data import (\n    catalog,\n    loaders as ld,\n)\n"
            "def f():\n    from needsmap.orgs.geocode import place  # noqa\n"
            "    import needsmap.crs\n")
    found = _cache._imports_of("needsmap.report.x", text)
    assert {"needsmap.data.catalog", "needsmap.data.loaders", "needsmap.orgs.geocode",
            "needsmap.crs", "needsmap.data", "needsmap.orgs", "needsmap"} <= found
    assert "needsmap.orgs.geocode.place" not in found


def test_a_default_layer_depends_on_every_file_placing_read() -> None:
    """The placed default layer is keyed by the layer's list *and* the lookups placing it read
    (the postcode centroids, the boundaries, the 2011↔2021 lookup), not by a hand-kept list."""
    from needsmap.orgs.layers import DEFAULT_LAYERS, load_default_layer

    layer = DEFAULT_LAYERS["libraries"]
    load_default_layer(layer.id)
    entries = list(_cache.cache_dir().glob(f"orglayer_{layer.id}-{_cache._folder_tag()}-*.reads.json"))
    assert len(entries) == 1
    read = {r[0] for r in json.loads(entries[0].read_text())}
    want = {str(get_dataset(i).path) for i in (layer.dataset_id, "nspl_centroids", "lsoa11_boundaries",
                                               "lsoa21_boundaries", "lsoa11_lsoa21_lookup")}
    assert want <= read, want - read


def test_the_data_version_follows_the_folder_and_its_files(folders: tuple[Path, Path]) -> None:
    from needsmap.data.catalog import data_version

    a, b = folders
    with using_data_dir(a):
        va = data_version()
        assert data_version() == va
    with using_data_dir(b):
        assert data_version() != va  # same files, another folder
    path = a / get_dataset(LOOKUP).file
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # fetched again
    with using_data_dir(a):
        assert data_version() != va


def test_every_dashboard_cache_is_keyed_by_the_data_version() -> None:
    """Each ``st.cache_data`` function of the pages and the UI glue takes the data folder's version
    (:func:`needsmap.data.catalog.data_version`), so no session is served another folder's data."""
    import ast

    root = Path(_cache.__file__).resolve().parents[3]
    files = [*sorted((root / "app_pages").glob("*.py")), *sorted((root / "src/needsmap/ui").glob("*.py"))]
    cached_functions = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                    "cache_data" in ast.unparse(d) or "cache_resource" in ast.unparse(d)
                    for d in node.decorator_list):
                cached_functions.append((path.name, node.name, [a.arg for a in node.args.args]))
    assert len(cached_functions) >= 15
    unkeyed = [(f, n) for f, n, args in cached_functions if "version" not in args]
    assert unkeyed == []


def test_writers_building_one_entry_at_once_both_succeed(folders: tuple[Path, Path]) -> None:
    """Two writers (here threads; in CI, test workers sharing one cache folder) that build the same
    entry at the same moment each store it whole, and neither deletes the other's unfinished file."""
    import contextvars
    import threading

    a, _ = folders
    both_built = threading.Barrier(2, timeout=30)

    def build() -> pd.DataFrame:
        frame = _regions()
        both_built.wait()  # both writers are now past building, about to store
        return frame

    results: list[pd.DataFrame] = []
    errors: list[BaseException] = []

    def write() -> None:
        try:
            results.append(cached("regions", build))
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    with using_data_dir(a):
        threads = [threading.Thread(target=contextvars.copy_context().run, args=(write,))
                   for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(results) == 2
        pd.testing.assert_frame_equal(results[0], results[1])
        left = sorted(p.name for p in _cache.cache_dir().iterdir())
        assert not [n for n in left if n.endswith(".tmp")], left
        assert len([n for n in left if n.endswith(".parquet")]) == 1
        calls, counting = _counting_regions()
        cached("regions", counting)  # the entry is whole and valid: no third build
        assert calls == []
