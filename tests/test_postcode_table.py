"""The prepared postcode table: the same placements as the per-point rules, rebuilt when a source
changes, and the NSPL's own clear message when it is missing or unreadable.

The expected placements are computed in the test by :func:`needsmap.orgs.geocode.place_postcodes_by_points`
(each centroid put in the LSOA polygons there and then) from the raw files; the table path is forced
(the per-point function is made to fail while the table answers). The pre-change code gave the same
result for every one of the 2,651,941 NSPL postcodes (checked once with the code of the issue's
start commit; ``bench/geocode.py --before`` repeats it for a sample).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from needsmap.config import DEMO_DIR, cache_dir, is_demo
from needsmap.data import read_table
from needsmap.data.catalog import get_dataset
from needsmap.errors import DataMissingError, ValidationError
from needsmap.orgs import geocode as gc
from needsmap.orgs import postcode_table as pt

#: postcode areas on England's borders with Wales and Scotland (and wholly Welsh/Scottish ones)
BORDER_AREAS = ["CH", "SY", "HR", "GL", "TD", "CA", "NE", "LD", "LL", "NP", "DG", "CF"]
#: typed inputs that are not NSPL postcodes: blanks, placeholders, invalid shapes, unknown ones,
#: the crown dependencies and Northern Ireland, a key sorting before and after every real one
ODD_INPUTS = ["", None, np.nan, "   ", "[Unknown]", "(none)", "n/a - mobile", "TBC", "B31", "SE1",
              "12345", "ZZ9 9ZZ", "BT1 1AA", "bt99 9zz", "IM1 1AA", "JE2 3AB", "GY1 1AA", "AA1 1AA",
              "ZZ99 9ZZ", "GIR 0AA", "NPT 0AD", "0", "NA", "b31 2lb.", "Ｂ３１ ２ＬＢ", "bß1 2lb",
              "B31\u00a02LB", "b31-2lb", "SE16 2JA\n", "'CV1 1AA"]


def _kind(value: object) -> object:
    """A value with its kind of missing made visible (None, NaN and pd.NA differ)."""
    if value is None:
        return "<None>"
    if value is pd.NA:
        return "<NA>"
    if isinstance(value, float) and np.isnan(value):
        return "<NaN>"
    return value


def assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Frames equal value for value, dtype for dtype, index for index, kind of missing included."""
    assert list(got.columns) == list(want.columns)
    assert got.index.equals(want.index)
    assert got.dtypes.to_dict() == want.dtypes.to_dict()
    for col in got.columns:
        a = [_kind(v) for v in got[col].astype(object)]
        b = [_kind(v) for v in want[col].astype(object)]
        bad = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        assert not bad, f"{col} differs in {len(bad):,} rows, e.g. {[(a[i], b[i]) for i in bad[:3]]}"


def messy(postcodes: pd.Series, seed: int) -> pd.Series:
    """Postcodes typed as people type them: case, spacing, punctuation, full-width digits."""
    rng = np.random.default_rng(seed)
    out = postcodes.astype(object).copy()
    pick = rng.random(len(out))
    low, nospace, punct = pick < 0.2, (pick >= 0.2) & (pick < 0.35), (pick >= 0.35) & (pick < 0.42)
    out[low] = out[low].str.lower()
    out[nospace] = out[nospace].str.replace(" ", "", regex=False)
    out[punct] = " " + out[punct] + ". "
    wide = np.flatnonzero((pick >= 0.42) & (pick < 0.425))
    out.iloc[wide] = [str(v).translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}) for v in out.iloc[wide]]
    return out


def with_odd_rows(typed: pd.Series, seed: int) -> pd.Series:
    """``typed`` plus the odd inputs and some repeats, under a shuffled index with repeated labels."""
    rng = np.random.default_rng(seed)
    values = pd.concat([typed, pd.Series(ODD_INPUTS, dtype=object), typed.head(500)],
                       ignore_index=True)
    labels = rng.permutation(len(values)) + 10
    labels[:3] = labels[3]  # a label repeated
    return pd.Series(values.to_numpy(dtype=object), index=labels, dtype=object)


