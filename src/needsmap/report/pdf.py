"""Reusable A4 evidence-pack document (fpdf2) with a Unicode font, key figures and a sources footer.

Both the area profile and the portfolio summary are built on :class:`EvidencePDF`::

    doc = EvidencePDF(title="Area profile: Ladywood", subtitle="IMD 2019 · LSOA E01009219")
    doc.add_page()
    doc.heading("Key figures")
    doc.key_figures([("IMD rank", "5,929 of 32,844"), ("IMD decile", "2")])
    doc.paragraph("This neighbourhood is among the 20% most deprived …")
    doc.image_png(png_bytes, width_mm=120)
    doc.sources(["imd2019", "population2020"])
    pdf_bytes = doc.to_bytes()

Figures are cited from :mod:`needsmap.data.catalog` (title, publisher, date, licence), never
hard-coded. Text uses DejaVu Sans (bundled with matplotlib) so "–", "£", "≥" and "→" render.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from needsmap.data.catalog import get_dataset

__all__ = ["EvidencePDF", "FONT_DIR", "INK", "MUTED", "ACCENT", "figure_png"]

#: DejaVu fonts shipped with matplotlib (always installed with needsmap)
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
_FONT = "DejaVu"

#: colours (RGB): body text, secondary text, accent (viridis dark purple, as decile 1 on the maps)
INK = (33, 37, 41)
MUTED = (100, 106, 115)
ACCENT = (68, 1, 84)
_RULE = (210, 214, 220)
_BAND = (244, 241, 248)


def figure_png(fig: object, *, dpi: int = 200) -> bytes:
    """PNG bytes of a matplotlib figure (closed afterwards, so callers never leak figures)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
    return buf.getvalue()


