"""Text from files shown safely: terminals see no control sequences, Markdown shows text, not markup.

Markdown is rendered by a real CommonMark renderer (markdown-it-py, with HTML allowed, as a
Markdown viewer that renders HTML does) and the HTML it makes is parsed back: only the paragraph
element may appear, and its visible text must be the input.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from needsmap.safe_text import LINK_BREAK, markdown_literal, printable
from tests.conftest import in_ci

pytestmark = pytest.mark.demo

#: text from files that tried to become markup in the issue, and its relatives
HOSTILE = [
    "![x](http://127.0.0.1:9/img.png)",
    "[Click for help](#)",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "Tea & Toast <b>bold</b> &amp; &lt;",
    "[link](http://x)",
    "[ref]: http://x",
    "<http://autolink.example>",
    "http://bare.example/path www.example.com foo@example.com",
    "**strong** __strong__ *em* _em_ ~~gone~~ `code`",
    "# Heading",
    "###### Heading six",
    "- bullet",
    "+ bullet",
    "1. ordered",
    "12) ordered",
    "> quote",
    "---",
    "===",
    "    indented code",
    "| a | b |",
    "$x^2$ :red[alarm] :material/home: :smile:",
    "back\\slash \\* \\[",
    "a\\\nb",
    "line one\nline two\r\nthree\rfour",
    "Tea\x01Toast\x1b[31mred\x07",
    "\u202eevil\u202c",
    "O'Brien \"quoted\" café 12.5% (Birmingham) [note]",
    "=2+5 @home -5 +44 121",
    "",
]


def _markdown() -> Any:
    try:
        from markdown_it import MarkdownIt
    except ImportError:  # pragma: no cover - depends on the environment
        if in_ci():
            pytest.fail("markdown-it-py is not installed (it is in the dev extras)")
        pytest.skip("markdown-it-py not installed")
    # HTML on: a viewer that renders HTML; tables and strikethrough as in GitHub's Markdown
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


class _Html(HTMLParser):
    """The elements and the visible text of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data.replace(LINK_BREAK, ""))  # the invisible link breaker is not seen


def render(markdown: str) -> _Html:
    """``markdown`` rendered to HTML by markdown-it-py, parsed back into elements and text."""
    parsed = _Html()
    parsed.feed(_markdown().render(markdown))
    parsed.close()
    return parsed


def visible(value: str) -> str:
    """What a reader should see for ``value`` shown as one line: control characters spelled out."""
    one_line = value.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").strip(" ")
    return printable(one_line, limit=None)


# ----------------------------------------------------------------------------- printable
def test_printable_spells_out_every_control_character() -> None:
    raw = "".join(chr(c) for c in [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, 0x202E, 0x2066])
    shown = printable("a" + raw + "b", limit=None)
    assert shown.startswith("a\\x00\\x01") and shown.endswith("\\u2066b")
    assert "\\x1b" in shown and "\\n" in shown and "\\r" in shown and "\\t" in shown
    assert "\\u202e" in shown and "\\x85" in shown
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", shown)


def test_printable_terminal_escape_sequences_are_inert() -> None:
    msg = "No column looks like a postcode: \x1b[2J\x1b[31mred\x1b]0;title\x07 \x9b31m"
    shown = printable(msg, limit=None)
    assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
    assert shown == ("No column looks like a postcode: \\x1b[2J\\x1b[31mred\\x1b]0;title\\x07 "
                     "\\x9b31m")


def test_printable_limit_and_lines() -> None:
    assert printable("x" * 200) == "x" * 119 + "…"
    assert printable("x" * 200, limit=None) == "x" * 200
    assert printable(None) == "" and printable(12.5) == "12.5"
    assert printable("one\r\ntwo\x1b", keep_lines=True, limit=None) == "one\ntwo\\x1b"
    assert printable("one\ntwo") == "one\\ntwo"
    assert printable("café ✓ 名前") == "café ✓ 名前"  # printable text is untouched


# ----------------------------------------------------------------------------- markdown_literal
@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_literal_renders_as_the_text_itself(text: str) -> None:
    html = render(markdown_literal(text))
    assert set(html.tags) <= {"p"}, f"{text!r} became {html.tags}"
    assert "".join(html.text).strip("\n") == visible(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_literal_inside_the_markdown_we_write(text: str) -> None:
    """A value in a bullet, in emphasis and in a table cell stays text there too."""
    lit = markdown_literal(text)
    doc = f"- {lit}\n- *{lit or 'x'}*\n\n| Name | n |\n| --- | --- |\n| {lit} | 1 |\n"
    html = render(doc)
    assert set(html.tags) <= {"ul", "li", "em", "table", "thead", "tbody", "tr", "th", "td"}, html.tags
    assert html.tags.count("li") == 2 and html.tags.count("td") == 2 and html.tags.count("em") == 1
    cells = [t for t in html.text if t.strip()]
    if text.strip(" "):
        assert cells.count(visible(text)) == 3, cells


def test_markdown_literal_plain_prose_stays_readable() -> None:
    """Escaping only where needed: full stops, brackets, numbers and apostrophes are left alone."""
    prose = "Profile: ranks run from 1 (most deprived) to 33,755. It's 12.5% of O'Brien's area."
    assert markdown_literal(prose) == prose
    assert markdown_literal("![x](http://h/i.png) <b>") == f"!\\[x\\](http:{LINK_BREAK}//h/i.png) &lt;b&gt;"
    assert markdown_literal("www.x.org a@b.uk") == f"www{LINK_BREAK}\\.x.org a\\@{LINK_BREAK}b.uk"
    assert markdown_literal("x" * 50, limit=10) == "x" * 9 + "…"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1 <>&[]()!*_`#-+=.:|~$@\\{}'\"\n\r\t\x01w")),
               max_size=30))
def test_markdown_literal_any_mix_of_syntax_is_text(text: str) -> None:
    html = render(markdown_literal(text))
    assert set(html.tags) <= {"p"}, f"{text!r} became {html.tags}"
    assert "".join(html.text).strip("\n") == visible(text)


# ----------------------------------------------------------------------------- the CLI's messages
def test_cli_messages_spell_out_escape_sequences_from_a_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Headings and cells with terminal escape sequences reach standard error spelled out, in the
    summary and in an error message alike: nothing from the file can recolour or retitle a terminal."""
    from needsmap.cli import main

    src = tmp_path / "esc.csv"
    src.write_bytes(b"Organisation name\x1b[31m,postcode,notes\x1b]0;pwned\x07\n"
                    b"Tea\x1b[5m,B31 2LB,x\nCafe,B1 1AA,y\n")
    out = tmp_path / "placed.csv"
    assert main(["geocode", str(src), "--out", str(out)]) == 0
    summary = capsys.readouterr().err
    assert main(["geocode", str(src), "--postcode-column", "nope\x1b[31m"]) != 0
    error = capsys.readouterr().err
    for text in (summary, error):
        assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", text), repr(text)
    assert "name\\x1b[31m" in summary and "notes\\x1b]0;pwned\\x07" in error
