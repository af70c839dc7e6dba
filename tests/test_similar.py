"""Places like this: standardised IMD 2025 domain profiles and nearest places, against the raw files.

Golden lists are recomputed here with numpy from the raw IMD 2025 file (its seven ``*_score``
columns), the ONS LSOA → ward → local authority lookup and Census 2021 residents (tests/raw.py),
never through needsmap's table or profiles.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from streamlit.testing.v1 import AppTest

from needsmap.analysis import similar as sm
from needsmap.errors import ValidationError
from tests import raw
from tests.conftest import download_bytes, open_app
from tests.test_explore_page import map_view

PAGE = "app_pages/similar.py"
LSOA = "E01009219"  # Birmingham 120E (Northfield)
WARD = "E05011118"  # Acocks Green, Birmingham
#: the raw file's seven domain score headers (MHCLG's order)
RAW_SCORES = ["Income_score", "Employment_score", "Education_score", "Health_score", "Crime_score",
              "Housing_and_Services_score", "Environment_score"]


def _raw_z() -> pd.DataFrame:
    """England's LSOAs' seven domain scores standardised (population sd), from the raw file."""
    imd = raw.imd("2025").sort_index()
    x = imd[RAW_SCORES].to_numpy(dtype=float)
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    return pd.DataFrame(z, index=imd.index)


def _raw_profiles(level: str) -> pd.DataFrame:
    """Profiles of every place of ``level``: LSOAs as they are; wards and local authorities the
    residents-weighted mean of their LSOAs (numpy bincount over the ONS lookup)."""
    z = _raw_z()
    if level == "lsoa":
        return z
    col = {"ward": "ward24_code", "lad": "ltla24_code"}[level]
    places = raw.lsoa21_lookup()[col].reindex(z.index).to_numpy(dtype=str)
    w = raw.residents21().reindex(z.index).to_numpy(dtype=float)
    codes, inv = np.unique(places, return_inverse=True)
    total = np.bincount(inv, weights=w)
    cols = [np.bincount(inv, weights=w * z[c].to_numpy()) / total for c in z.columns]
    return pd.DataFrame(np.column_stack(cols), index=codes)


def _raw_nearest(level: str, code: str, n: int = 10) -> pd.Series:
    """The ``n`` nearest places to ``code`` (Euclidean, place left out): code -> distance."""
    prof = _raw_profiles(level)
    d = np.sqrt(((prof.to_numpy() - prof.loc[code].to_numpy()) ** 2).sum(axis=1))
    s = pd.Series(d, index=prof.index).drop(code)
    order = np.lexsort((s.index.to_numpy(dtype=str), s.to_numpy()))
    return s.iloc[order[:n]]


# ----------------------------------------------------------------------------- engine
def test_standardised_scores_match_the_raw_file(table25: pd.DataFrame) -> None:
    z = sm.standardised_scores(table25)
    want = _raw_z()
    assert list(z.columns) == sm.z_columns() and len(z) == len(want)
    np.testing.assert_allclose(z.reindex(want.index).to_numpy(), want.to_numpy(), atol=1e-9)
    assert np.allclose(z.mean().to_numpy(), 0, atol=1e-9) and np.allclose(z.std(ddof=0).to_numpy(), 1)


@pytest.mark.parametrize(("level", "code"), [("lsoa", LSOA), ("lad", raw.BIRMINGHAM), ("ward", WARD)])
def test_top_ten_match_an_independent_computation(table25: pd.DataFrame, level: str, code: str) -> None:
    want = _raw_nearest(level, code)
    got = sm.similar_places(table25, code, level)  # type: ignore[arg-type]
    assert got["code"].tolist() == want.index.tolist()
    np.testing.assert_allclose(got["distance"].to_numpy(), want.to_numpy(), atol=1e-9)
    assert got["rank"].tolist() == list(range(1, 11))
    assert code not in set(got["code"]) and (got["level"] == level).all()


def test_the_place_itself_is_rank_zero_and_every_other_place_is_a_candidate(table25: pd.DataFrame) -> None:
    n_lads = raw.lsoa21_lookup()["ltla24_code"].nunique()
    every = sm.similar_places(table25, raw.BIRMINGHAM, "lad", sm.MAX_N, include_self=True)
    assert every.iloc[0][["rank", "code", "distance"]].tolist() == [0, raw.BIRMINGHAM, 0.0]
    assert every["code"].is_unique and len(every) == sm.MAX_N + 1 < n_lads
    assert every["distance"].is_monotonic_increasing
    # Birmingham's own row: its LSOAs and residents, and the share in England's 10% most deprived
    lsoas = raw.lad_lsoas(raw.BIRMINGHAM, "2025")
    dec = raw.imd("2025").loc[sorted(lsoas), "IMD_decile"]
    me = every.iloc[0]
    assert me["lsoas"] == len(lsoas)
    assert me["population"] == raw.residents21().loc[sorted(lsoas)].sum()
    assert me["share_top10"] == pytest.approx((dec == 1).mean())
    assert me["share_top20"] == pytest.approx((dec <= 2).mean())


def test_lsoa_rows_carry_rank_decile_and_parents(table25: pd.DataFrame) -> None:
    got = sm.similar_places(table25, LSOA, include_self=True)
    imd, lk = raw.imd("2025"), raw.lsoa21_lookup()
    assert got["imd_rank"].tolist() == imd.loc[got["code"], "IMD_rank"].astype(int).tolist()
    assert got["imd_decile"].tolist() == imd.loc[got["code"], "IMD_decile"].astype(int).tolist()
    assert got["lad_name"].tolist() == lk.loc[got["code"], "ltla24_name"].tolist()
    assert got["name"].tolist() == lk.loc[got["code"], "lsoa21_name"].tolist()


@pytest.mark.parametrize(("code", "level", "match"), [
    ("E12000005", None, "region"), ("E08000025", "ward", "not a ward"), ("E05999999", None, "no ward"),
    ("E01009219", "region", "unknown place level")])
def test_bad_places_are_refused(table25: pd.DataFrame, code: str, level: str | None, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        sm.similar_places(table25, code, level)  # type: ignore[arg-type]


def test_coverage_counts_lsoas_with_an_organisation_nearby(table25: pd.DataFrame) -> None:
    """Covered LSOAs per local authority, by brute force from the ONS centroids file."""
    from needsmap.analysis.coverage import usable_orgs
    from needsmap.data import load_boundaries
    from needsmap.data.lsoa_points import reference_points
    from needsmap.orgs import load_default_layer

    similar = sm.similar_places(table25, raw.BIRMINGHAM, "lad", 3, include_self=True)
    orgs = load_default_layer("foodbanks").table
    cov = sm.place_coverage(table25, reference_points(load_boundaries("2025")), orgs, similar["code"], "lad",
                            radius_km=1.5)
    usable, _ = usable_orgs(orgs)
    bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    ox, oy = bng.transform(usable["lon"].to_numpy(float), usable["lat"].to_numpy(float))
    pwc = raw.csv("geography/lsoa21_population_weighted_centroids.csv").set_index("lsoa21_code")
    lk = raw.lsoa21_lookup()
    for code in similar["code"]:
        lsoas = sorted(lk.index[lk["ltla24_code"] == code])
        x, y = bng.transform(pwc.loc[lsoas, "lon"].to_numpy(float), pwc.loc[lsoas, "lat"].to_numpy(float))
        d2 = (x[:, None] - ox[None, :]) ** 2 + (y[:, None] - oy[None, :]) ** 2
        covered = int((d2.min(axis=1) <= 1500.0 ** 2).sum())
        assert cov.loc[code, "lsoas"] == len(lsoas)
        # centroids are rounded to ~10 m in the raw file: allow an LSOA right at the edge either way
        assert abs(int(cov.loc[code, "lsoas_covered"]) - covered) <= 1, code
        assert cov.loc[code, "covered_share"] == pytest.approx(cov.loc[code, "lsoas_covered"] / len(lsoas))
    assert list(cov.index) == similar["code"].tolist()
    assert cov["lsoas_covered"].sum() > 0


# ----------------------------------------------------------------------------- page
def _texts(at: AppTest) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info])


def _choose_foodbanks(at: AppTest) -> None:
    assert at.radio(key="similar_layer_source").value == "default"
    at.selectbox(key="similar_layer_layer").set_value("foodbanks").run()


def test_page_for_a_local_authority() -> None:
    at = open_app(PAGE, timeout=240)
    _choose_foodbanks(at)
    assert at.session_state["similar_level"] == "lad"
    text = _texts(at)
    assert sm.METHOD in text
    assert "The 10 local authorities most like Birmingham" in text and "food bank within 1 km" in text
    shown = at.dataframe[0].value
    want = _raw_nearest("lad", raw.BIRMINGHAM)
    assert shown["Code"].tolist() == [raw.BIRMINGHAM, *want.index]
    assert shown["#"].tolist() == list(range(11))
    assert "% LSOAs with a food bank within 1 km" in shown.columns
    assert shown["vs this place (points)"].iloc[0] == 0

    csv = raw.read_csv_bytes(download_bytes(at, "Download this table (CSV)"))
    assert csv["code"].tolist() == [raw.BIRMINGHAM, *want.index]
    np.testing.assert_allclose(csv["distance"].astype(float).to_numpy()[1:], want.to_numpy(), atol=1e-4)
    assert (csv["organisation_layer"] == "Food banks (Give Food)").all() and (csv["radius_km"] == "1.0").all()
    assert set(sm.z_columns()) <= set(csv.columns)

    view = map_view(at, "similar_map")
    lk = raw.lsoa21_lookup()
    assert view.n_lsoas == int(lk["ltla24_code"].isin(shown["Code"]).sum())
    fills = set(view.column("fill").raw.tolist())
    assert fills == set(range(11))  # this place (0) and each rank
    assert {"similar-markers", "similar-ranks"} <= set(view.layer_ids)

    at.number_input(key="similar_n").set_value(5).run()
    assert at.dataframe[0].value["Code"].tolist() == [raw.BIRMINGHAM, *want.index[:5]]


def test_page_for_an_lsoa_typed_and_from_the_sidebar_search() -> None:
    at = open_app(PAGE, timeout=240)
    at.radio(key="similar_level").set_value("lsoa").run()
    assert at.selectbox(key="similar_lsoa").value is None  # asks for a neighbourhood of Birmingham
    at.text_input(key="similar_lsoa_code").input(LSOA.lower()).run()
    want = _raw_nearest("lsoa", LSOA)
    shown = at.dataframe[0].value
    assert shown["Code"].tolist() == [LSOA, *want.index]
    assert "IMD rank" in shown.columns and "Birmingham 120E" in _texts(at)
    at.text_input(key="similar_lsoa_code").input("E0100921").run()
    assert any("not an English LSOA 2021 code" in w.value for w in at.warning)

    # the sidebar's search (here from the URL, as a shared link brings it) opens on its LSOA
    searched = open_app(PAGE, timeout=240, lsoa=LSOA)
    assert searched.session_state["similar_level"] == "lsoa"
    assert searched.dataframe[0].value["Code"].tolist() == [LSOA, *want.index]


def test_page_for_england_asks_for_a_place_and_2019_still_compares_2025_scores() -> None:
    at = open_app(PAGE, timeout=240, area="E92000001", edition="2019")
    assert any("Choose a local authority" in i.value for i in at.info)
    assert any("uses the IMD 2025 domain scores" in i.value for i in at.info)
    assert not at.dataframe
    at.radio(key="similar_level").set_value("ward").run()
    at.selectbox(key="similar_lad").set_value(raw.BIRMINGHAM).run()
    at.selectbox(key="similar_ward").set_value(WARD).run()
    assert at.dataframe[0].value["Code"].tolist() == [WARD, *_raw_nearest("ward", WARD).index]


# ----------------------------------------------------------------------------- command line
def test_command_line_writes_the_nearest_places(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from needsmap.cli import main

    out = tmp_path / "similar.csv"
    assert main(["similar", "Birmingham", "-n", "5", "--out", str(out)]) == 0
    csv = raw.read_csv_bytes(out.read_bytes())
    want = _raw_nearest("lad", raw.BIRMINGHAM, 5)
    assert csv["code"].tolist() == [raw.BIRMINGHAM, *want.index]
    assert "The 5 local authorities most like Birmingham" in capsys.readouterr().err
    assert main(["similar", "E12000005"]) == 2
    assert "is a region" in capsys.readouterr().err
