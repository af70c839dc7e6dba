"""The map component's Python side: what a page shows when deck.gl's bundles are not installed."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from needsmap.ui import map_component


def _page() -> None:
    from needsmap.ui.map_component import lsoa_map

    lsoa_map({"tileset": "app/static/maps/none/index.json.gz", "columns": []}, b"", key="m")


def test_missing_renderer_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> list[object]:
        raise FileNotFoundError(f"node_modules/@deck.gl/core is missing. {map_component.NODE_MISSING}")

    monkeypatch.setattr(map_component, "install_vendor", missing)
    at = AppTest.from_function(_page).run(timeout=60)
    assert not at.exception and not at.error
    assert [w.value for w in at.warning] == [map_component.NODE_MISSING]
    assert "make setup" in map_component.NODE_MISSING and "npm" in map_component.NODE_MISSING
    assert not at.get("component_instance")  # no blank frame in its place


def test_installed_renderer_draws_the_component() -> None:
    at = AppTest.from_function(_page).run(timeout=60)
    assert not at.exception and not at.warning
    assert len(at.get("component_instance")) == 1
