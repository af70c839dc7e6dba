"""Portfolio page (AppTest, full data): Trafford's grants carry a warning saying what the figures rest
on, with the grants known only by local authority summarised; a large placed list carries none."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from needsmap.config import data_dir
from tests.conftest import open_app


def _open_with(layer: str) -> AppTest:
    at = open_app("app_pages/portfolio.py", edition="2025")
    keys = {w.key for w in at.selectbox}
    if "pf_default_layer" in keys:
        at.selectbox(key="pf_default_layer").set_value(layer).run()
    else:  # the shared organisation layer picker
        box = next(w for w in at.selectbox if w.key and w.key.startswith("pf_layer"))
        box.set_value(layer).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_trafford_grants_warn_and_summarise_by_local_authority() -> None:
    raw = pd.read_csv(data_dir() / "organisations" / "trafford_council_grants_360giving.csv")
    n = int(raw["Recipient Org:Postal Code"].notna().sum())
    at = _open_with("grants_trafford")
    warnings = [str(w.value) for w in at.warning]
    assert any(f"based on {n} of {len(raw)} grants (2%)" in w for w in warnings), warnings
    assert any("share of money" in w for w in warnings), warnings
    captions = " ".join(str(c.value) for c in at.caption)
    assert f"{len(raw)} grants to {raw['Recipient Org:Identifier'].nunique()} recipients" in captions
    areas = next(f.value for f in at.dataframe if "area_code" in f.value.columns)
    assert areas["area_code"].tolist() == ["E08000009"]
    assert int(areas["rows"].iloc[0]) == len(raw) - n
    labels = {m.label for m in at.metric}
    assert {"Money: 20% of LSOAs", "Their area: residents in 20% most deprived"} <= labels
    assert "Grants known only by area" in [str(h.value) for h in at.subheader]


def test_large_placed_list_has_no_warning() -> None:
    at = _open_with("foodbanks")
    assert [str(w.value) for w in at.warning] == []
    assert "Money: 20% of LSOAs" not in {m.label for m in at.metric}
