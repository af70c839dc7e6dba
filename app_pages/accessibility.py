"""Accessibility statement: docs/accessibility.md (the README links the same file), shown as it is.

``# `` lines become the page title, ``## `` lines headers and ``### `` lines subheaders (so headings are
real headings for a screen reader); the text between them is Markdown written by the project.
"""

import streamlit as st

from needsmap.config import PROJECT_ROOT

STATEMENT = PROJECT_ROOT / "docs" / "accessibility.md"

body: list[str] = []


def _flush() -> None:
    text = "\n".join(body).strip()
    if text:
        st.markdown(text)
    body.clear()


for line in STATEMENT.read_text(encoding="utf-8").splitlines():
    for prefix, show in (("### ", st.subheader), ("## ", st.header), ("# ", st.title)):
        if line.startswith(prefix):
            _flush()
            show(line[len(prefix):].strip(), anchor=False)
            break
    else:
        body.append(line)
_flush()