class _PerPointCalled(AssertionError):
    pass


def by_table(monkeypatch: pytest.MonkeyPatch, typed: pd.Series, **kw: object) -> pd.DataFrame:
    """:func:`pt.place_postcodes` with the per-point path made to fail: the answer is the table's."""
    def refuse(*_a: object, **_k: object) -> pd.DataFrame:
        raise _PerPointCalled("the per-point path ran: the table was not used")

    with monkeypatch.context() as m:
        m.setattr(gc, "place_postcodes_by_points", refuse)
        return pt.place_postcodes(typed, **kw)


# ----------------------------------------------------------------------------- full data
@pytest.fixture(scope="module")
def full_table() -> pt.PostcodeTable:
    """The table of the full data folder (built into the cache folder if absent: about a minute)."""
    if is_demo():
        pytest.skip("needs the full NSPL")
    pt.prepare_postcode_table()
    assert pt.table_ready()
    return pt.postcode_table()


@pytest.fixture(scope="module")
def sample() -> pd.Series:
    """About 50,000 NSPL postcodes: border areas, postcodes without coordinates, the rest at random."""
    cen = read_table("nspl_centroids")
    area = cen["postcode"].str.extract(r"^([A-Z]+)", expand=False)
    rng = np.random.default_rng(7)
    border = cen[area.isin(BORDER_AREAS)].sample(15_000, random_state=1)
    nocoords = cen[cen["lat"].isna()]
    nocoords = nocoords.sample(min(3_000, len(nocoords)), random_state=2)
    rest = cen.drop(border.index.union(nocoords.index)).sample(32_000, random_state=3)
    picked = pd.concat([border, nocoords, rest])["postcode"]
    return picked.iloc[rng.permutation(len(picked))].reset_index(drop=True)


def test_the_table_holds_every_valid_nspl_postcode(full_table: pt.PostcodeTable) -> None:
    keys = read_table("nspl_centroids")["postcode"].str.replace(" ", "", regex=False)
    valid = keys[keys.str.fullmatch(gc.POSTCODE_PATTERN.pattern).fillna(False)]
    assert len(full_table) == valid.nunique() > 2_500_000


def test_the_key_names_every_file_the_build_read(full_table: pt.PostcodeTable) -> None:
    """SOURCES (which names the table's folder) covers every data file placing read, as recorded
    while the table was built: a changed lookup or population file cannot leave it stale."""
    meta = json.loads((full_table.folder / "meta.json").read_text(encoding="utf-8"))
    read = {Path(r[0]) for r in meta["reads"]}
    assert {get_dataset(i).path for i in ("nspl_centroids", "lsoa21_boundaries",
                                          "lsoa11_lsoa21_lookup")} <= read
    assert read <= set(pt._sources())


