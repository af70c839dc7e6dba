"""Accessibility statement page: the GOV.UK model's headings, the testing date and the unmet criteria."""

from __future__ import annotations

import pytest

from tests.conftest import open_app

pytestmark = pytest.mark.demo

PAGE = "app_pages/accessibility.py"


def test_statement_headings_date_and_unmet_criteria() -> None:
    at = open_app(PAGE)
    assert [t.value for t in at.title] == ["Accessibility statement for needsmap"]
    headers = [h.value for h in at.header]
    assert headers == [
        "How accessible this website is",
        "Feedback and contact information",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Technical information about this website's accessibility",
        "Non-accessible content",
        "What we're doing to improve accessibility",
        "Preparation of this accessibility statement",
    ]
    subheaders = [h.value for h in at.subheader]
    assert {"Compliance status", "Non-compliance with the accessibility regulations",
            "Disproportionate burden"} <= set(subheaders)
    text = "\n".join(m.value for m in at.markdown)
    assert "This statement was prepared on 2 December 2026" in text
    assert "needsmap was last tested on 2 December 2026" in text
    assert "partially compliant" in text and "Web Content Accessibility Guidelines version 2.2" in text
    # each unmet success criterion is named, with what stands in for it
    for criterion in ("1.1.1 (non-text content)", "1.4.13 (content on hover or focus)", "2.1.1 (keyboard)",
                      "1.4.1 (use of colour)", "1.4.11 (non-text contrast)", "1.3.1 (info and relationships)",
                      "1.4.10", "1.4.3"):
        assert criterion in text, criterion
    assert "Equality and Human Rights Commission (EHRC)" in text and "GitHub" in text
    # only what is really done is claimed as testing; what is not is said
    assert "AppTest" in text and "Chromium" in text and "Playwright" in text
    assert "We have not yet run an automated accessibility checker (such as axe)" in text
