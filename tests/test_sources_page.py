"""Data sources page: provenance per dataset, and the Download button fetching with progress."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from needsmap.data import manifest
from needsmap.data.sources import source_for
from tests.publisher_fixtures.ons import BUILDERS


@pytest.mark.expect_page_error("is missing: expected the file")  # the empty folder, before the fetch
def test_download_button_fetches_from_a_mirror_into_an_empty_folder(
        broken_data_dir: Path, tmp_path: Path, real_data_dir: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    source = source_for("ltla24_region24_lookup")
    assert source is not None
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    BUILDERS[source.id](real_data_dir, mirror)
    monkeypatch.setenv("NEEDSMAP_MIRROR", str(mirror))
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("app_pages/sources.py").run()
    assert not at.exception
    assert at.text_input(key="src_mirror").value == str(mirror)
    at.button(key="src_fetch").click().run()
    assert not at.exception
    [results] = [d.value for d in at.dataframe if "Result" in d.value.columns]
    ok = results[results["Result"] == "ok"]
    assert list(ok["Download"]) == [source.id]
    rows = len(pd.read_csv(real_data_dir / "geography" / "ltla24_region24_lookup.csv"))
    assert f"{rows:,} rows" in ok["Details"].iloc[0]
    assert (results["Result"] == "failed").sum() == len(results) - 1
    assert results.loc[results["Result"] == "failed", "Details"].str.contains("has no").all()
    written = pd.read_csv(broken_data_dir / "geography" / "ltla24_region24_lookup.csv")
    pd.testing.assert_frame_equal(
        written, pd.read_csv(real_data_dir / "geography" / "ltla24_region24_lookup.csv"),
        check_dtype=False)
    entry = manifest.entry_for(broken_data_dir, "ltla24_region24_lookup")
    assert entry is not None and entry.source_url == f"{mirror}/{source.file_name}"
    assert at.warning and "failed" in at.warning[0].value
