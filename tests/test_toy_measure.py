"""Adding a measure takes one registry entry: a toy measure shows on Explore, Profile and Data sources.

The toy is the share of an LSOA 2021's usual residents who are Asian, Asian British or Asian Welsh
(Census 2021 TS021), built by its own provider from the real file; the expected figures are read
from the raw CSV here, without needsmap's readers.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
import streamlit as st

from needsmap import measures
from needsmap.config import cache_dir
from needsmap.data.catalog import get_dataset
from needsmap.data.loaders import Provider, read_table
from needsmap.measures import Measure
from needsmap.types import Edition
from tests.conftest import open_app

TOY = "toy_asian_share"
TOY_LABEL = "Toy: residents who are Asian"
TOY_GROUP = "Toy measures"
LSOA = "E01009219"  # Birmingham 120E (Northfield)


def _toy_columns(edition: Edition) -> pd.DataFrame:
    if edition != "2025":
        return pd.DataFrame(index=pd.Index([], dtype=str, name="lsoa_code"))
    raw = read_table("census2021_ethnicity")
    asian = raw.loc[raw["ethnic_group"].str.startswith("Asian")].set_index("lsoa21_code")
    share = asian["n"] / asian["total_residents"] * 100
    return pd.DataFrame({TOY: share.to_numpy()}, index=pd.Index(asian.index.astype(str), name="lsoa_code"))


def _expected(code: str) -> float:
    """The toy's value for ``code`` straight from the raw file."""
    raw = pd.read_csv(get_dataset("census2021_ethnicity").path, encoding="utf-8-sig")
    row = raw.loc[(raw["lsoa21_code"] == code) & (raw["ethnic_group"] == "Asian, Asian British or Asian Welsh")]
    assert len(row) == 1, row
    return float(row["n"].iloc[0]) / float(row["total_residents"].iloc[0]) * 100


@pytest.fixture
def toy_measure() -> Iterator[Measure]:
    """The toy registered (one entry), and removed again with every cache that saw it."""
    assert TOY not in measures.MEASURES
    st.cache_data.clear()
    toy = measures.register(Measure(
        id=TOY, label=TOY_LABEL, group=TOY_GROUP, views=("value",), kind="share",
        provider=Provider("toy_asian", ("census2021_ethnicity",), _toy_columns), editions=("2025",),
        datasets=("census2021_ethnicity",), unit="%", description="A measure added by a test.",
    ))
    try:
        yield toy
    finally:
        measures.unregister(TOY)
        st.cache_data.clear()
        for f in cache_dir().glob("toy_asian*"):
            f.unlink()


def test_toy_measure_is_in_the_table(toy_measure: Measure) -> None:
    t = measures.load_lsoa_table("2025", columns=[TOY])
    assert t.loc[LSOA, TOY] == pytest.approx(_expected(LSOA))
    assert TOY not in measures.load_lsoa_table("2019", columns=[TOY]).columns


def test_toy_measure_on_explore(toy_measure: Measure) -> None:
    at = open_app("app_pages/explore.py", area="E08000025", edition="2025")
    assert f"{TOY_GROUP} · {TOY_LABEL}" in at.selectbox(key="explore_measure").options
    at.selectbox(key="explore_measure").set_value(TOY).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["explore_measure"] == TOY
    table = at.dataframe[0].value
    [col] = [c for c in table.columns if c.startswith(TOY_LABEL)]
    got = table.set_index("LSOA code").loc[LSOA, col]
    assert got == pytest.approx(_expected(LSOA))


def test_toy_measure_on_profile(toy_measure: Measure) -> None:
    at = open_app("app_pages/profile.py", area="E08000025", edition="2025")
    at.radio(key="profile_kind").set_value("lsoa").run()
    at.radio(key="profile_kind").set_value("lsoa").run()
    at.text_input(key="profile_lsoa_code").set_value(LSOA).run()
    assert not at.exception, [e.value for e in at.exception]
    [extra] = [d.value for d in at.dataframe if list(d.value.columns) == ["Measure", "Value"]]
    rows = dict(zip(extra["Measure"], extra["Value"], strict=True))
    assert rows[TOY_LABEL] == f"{round(_expected(LSOA), 2):.1f}%"


def test_toy_measure_on_data_sources(toy_measure: Measure) -> None:
    at = open_app("app_pages/sources.py")
    [sources] = [d.value for d in at.dataframe if "Used for" in d.value.columns]
    used = sources.set_index("Dataset").loc[get_dataset("census2021_ethnicity").title, "Used for"]
    assert TOY_LABEL in used
    assert TOY_LABEL not in sources.set_index("Dataset").loc[get_dataset("imd2025").title, "Used for"]
    assert any(TOY_LABEL in str(m.value) for m in at.markdown)  # listed under "Measures and how each is made"


def test_toy_measure_is_gone_afterwards() -> None:
    assert TOY not in measures.MEASURES
    assert all(p.name != "toy_asian" for p in measures.providers())