def test_table_places_like_the_per_point_rules(full_table: pt.PostcodeTable, sample: pd.Series,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    typed = with_odd_rows(messy(sample, seed=5), seed=6)
    got = by_table(monkeypatch, typed)
    want = gc.place_postcodes_by_points(typed)
    assert_same(got, want)
    # the sample reaches the cases that matter (else the comparison would prove little)
    status = want["status"].value_counts()
    for s in (gc.OK, "outside England (Wales)", "outside England (Scotland)", gc.ST_NO_COORDS,
              gc.ST_NOT_FOUND, gc.ST_INVALID, gc.ST_PLACEHOLDER, gc.ST_NO_INPUT,
              "outside England (Isle of Man)", "outside England (Channel Islands)",
              "outside England (Northern Ireland; not in the postcode lookup)"):
        assert status.get(s, 0) > 0, s
    assert (want["placed_by"] == gc.BY_POSTCODE_SNAP).sum() > 10
    assert set(want["confidence"].dropna()) == {gc.CONF_SURE, gc.CONF_UNCERTAIN}


def test_a_users_official_lookup_is_applied_the_same_way(full_table: pt.PostcodeTable,
                                                         sample: pd.Series,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    typed = with_odd_rows(messy(sample.head(5_000), seed=8), seed=9)
    lsoa = read_table("lsoa11_lsoa21_lookup")
    rng = np.random.default_rng(10)
    listed = pd.concat([sample.iloc[rng.choice(5_000, 300, replace=False)],
                        pd.Series(["ZZ9 9ZZ", "IM1 1AA", "CF10 1AA"])], ignore_index=True)
    n = len(listed)
    codes = lsoa.sample(n, random_state=4)
    frame = pd.DataFrame({
        "pcds": listed,
        "lsoa21": np.where(np.arange(n) % 3 == 0, None, codes["lsoa21_code"].to_numpy()),
        "lsoa11": np.where(np.arange(n) % 3 == 1, None, codes["lsoa11_code"].to_numpy()),
        "lat": np.where(np.arange(n) % 2 == 0, 52.5, np.nan), "long": -1.9})
    frame.loc[5, ["lsoa21", "lsoa11"]] = ["W01000123", None]  # not English: not used
    lookup = gc.postcode_lookup_from_frame(frame)
    got = by_table(monkeypatch, typed, lookup=lookup)
    want = gc.place_postcodes_by_points(typed, lookup=lookup)
    assert_same(got, want)
    assert (want["placed_by"] == gc.BY_EXACT).sum() > 100


def test_placing_through_the_table_reads_a_little_for_a_few_postcodes(
        full_table: pt.PostcodeTable, sample: pd.Series) -> None:
    keys = np.unique(pt.pack_postcodes(gc.normalised_arrow(sample.head(3_000))))
    blocks = np.unique(np.searchsorted(full_table.first_keys, keys, side="right") - 1)
    records = full_table.lookup(keys)
    assert records["found"].all()
    # what is read: the blocks holding the postcodes, a small part of the file
    assert len(blocks) * pt.BLOCK_ROWS * pt.RECORD.itemsize < 0.2 * len(full_table) * pt.RECORD.itemsize


# ----------------------------------------------------------------------------- official codes
def _demo_copy(root: Path, *, skip: tuple[str, ...] = ()) -> Path:
    """A data folder of symlinks to the embedded demo's files (``skip``: relative paths left out)."""
    for src in DEMO_DIR.rglob("*"):
        rel = src.relative_to(DEMO_DIR)
        if src.is_file() and str(rel) not in skip:
            dest = root / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.symlink_to(src)
    return root


@pytest.fixture()
def demo_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("NEEDSMAP_DEMO", raising=False)
    yield


def _official_codes(monkeypatch: pytest.MonkeyPatch, root: Path, cache: Path) -> pd.DataFrame:
    """``nspl_codes`` for the demo's postcodes: their own placements, with planted variations
    (2011 code missing, another English LSOA, Welsh and Scottish country codes, terminated, no
    codes at all) and postcodes the centroids lack."""
    monkeypatch.setenv("NEEDSMAP_DATA_DIR", str(root))
    monkeypatch.setenv("NEEDSMAP_CACHE_DIR", str(cache))
    cen = read_table("nspl_centroids")
    base = gc.place_postcodes_by_points(cen["postcode"])
    codes = pd.DataFrame({"postcode": cen["postcode"].to_numpy(),
                          "lsoa21_code": base["lsoa21_code"].astype(object).to_numpy(),
                          "lsoa11_code": base["lsoa11_code"].astype(object).to_numpy(),
                          "ctry_code": np.where(base["status"].to_numpy() == gc.OK, gc.ENGLAND,
                                                "W92000004"),
                          "doterm": None})
    rng = np.random.default_rng(12)
    pick = rng.random(len(codes))
    lk = read_table("lsoa11_lsoa21_lookup")
    unchanged = lk.loc[lk["change_code"] == "U", "lsoa21_code"].to_numpy()
    codes.loc[pick < 0.05, "lsoa11_code"] = None
    moved = (pick >= 0.05) & (pick < 0.07)
    codes.loc[moved, "lsoa21_code"] = rng.choice(unchanged, int(moved.sum()))
    codes.loc[(pick >= 0.07) & (pick < 0.09), ["ctry_code", "lsoa21_code", "lsoa11_code"]] = [
        "W92000004", "W01000123", None]
    codes.loc[(pick >= 0.09) & (pick < 0.10), ["ctry_code", "lsoa21_code", "lsoa11_code"]] = [
        "S92000003", "S01000001", None]
    codes.loc[(pick >= 0.10) & (pick < 0.13), "doterm"] = "201906"
    codes.loc[(pick >= 0.13) & (pick < 0.14), ["lsoa21_code", "lsoa11_code"]] = [None, None]
    extra = pd.DataFrame({"postcode": [f"B99 9{a}{b}" for a in "AB" for b in "XYZ"],
                          "lsoa21_code": unchanged[:6], "lsoa11_code": None, "ctry_code": gc.ENGLAND,
                          "doterm": "202001"})
    return pd.concat([codes, extra], ignore_index=True)


@pytest.fixture(scope="module")
def demo_with_codes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's files plus an ``nspl_codes`` made for its postcodes."""
    root = _demo_copy(tmp_path_factory.mktemp("demo-with-codes"))
    with pytest.MonkeyPatch.context() as m:
        m.delenv("NEEDSMAP_DEMO", raising=False)
        codes = _official_codes(m, root, tmp_path_factory.mktemp("codes-cache"))
    codes.to_parquet(root / get_dataset("nspl_codes").file, index=False)
    return root


def test_official_codes_through_the_table_as_point_by_point(
        demo_with_codes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        demo_env: None) -> None:
    monkeypatch.setenv("NEEDSMAP_DATA_DIR", str(demo_with_codes))
    monkeypatch.setenv("NEEDSMAP_CACHE_DIR", str(tmp_path / "cache"))
    assert gc.official_codes() is not None
    summary = pt.prepare_postcode_table()
    assert "built in" in summary and pt.table_ready()
    assert "already prepared" in pt.prepare_postcode_table()
    cen = read_table("nspl_centroids")["postcode"]
    typed = with_odd_rows(messy(pd.concat([cen, pd.Series(["B99 9AX", "b999bz"])],
                                          ignore_index=True), seed=13), seed=14)
    got = by_table(monkeypatch, typed)
    want = gc.place_postcodes_by_points(typed)
    assert_same(got, want)
    placed_by = want["placed_by"].dropna()
    assert placed_by.str.contains("terminated 2019-06").sum() > 100
    assert (placed_by == gc.BY_OFFICIAL).sum() > 1_000
    assert (want["status"] == "outside England (Scotland)").sum() > 100
    assert (got.loc[got["postcode_clean"] == "B999AX", "placed_by"].str.contains("terminated")).all()


def test_the_table_is_rebuilt_when_a_source_changes(
        demo_with_codes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        demo_env: None) -> None:
    root = _demo_copy(tmp_path / "data", skip=(get_dataset("nspl_codes").file,))
    codes_file = root / get_dataset("nspl_codes").file
    codes = pd.read_parquet(demo_with_codes / get_dataset("nspl_codes").file)
    codes.to_parquet(codes_file, index=False)
    monkeypatch.setenv("NEEDSMAP_DATA_DIR", str(root))
    monkeypatch.setenv("NEEDSMAP_CACHE_DIR", str(tmp_path / "cache"))
    row = codes[(codes["ctry_code"] == gc.ENGLAND) & codes["lsoa21_code"].notna()
                & codes["doterm"].isna()].iloc[0]
    first = pt.postcode_table().folder
    before = by_table(monkeypatch, pd.Series([row["postcode"]]))
    assert before["lsoa21_code"].iloc[0] == row["lsoa21_code"]
    # the official file now gives that postcode another (unchanged) LSOA
    lk = read_table("lsoa11_lsoa21_lookup")
    other = lk.loc[(lk["change_code"] == "U") & (lk["lsoa21_code"] != row["lsoa21_code"]),
                   "lsoa21_code"].iloc[-1]
    codes.loc[codes["postcode"] == row["postcode"], ["lsoa21_code", "lsoa11_code"]] = [other, None]
    codes.to_parquet(codes_file, index=False)
    stat = codes_file.stat()
    os.utime(codes_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    assert not pt.table_ready()
    second = pt.postcode_table().folder
    after = by_table(monkeypatch, pd.Series([row["postcode"]]))
    assert second != first and second.is_dir() and not first.exists()
    assert after["lsoa21_code"].iloc[0] == other and after["lsoa11_code"].iloc[0] == other
    # a source touched without a change also gives a new table (size and time are the key)
    os.utime(codes_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 4_000_000_000))
    assert pt.table_folder() != second


def test_a_small_call_before_the_table_is_built_places_point_by_point(
        demo_with_codes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        demo_env: None) -> None:
    monkeypatch.setenv("NEEDSMAP_DATA_DIR", str(demo_with_codes))
    monkeypatch.setenv("NEEDSMAP_CACHE_DIR", str(tmp_path / "cache"))
    typed = pd.Series(["B31 2LB", "cv1 1aa", "nonsense"])
    got = pt.place_postcodes(typed)
    assert not pt.table_ready()  # nothing was built for three postcodes
    assert_same(got, gc.place_postcodes_by_points(typed))
    many = read_table("nspl_centroids")["postcode"].head(pt.LAZY_BUILD_FROM)
    pt.place_postcodes(many)
    assert pt.table_ready()  # a large call built it


# ----------------------------------------------------------------------------- broken NSPL
def _distinct_postcodes(n: int) -> list[str]:
    """``n`` distinct well-formed postcodes of area B (real or not)."""
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return [f"B{i % 99 + 1} {i // 99 % 10}{letters[i // 990 % 20]}{letters[i // 19_800 % 20]}"
            for i in range(n)]


@pytest.mark.parametrize("damage", ["missing", "garbage"])
def test_a_missing_or_unreadable_nspl_gives_its_own_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_env: None, damage: str) -> None:
    nspl = get_dataset("nspl_centroids").file
    # without the manifest, so that the file itself is read (not refused for its checksum)
    root = _demo_copy(tmp_path / "data", skip=(nspl, "needsmap-manifest.json"))
    if damage == "garbage":
        (root / nspl).parent.mkdir(parents=True, exist_ok=True)
        (root / nspl).write_bytes(b"PAR1 this is not a parquet file")
    monkeypatch.setenv("NEEDSMAP_DATA_DIR", str(root))
    monkeypatch.setenv("NEEDSMAP_CACHE_DIR", str(tmp_path / "cache"))
    error = DataMissingError if damage == "missing" else ValidationError
    with pytest.raises(error) as raw:
        read_table("nspl_centroids")
    message = str(raw.value)
    assert "nspl_centroids" in message
    for call in (pt.prepare_postcode_table,
                 lambda: pt.place_postcodes(pd.Series(["B31 2LB"])),
                 lambda: pt.place_postcodes(pd.Series(_distinct_postcodes(30_000)))):
        with pytest.raises(error) as got:
            call()
        assert str(got.value) == message
    assert not list(cache_dir().glob("postcode_table-*"))


def test_a_damaged_table_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    demo_env: None) -> None:
    monkeypatch.setenv("NEEDSMAP_DATA_DIR", str(_demo_copy(tmp_path / "data")))
    monkeypatch.setenv("NEEDSMAP_CACHE_DIR", str(tmp_path / "cache"))
    folder = pt.postcode_table().folder
    typed = pd.Series(read_table("nspl_centroids")["postcode"].sample(2_000, random_state=1).to_numpy())
    want = by_table(monkeypatch, typed)
    # cut short, as by a full disk or a killed build, then read by a new process (no memory)
    with open(folder / "records.bin", "r+b") as fh:
        fh.truncate(pt.RECORD.itemsize * 1000)
    pt._table_at.cache_clear()
    assert_same(by_table(monkeypatch, typed), want)
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["rows"] * pt.RECORD.itemsize == (folder / "records.bin").stat().st_size
