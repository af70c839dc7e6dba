"""Portfolio page (AppTest): pick the food banks layer, read the figures, change radius and ward method."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests import raw
from tests.conftest import download_bytes, open_app

pytestmark = pytest.mark.demo


def _portfolio(edition: str = "2025") -> AppTest:
    return open_app("app_pages/portfolio.py", edition=edition)


def _choose_foodbanks(at: AppTest) -> None:
    keys = {w.key for w in at.selectbox}
    if "pf_default_layer" in keys:
        at.selectbox(key="pf_default_layer").set_value("foodbanks").run()
    else:  # the shared organisation layer picker
        box = next(w for w in at.selectbox if w.key and w.key.startswith("pf_layer"))
        box.set_value("foodbanks").run()
    assert not at.exception, [e.value for e in at.exception]


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("edition", ["2025", "2019"])
def test_foodbanks_figures_on_page(edition: str) -> None:
    at = _portfolio(edition)
    _choose_foodbanks(at)
    m = _metrics(at)
    assert int(m["50% of LSOAs"].rstrip("%")) > 50  # food banks lean deprived
    assert "50% of wards" in m
    text = " ".join(md.value for md in at.markdown)
    assert "organisations work in the 50% most deprived wards" in text
    assert f"IMD {edition}" in text
    assert len(at.dataframe) >= 2
    labels = {b.proto.label for b in at.get("download_button")}
    assert {"Figures (CSV)", "Portfolio summary (PDF)"} <= labels


def _served(at: AppTest) -> tuple[int, int]:
    """The heading's neighbourhoods served and their residents."""
    heading = next(md.value for md in at.markdown if "neighbourhoods they serve" in md.value)
    lsoas, residents = re.fullmatch(r"##### The ([\d,]+) neighbourhoods they serve \(([\d,]+) residents\)",
                                    heading).groups()  # type: ignore[union-attr]
    return int(lsoas.replace(",", "")), int(residents.replace(",", ""))


def test_radius_and_ward_method_change_figures() -> None:
    at = _portfolio()
    _choose_foodbanks(at)
    # radius 0: the neighbourhoods served are those the counted organisations are in (from the
    # download), their residents and deciles read here from the raw Census and IMD files
    orgs = raw.read_csv_bytes(download_bytes(at, "Organisations with their LSOA and decile (CSV)"))
    served = sorted(set(orgs.loc[orgs["counted"] == "True", "lsoa_code"]))
    people = raw.residents21().loc[served]
    deprived = raw.imd("2025").loc[served, "IMD_decile"] <= 2
    assert _served(at) == (len(served), round(people.sum()))
    pct = 100 * people[deprived].sum() / people.sum()
    assert _metrics(at)["Residents in 20% most deprived"] == f"{pct:.0f}%"

    at.number_input(key="pf_radius").set_value(2.0).run()
    assert "within 2 km of them" in " ".join(md.value for md in at.markdown)
    lsoas, residents = _served(at)  # every LSOA within 2 km of one: many more than they are in
    assert lsoas > 2 * len(served) and residents > 2 * people.sum()
    at.radio(key="pf_ward_method").set_value("share20").run()
    assert "share of their neighbourhoods in the 20% most deprived" in " ".join(
        md.value for md in at.markdown)


def test_only_organisations_in_the_sidebar_area() -> None:
    at = _portfolio()  # sidebar default: Birmingham
    _choose_foodbanks(at)
    at.checkbox(key="pf_only_area").check().run()
    assert not at.exception, [e.value for e in at.exception]
    text = " ".join(md.value for md in at.markdown)
    assert "outside Birmingham" in text
    counted = int(text.split("**")[1].replace(",", ""))
    assert 5 <= counted <= 30  # Give Food lists 14 food banks with district Birmingham
