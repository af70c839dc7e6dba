"""CSV/Excel exports neutralise formula injection; HTML text is escaped."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from needsmap.export import escape_text, safe_for_export, to_csv_bytes, to_excel_bytes

pytestmark = pytest.mark.demo


def test_formula_cells_neutralised() -> None:
    df = pd.DataFrame({"name": ["=HYPERLINK(\"x\")", "+1", "-cmd", "@SUM(A1)", "Safe", None],
                       "n": [1, -2, 3, 4, 5, 6]})
    out = safe_for_export(df)
    assert out["name"].tolist()[:5] == ["'=HYPERLINK(\"x\")", "'+1", "'-cmd", "'@SUM(A1)", "Safe"]
    assert out["n"].tolist() == [1, -2, 3, 4, 5, 6]  # numbers untouched
    text = to_csv_bytes(df).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=" not in text


def test_excel_roundtrip_is_safe() -> None:
    df = pd.DataFrame({"name": ["=1+1", "ok"]})
    back = pd.read_excel(io.BytesIO(to_excel_bytes(df)), engine="openpyxl")
    assert back["name"].tolist() == ["'=1+1", "ok"]


def test_escape_text() -> None:
    assert escape_text("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert escape_text("A & B") == "A &amp; B" and escape_text(None) == "" and escape_text(float("nan")) == ""