class EvidencePDF(FPDF):
    """A4 portrait document: title block, headings, key-figure table, paragraphs, PNG images,
    a sources-and-licences section and a footer with the page number and the date made.

    Parameters
    ----------
    title
        Big title at the top of page one (also the PDF's metadata title).
    subtitle
        One line under the title (e.g. edition and area code).
    footer_note
        Short text at the left of every page footer (default: "needsmap evidence pack").
    made_on
        Date printed in the footer (default: today).
    """

    def __init__(self, *, title: str, subtitle: str = "", footer_note: str = "needsmap evidence pack",
                 made_on: date | None = None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc_title = title
        self.doc_subtitle = subtitle
        self.footer_note = footer_note
        self.made_on = made_on or date.today()
        self.set_margins(16, 14, 16)
        self.set_auto_page_break(auto=True, margin=16)
        self.add_font(_FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(_FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.add_font(_FONT, "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
        self.set_title(title)
        self.set_creator("needsmap")
        self.set_text_color(*INK)
        self._titled = False

    # ------------------------------------------------------------------ page furniture
    @property
    def content_width(self) -> float:
        """Width between the margins, in mm."""
        return float(self.w - self.l_margin - self.r_margin)

    def add_page(self, *args: object, **kwargs: object) -> None:
        """Add a page; the first one gets the title block."""
        super().add_page(*args, **kwargs)  # type: ignore[arg-type]
        if not self._titled:
            self._title_block()
            self._titled = True

    def _title_block(self) -> None:
        self.set_fill_color(*ACCENT)
        self.rect(0, 0, self.w, 3, style="F")
        self.set_y(9)
        self.set_font(_FONT, "B", 18)
        self.set_text_color(*ACCENT)
        self.multi_cell(self.content_width, 8.5, self.doc_title, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if self.doc_subtitle:
            self.set_font(_FONT, "", 10.5)
            self.set_text_color(*MUTED)
            self.multi_cell(self.content_width, 5.5, self.doc_subtitle, align="L", new_x=XPos.LMARGIN,
                            new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(1.5)
        self._rule()
        self.ln(2.5)

    def footer(self) -> None:
        """Footer on every page: note, date made, page x of y."""
        self.set_y(-11)
        self.set_draw_color(*_RULE)
        self.line(self.l_margin, self.get_y() - 1.5, self.w - self.r_margin, self.get_y() - 1.5)
        self.set_font(_FONT, "", 7.5)
        self.set_text_color(*MUTED)
        left = f"{self.footer_note} · made {self.made_on:%-d %B %Y} with needsmap"
        self.cell(self.content_width * 0.8, 5, left)
        self.cell(self.content_width * 0.2, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(*INK)

    def _rule(self) -> None:
        self.set_draw_color(*_RULE)
        self.set_line_width(0.3)
        y = self.get_y()
        self.line(self.l_margin, y, self.w - self.r_margin, y)

    def keep_together(self, height: float) -> None:
        """Start a new page unless ``height`` mm remain (call before a heading and its table)."""
        self._room(height)

    def _room(self, height: float) -> None:
        """Start a new page when fewer than ``height`` mm remain."""
        if self.get_y() + height > self.h - self.b_margin:
            self.add_page()

    # ------------------------------------------------------------------ content blocks
    def heading(self, text: str, *, size: float = 12.5) -> None:
        """Section heading (kept with at least a few lines of what follows)."""
        self._room(22)
        self.ln(1.5)
        self.set_font(_FONT, "B", size)
        self.set_text_color(*ACCENT)
        self.multi_cell(self.content_width, 6.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(0.8)

    def paragraph(self, text: str, *, size: float = 10, italic: bool = False,
                  muted: bool = False, boxed: bool = False) -> None:
        """A wrapped paragraph; ``boxed`` shades it (for the paste-able summary)."""
        self.set_font(_FONT, "I" if italic else "", size)
        self.set_text_color(*(MUTED if muted else INK))
        line_h = size * 0.5
        if boxed:
            self.set_fill_color(*_BAND)
            self.multi_cell(self.content_width, line_h + 0.4, text, fill=True, padding=(3, 3),
                            align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            self.multi_cell(self.content_width, line_h, text, align="L", new_x=XPos.LMARGIN,
                            new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(1.8)

    def bullets(self, items: Iterable[str], *, size: float = 9.5) -> None:
        """A bulleted list."""
        self.set_font(_FONT, "", size)
        for item in items:
            self.set_x(self.l_margin + 2)
            self.multi_cell(self.content_width - 2, size * 0.48, f"•  {item}", align="L",
                            new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def key_figures(self, rows: Sequence[tuple[str, str]] | Sequence[tuple[str, str, str]], *,
                    label_width: float = 0.42, size: float = 9.5, x: float | None = None,
                    width: float | None = None) -> None:
        """Two- or three-column table of key figures: label, value (bold), optional note.

        Parameters
        ----------
        rows
            ``(label, value)`` or ``(label, value, note)`` tuples.
        label_width
            Share of the table width taken by the label column.
        x, width
            Left edge and width in mm (default: the full text width).
        """
        width = width or self.content_width
        left = self.l_margin if x is None else x
        three = any(len(r) == 3 for r in rows)
        w_label = width * label_width
        w_value = width * (0.28 if three else 1 - label_width)
        w_note = width - w_label - w_value if three else 0.0
        line_h = size * 0.5
        self.set_draw_color(*_RULE)
        for i, row in enumerate(rows):
            label, value = row[0], row[1]
            note = row[2] if len(row) == 3 else ""
            self._room(line_h * 2 + 1)
            y = self.get_y()
            if i % 2 == 0:
                self.set_fill_color(*_BAND)
            else:
                self.set_fill_color(255, 255, 255)
            # measure the tallest cell first so the shaded band covers the whole row
            self.set_font(_FONT, "", size)
            n = max(self._nlines(w_label - 2, line_h, label),
                    self._nlines(w_note - 2, line_h, note) if three and note else 1)
            self.set_font(_FONT, "B", size)
            n = max(n, self._nlines(w_value - 2, line_h, value))
            h = n * line_h + 2
            self.rect(left, y, width, h, style="F")
            self.set_xy(left + 1, y + 1)
            self.set_font(_FONT, "", size)
            self.multi_cell(w_label - 2, line_h, label, align="L")
            self.set_xy(left + w_label, y + 1)
            self.set_font(_FONT, "B", size)
            self.multi_cell(w_value - 2, line_h, value, align="L")
            if three and note:
                self.set_xy(left + w_label + w_value, y + 1)
                self.set_font(_FONT, "", size - 1)
                self.set_text_color(*MUTED)
                self.multi_cell(w_note - 2, line_h, note, align="L")
                self.set_text_color(*INK)
            self.set_xy(left, y + h)
        self.ln(2)

    def _nlines(self, width: float, line_h: float, text: str) -> int:
        lines = self.multi_cell(width, line_h, text, dry_run=True, output="LINES")
        return len(lines) if isinstance(lines, list) else 1

    def data_table(self, header: Sequence[str], rows: Sequence[Sequence[str]], *,
                   widths: Sequence[float] | None = None, size: float = 8,
                   align: Sequence[str] | None = None, x: float | None = None,
                   width: float | None = None, wrap: bool = False) -> None:
        """A plain data table with a header row (e.g. the LSOAs of a ward), drawn by fpdf2's
        ``table()``: the header (white on the accent colour) repeats at the top of every page the
        table runs onto and is never left alone at a page's foot; rows are banded, one line each
        (text too long for its column is cut with "…").

        Parameters
        ----------
        widths
            Column widths as shares of the text width (default: equal).
        align
            Per column ``"L"``, ``"R"`` or ``"C"`` (default: left).
        x, width
            Left edge and width in mm (default: the full text width), e.g. for two tables side by side.
        wrap
            Let long cells run onto more lines instead of cutting them (short tables whose every word
            counts, such as the bid figures).
        """
        n = len(header)
        shares = list(widths) if widths else [1 / n] * n
        total = sum(shares)
        full = width or self.content_width
        ws = [full * s / total for s in shares]
        al = [str(a) for a in align] if align else ["L"] * n
        line_h = size * 0.5 + 0.7
        self.set_font(_FONT, "B", size)
        head = [_fit(self, text, w - 1) for w, text in zip(ws, header, strict=True)]
        self.set_font(_FONT, "", size)
        self.set_text_color(*INK)
        self.set_fill_color(255, 255, 255)  # the rows between the bands (fpdf2 paints them in the current fill)
        heading = FontFace(family=_FONT, emphasis="BOLD", size_pt=size, color=(255, 255, 255), fill_color=ACCENT)
        self.set_x(self.l_margin if x is None else x)
        with self.table(width=full, col_widths=ws, align="LEFT", v_align="MIDDLE", line_height=line_h,
                        borders_layout="NONE", cell_fill_color=_BAND, cell_fill_mode="EVEN_ROWS",
                        headings_style=heading, repeat_headings=1, first_row_as_headings=True) as table:
            cells = table.row()
            for text, a in zip(head, al, strict=True):
                cells.cell(text, align=a, padding=_cell_padding(a, 0.3))
            for row in rows:
                cells = table.row()
                for w, text, a in zip(ws, row, al, strict=True):
                    cells.cell(str(text) if wrap else _fit(self, str(text), w - 1), align=a,
                               padding=_cell_padding(a))
        self.ln(2)

    def image_png(self, png: bytes, *, width_mm: float | None = None, x: float | None = None,
                  caption: str = "") -> None:
        """Embed a PNG (bytes) at ``width_mm`` (default: text width), centred, with an optional caption."""
        from PIL import Image

        w = width_mm or self.content_width
        with Image.open(io.BytesIO(png)) as im:
            h = w * im.height / im.width
        self._room(h + (6 if caption else 2))
        left = x if x is not None else self.l_margin + (self.content_width - w) / 2
        self.image(io.BytesIO(png), x=left, y=self.get_y(), w=w, h=h)
        self.set_y(self.get_y() + h + 1)
        if caption:
            self.set_font(_FONT, "I", 7.5)
            self.set_text_color(*MUTED)
            self.set_x(left)
            self.multi_cell(w, 3.8, caption, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_text_color(*INK)
        self.ln(1.5)

    def sources(self, dataset_ids: Iterable[str], *, extra: Iterable[str] = (),
                heading: str = "Sources and licences") -> None:
        """Sources-and-licences section: one catalog citation (title, publisher, date, licence) per
        dataset, plus any ``extra`` lines (e.g. the LSOA boundaries notice)."""
        lines = sources_lines(dataset_ids, extra=extra)
        self._room(8 + 3.5 * len(lines))
        self.ln(1)
        self._rule()
        self.ln(1.5)
        self.set_font(_FONT, "B", 8.5)
        self.set_text_color(*MUTED)
        self.cell(self.content_width, 4.5, heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(_FONT, "", 6.8)
        for line in lines:
            self.multi_cell(self.content_width, 3.1, line, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(0.35)
        self.set_text_color(*INK)

    def to_bytes(self) -> bytes:
        """The finished PDF as bytes."""
        return bytes(self.output())


def sources_lines(dataset_ids: Iterable[str], *, extra: Iterable[str] = ()) -> list[str]:
    """Citation lines for catalog datasets plus ``extra``.

    Datasets from the same page with the same licence (e.g. the IMD file, its sub-domains and its
    indicators) share one line: ``Title, date; Title, date — Publisher. Licence. Attribution. URL``.
    """
    groups: dict[tuple[str, str, str], list[Any]] = {}
    for ds_id in dict.fromkeys(dataset_ids):
        ds = get_dataset(ds_id)
        groups.setdefault((ds.url, ds.licence, ds.attribution), []).append(ds)
    out: list[str] = []
    for (url, licence, attribution), items in groups.items():
        if len(items) == 1:
            out.append(f"{items[0].citation()} {url}")
            continue
        titles = "; ".join(f"{d.title}, {d.date}" for d in items)
        publisher = max((d.publisher for d in items), key=len)
        line = f"{titles} — {publisher}. {licence}."
        if attribution:
            line += f" {attribution}."
        out.append(f"{line} {url}")
    out.extend(extra)
    return out


#: a side of a cell with no margin: fpdf2 adds its 1 mm cell margin to a side whose padding is 0
_NO_MARGIN = 1e-6


def _cell_padding(align: str, vertical: float = 0.0) -> tuple[float, float, float, float]:
    """Padding (top, right, bottom, left, mm) that puts text where ``FPDF.cell`` puts it: 1 mm in from
    the side it is aligned to (both for centred text); a fitted text (:func:`_fit`) never wraps."""
    left, right = {"R": (_NO_MARGIN, 1.0), "C": (0.5, 0.5)}.get(align, (1.0, _NO_MARGIN))
    return (vertical, right, vertical, left)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """Shorten ``text`` with an ellipsis so it fits ``width`` mm in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"
