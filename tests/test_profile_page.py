"""Area profile page through the real router: choose an LSOA, ward or postcode; downloads are offered."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests import raw
from tests.conftest import open_app

pytestmark = pytest.mark.demo


def _profile_page(**query: str) -> AppTest:
    return open_app("app_pages/profile.py", timeout=240, **query)


def _downloads(at: AppTest) -> list[str]:
    return [str(getattr(b, "label", "")) for b in at.get("download_button")]


def test_choose_lsoa_by_key_and_download(tmp_path: object) -> None:
    at = _profile_page(area="E08000025", edition="2019")
    assert at.radio(key="profile_kind").value == "postcode"  # the page opens on postcode entry
    at.radio(key="profile_kind").set_value("lsoa").run()
    at.text_input(key="profile_lsoa_code").set_value("E01009219").run()
    assert not at.exception, [e.value for e in at.exception]
    text = " ".join(c.value for c in at.code)
    imd = raw.imd("2019")  # the published file: the LSOA's rank of England's LSOAs
    assert "E01009219" in text and f"{int(imd.loc['E01009219', 'IMD_rank']):,} of {len(imd):,}" in text
    assert any("PDF" in x for x in _downloads(at)) and any("Markdown" in x for x in _downloads(at))
    headers = [h.value for h in at.header]
    assert any("Birmingham 120E" in h for h in headers)


def test_ward_then_postcode() -> None:
    at = _profile_page(area="E08000025", edition="2025")
    at.radio(key="profile_kind").set_value("ward").run()
    at.selectbox(key="profile_ward").set_value("E05011158").run()  # Northfield
    assert not at.exception, [e.value for e in at.exception]
    assert any("Northfield" in h.value for h in at.header)
    assert "of its residents live in neighbourhoods" in " ".join(c.value for c in at.code)
    at.radio(key="profile_kind").set_value("postcode").run()
    at.text_input(key="profile_postcode").set_value("B31 2LB").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "E01009219" in " ".join(c.value for c in at.code)
    assert len(_downloads(at)) >= 2


@pytest.mark.expect_page_error("could not be placed")
def test_bad_postcode_is_a_message_not_a_crash() -> None:
    at = _profile_page()
    at.radio(key="profile_kind").set_value("postcode").run()
    at.text_input(key="profile_postcode").set_value("ZZ99 9ZZ").run()
    assert not at.exception
    assert any("could not be placed" in e.value for e in at.error)
