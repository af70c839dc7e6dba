"""Text from users' files, made safe for where it is shown: terminals, Markdown, HTML.

One home for escaping. Text from an uploaded file (column headings, names, cells) must never become
markup or terminal control sequences:

- :func:`printable` for messages (CLI and error boxes): control characters shown as ``\\xNN``,
  long text shortened;
- :func:`markdown_literal` for anything Streamlit renders as Markdown (``st.error``, ``st.markdown``)
  and for Markdown files this project writes: HTML and Markdown syntax are escaped, so the text reads
  exactly as it was typed;
- :func:`needsmap.export.escape_text` stays the helper for HTML this project writes itself.
"""

from __future__ import annotations

import html
import re

#: C0 and C1 control characters, DEL, the Unicode line/paragraph separators and the bidirectional
#: embedding/override/isolate controls (which reorder what a terminal shows: "Trojan Source")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: the same, less the line feed (for messages whose lines are ours)
_CONTROL_BUT_LF = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: characters with a meaning anywhere in a line of (CommonMark/GitHub) Markdown or Streamlit's
#: Markdown: escapes, code spans, emphasis, links/images and directives ([ ]), tables (|),
#: strikethrough (~), maths ($), e-mail autolinks (@); a colon before a letter starts Streamlit's
#: colour and icon directives (``:red[…]``, ``:material/home:``).
#: HTML (< > &) is turned into entities before this is applied.
_MD_INLINE = re.compile(r"([\\`*_{}\[\]|~$@]|:(?=[A-Za-z]))")
#: what starts a block only at the start of a line (CommonMark): an ATX heading (``# ``), a bullet
#: (``- `` / ``+ ``), a line of only ``-``/``=`` (thematic break, setext underline)
_MD_LINE_START = re.compile(r"^(\s*)(#{1,6}(?=\s|$)|[-+](?=\s|$)|[-=](?=[-=\s]*$))")
#: an ordered-list number (``1. `` / ``1) ``): its ``.``/``)`` is escaped (a digit cannot be)
_MD_ORDERED = re.compile(r"^(\s*\d{1,9})([.)])(?=\s|$)")
#: the "www." of an extended (GitHub) autolink
_MD_WWW = re.compile("(?i)(?<=www\u2060)\\.")
#: an invisible word joiner (U+2060) put inside ``://``, ``www.``, after ``@`` and after the first
#: ``:`` of ``:name:``: GitHub-style renderers (Streamlit's remark-gfm, markdown-it's linkify) find
#: bare URLs and e-mail addresses, and Streamlit finds emoji and icon short codes (``:smile:``,
#: ``:material/home:``), in the text *after* backslash escapes are undone, so only a change to the
#: text itself stops them. It shows as nothing; strip it to compare what a reader sees with the input.
LINK_BREAK = "\u2060"
_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)|(?<=:)(?=[\w/+\-]+:)")


def _show_control(match: re.Match[str]) -> str:
    ch = match.group(0)
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(value: object, *, limit: int | None = 120, keep_lines: bool = False) -> str:
    """``value`` as plain text a terminal or a text box shows as it is.

    Control characters (C0, C1, DEL, line/paragraph separators, bidirectional overrides) are shown
    as ``\\xNN``, ``\\n``, ``\\r``, ``\\t`` or ``\\uNNNN``, so an escape sequence in a file cannot
    recolour, move or hide what a terminal prints.

    Parameters
    ----------
    value
        Anything; ``None`` gives ``""``.
    limit
        At most this many characters (``…`` marks a cut); ``None``: no limit.
    keep_lines
        Keep line feeds (``\\r\\n`` becomes ``\\n``): for a whole message whose line breaks are
        the program's own. Otherwise the result is one line.

    >>> printable("Tea\\x1b[31mToast\\n")
    'Tea\\\\x1b[31mToast\\\\n'
    """
    text = "" if value is None else str(value)
    if keep_lines:
        text = _CONTROL_BUT_LF.sub(_show_control, text.replace("\r\n", "\n"))
    else:
        text = _CONTROL.sub(_show_control, text)
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…"


def markdown_literal(value: object, *, limit: int | None = None) -> str:
    """``value`` escaped so that a Markdown renderer (Streamlit, a Markdown viewer that renders HTML)
    shows it exactly as typed: no links, images, emphasis, headings, tables or HTML tags.

    HTML special characters ``< > &`` become entities; Markdown punctuation is backslash-escaped
    where it has a meaning (anywhere: ``\\ ` * _ { } [ ] | ~ $ @`` and ``:`` before a letter; at
    the start only where it would start a block: ``# ``, ``- ``, ``+ ``, ``---``, ``===``,
    ``1. ``); control characters are shown as ``\\xNN``, line breaks as spaces, and spaces at
    either end are dropped. An invisible :data:`LINK_BREAK` inside ``://``, ``www.``, after ``@``
    and in ``:name:`` stops bare URLs and e-mail addresses becoming links and short codes becoming
    emoji or icons. Rendered, the text reads as the input (control characters spelled out); plain
    prose keeps its full stops, brackets, numbers, colons and apostrophes unescaped.

    Parameters
    ----------
    value
        Anything; ``None`` gives ``""``.
    limit
        At most this many characters of the input text (``…`` marks a cut); ``None``: no limit.

    >>> markdown_literal("![x](http://h/i.png) <b>").replace(LINK_BREAK, "")
    '!\\\\[x\\\\](http://h/i.png) &lt;b&gt;'
    """
    text = "" if value is None else str(value)
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    # leading spaces would make an indented code block, trailing ones a hard line break
    text = printable(text.strip(" "), limit=limit)
    text = _AUTOLINK.sub(LINK_BREAK, text)
    text = html.escape(text, quote=False)  # no attribute is ever written, so quotes can stay
    # entities made above keep their & and ; (neither is Markdown syntax once & is escaped)
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_WWW.sub(r"\\.", text)
    text = _MD_LINE_START.sub(r"\1\\\2", text, count=1)
    return _MD_ORDERED.sub(r"\1\\\2", text, count=1)


__all__ = ["LINK_BREAK", "markdown_literal", "printable"]
