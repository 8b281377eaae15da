# SPDX-License-Identifier: AGPL-3.0-or-later
"""The PDF layout of invoices and credit notes (ReportLab, A4).

First page: letterhead (logo, seller, ids and contact), title, bill-to block beside the
document facts (number, dates, period, corrected invoice), the lines table, the totals (one tax
line per rate), payment instructions and notes. Every page: the footer text and "Page n of m";
pages after the first repeat the table header and name the document at the top.

Output is deterministic: ReportLab's invariant mode (no random file id) and the document's own
issue time as creation date, so the same document renders to the same bytes.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.boxstuff import aspectRatioFix
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, _digester, simpleSplit
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    LongTable,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from seatline.documents.content import DocumentContent
from seatline.documents.fonts import FontPair, fonts_for
from seatline.documents.formatting import pdf_text

# Binary (not ASCII85) streams: smaller files, and no encoding pass over every image.
rl_config.useA85 = 0

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
FOOTER_HEIGHT = 16 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
LOGO_BOX = (45 * mm, 20 * mm)
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
RULE = colors.HexColor("#cbd2d9")
HEADER_FILL = colors.HexColor("#eef1f4")


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int


@dataclass(frozen=True)
class _Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    small_right: ParagraphStyle
    bold: ParagraphStyle
    title: ParagraphStyle
    heading: ParagraphStyle
    cell: ParagraphStyle
    cell_detail: ParagraphStyle
    seller: ParagraphStyle
    seller_name: ParagraphStyle


@lru_cache(maxsize=8)
def _styles(fonts: FontPair) -> _Styles:
    """The paragraph styles of a font pair (made once: `_Paragraph` remembers parses per style)."""

    def style(name: str, **values: Any) -> ParagraphStyle:
        values.setdefault("fontName", fonts.regular)
        values.setdefault("fontSize", 9)
        values.setdefault("leading", values["fontSize"] * 1.25)
        values.setdefault("textColor", INK)
        return ParagraphStyle(name, **values)

    return _Styles(
        body=style("body"),
        small=style("small", fontSize=7.5, textColor=MUTED),
        small_right=style("small_right", fontSize=7.5, textColor=MUTED, alignment=TA_RIGHT),
        bold=style("bold", fontName=fonts.bold),
        title=style("title", fontName=fonts.bold, fontSize=20, leading=24, spaceAfter=2),
        heading=style("heading", fontName=fonts.bold, fontSize=9.5, spaceBefore=10, spaceAfter=3),
        cell=style("cell", fontSize=8.5),
        cell_detail=style("cell_detail", fontSize=7, textColor=MUTED),
        seller=style("seller", fontSize=8.5, alignment=TA_RIGHT),
        seller_name=style("seller_name", fontName=fonts.bold, fontSize=11, alignment=TA_RIGHT),
    )


_splits: dict[tuple[str, str, float, float], list[str]] = {}


def _split(text: str, font: str, size: float, width: float) -> list[str]:
    """`simpleSplit` remembered per process (a pure function of its arguments; table cells are
    wrapped several times per document and the same descriptions recur in every document)."""
    key = (text, font, size, width)
    lines = _splits.get(key)
    if lines is None:
        if len(_splits) >= 20_000:
            _splits.clear()
        lines = _splits[key] = simpleSplit(text, font, size, width)
    return list(lines)


class _Paragraph(Paragraph):
    """A Paragraph whose parse of plain text (one fragment, no markup) is remembered per process
    and style: the letterhead, labels and bank details recur in every document. Wrapping and
    drawing only read the fragments, so the result is the Paragraph's own."""

    _parsed: dict[tuple[str, int, str], tuple[Any, ...]] = {}

    def _setup(self, text: str, style: Any, bulletText: Any, frags: Any, cleaner: Any) -> None:
        key = (text, id(style), style.name)
        cached = self._parsed.get(key)
        if cached is None or frags is not None:
            super()._setup(text, style, bulletText, frags, cleaner)
            if frags is None and len(self.frags) == 1 and not bulletText:
                if len(self._parsed) >= 20_000:
                    self._parsed.clear()
                self._parsed[key] = (self.text, self.frags, self.style, self.bulletText)
            return
        self.text, self.frags, self.style, self.bulletText = cached
        self.debug = 0


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return _Paragraph(escape(pdf_text(text)), style)


class TextCell(Flowable):
    """Lines of plain text wrapped to the cell width: a cheap stand-in for Paragraph in table
    cells (no markup parsing), e.g. a line's description above its muted type label."""

    def __init__(self, parts: list[tuple[str, str, float, Any]]) -> None:
        super().__init__()
        self.parts = parts  # (text, font, size, colour)
        self._lines: list[tuple[str, str, float, Any]] = []

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self._lines = []
        for text, font, size, colour in self.parts:
            for line in _split(text, font, size, available_width) or [""]:
                self._lines.append((line, font, size, colour))
        self.width = available_width
        self.height = sum(size * 1.22 for _, _, size, _ in self._lines)
        return self.width, self.height

    def draw(self) -> None:
        y = self.height
        for text, font, size, colour in self._lines:
            y -= size * 1.22
            self.canv.setFont(font, size)
            self.canv.setFillColor(colour)
            self.canv.drawString(0, y + size * 0.22, text)


class _PreparedImage:
    """An image decoded, compressed and named once per process: what `Canvas.drawImage` makes
    of an `ImageReader` in every document (its RGB data, MD5 name and zlib-compressed XObject),
    kept to be registered again in the next document (`DocumentCanvas.drawImage`)."""

    def __init__(self, data: bytes) -> None:
        self.reader = ImageReader(io.BytesIO(data))
        self.size: tuple[int, int] = self.reader.getSize()
        rawdata = self.reader.getRGBData()
        smask = self.reader._dataA
        mdata = smask.getRGBData() if smask else b"auto"  # drawImage's mask="auto" signature
        self.name: str = _digester(rawdata + mdata)
        self.xobject = pdfdoc.PDFImageXObject(self.name, self.reader, mask="auto")
        self.xobject.name = self.name


_prepared_images: dict[int, _PreparedImage] = {}  # id(reader) -> prepared (kept alive by the cache)


@lru_cache(maxsize=4)
def _prepared_image(data: bytes) -> _PreparedImage | None:
    try:
        prepared = _PreparedImage(data)
    except Exception:  # an unreadable logo is left out rather than failing the document
        return None
    _prepared_images[id(prepared.reader)] = prepared
    return prepared


class _LogoImage(Image):
    """The platypus Image of a prepared logo (drawn by `DocumentCanvas.drawImage`)."""

    def __init__(self, prepared: _PreparedImage, width: float, height: float) -> None:
        self._img = prepared.reader
        super().__init__(io.BytesIO(b""), width=width, height=height, hAlign="LEFT")


def _logo(data: bytes | None) -> Image | None:
    if not data:
        return None
    prepared = _prepared_image(data)
    if prepared is None:
        return None
    width, height = prepared.size
    scale = min(LOGO_BOX[0] / width, LOGO_BOX[1] / height)
    return _LogoImage(prepared, width * scale, height * scale)


def _letterhead(content: DocumentContent, st: _Styles) -> Table:
    seller: list[Any] = []
    if content.seller:
        seller.append(_p(content.seller[0], st.seller_name))
        seller += [_p(line, st.seller) for line in content.seller[1:]]
    seller += [_p(line, st.seller) for line in content.seller_details]
    left: Any = _logo(content.logo) or ""
    table = Table([[left, seller]], colWidths=[CONTENT_WIDTH * 0.45, CONTENT_WIDTH * 0.55])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _addresses(content: DocumentContent, st: _Styles, fonts: FontPair) -> Table:
    bill_to: list[Any] = [_p(content.bill_to_label, st.small)]
    if content.bill_to:
        bill_to.append(_p(content.bill_to[0], st.bold))
        bill_to += [_p(line, st.body) for line in content.bill_to[1:]]
    facts = Table(
        [[_p(label, st.small), _p(value, st.body)] for label, value in content.facts],
        colWidths=[CONTENT_WIDTH * 0.2, CONTENT_WIDTH * 0.3],
    )
    facts.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    table = Table([[bill_to, facts]], colWidths=[CONTENT_WIDTH * 0.5, CONTENT_WIDTH * 0.5])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _column_widths(show_discount: bool) -> list[float]:
    with_discount = [0.28, 0.26, 0.07, 0.13, 0.12, 0.14]
    fractions = with_discount if show_discount else [0.36, 0.27, 0.07, 0.14, 0.16]
    return [CONTENT_WIDTH * fraction for fraction in fractions]


def _lines_table(content: DocumentContent, st: _Styles, fonts: FontPair) -> LongTable:
    header = [pdf_text(title) for title in content.columns]
    data: list[list[Any]] = [header]
    for row in content.lines:
        parts = [(pdf_text(row.description), fonts.regular, 8.5, INK)]
        if row.detail:
            parts.append((pdf_text(row.detail), fonts.regular, 7, MUTED))
        period = TextCell([(pdf_text(row.period), fonts.regular, 8.5, INK)])
        cells: list[Any] = [TextCell(parts), period, pdf_text(row.quantity)]
        cells.append(pdf_text(row.unit_price))
        if content.show_discount:
            cells.append(pdf_text(row.discount))
        cells.append(pdf_text(row.amount))
        data.append(cells)
    table = LongTable(data, colWidths=_column_widths(content.show_discount), repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, 0), fonts.bold, 8),
        ("FONT", (0, 1), (-1, -1), fonts.regular, 8.5),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    table.setStyle(TableStyle(commands))
    return table


def _totals(content: DocumentContent, st: _Styles, fonts: FontPair) -> Table:
    data = [[pdf_text(label), pdf_text(value)] for label, value, _ in content.totals]
    table = Table(data, colWidths=[CONTENT_WIDTH * 0.28, CONTENT_WIDTH * 0.2], hAlign="RIGHT")
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), fonts.regular, 9),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for index, (_, _, emphasised) in enumerate(content.totals):
        if emphasised:
            commands.append(("FONT", (0, index), (-1, index), fonts.bold, 10))
            commands.append(("LINEABOVE", (0, index), (-1, index), 0.6, INK))
    table.setStyle(TableStyle(commands))
    return table


def _story(content: DocumentContent, fonts: FontPair) -> list[Any]:
    st = _styles(fonts)
    story: list[Any] = [_letterhead(content, st), Spacer(1, 8 * mm)]
    story.append(_p(content.title, st.title))
    story.append(_p(content.number, st.bold))
    story += [Spacer(1, 5 * mm), _addresses(content, st, fonts), Spacer(1, 7 * mm)]
    story.append(_lines_table(content, st, fonts))
    story += [Spacer(1, 4 * mm), KeepTogether([_totals(content, st, fonts)])]
    if content.payment:
        block = [_p(content.payment_label, st.heading)] + [_p(line, st.body) for line in content.payment]
        story.append(KeepTogether(block))
    if content.notes:
        story.append(
            KeepTogether([_p(content.notes_label, st.heading)] + [_p(n, st.body) for n in content.notes])
        )
    return story


def _canvas_class(content: DocumentContent, fonts: FontPair) -> type[Canvas]:
    """A canvas that holds its pages until the end to write "Page n of m" on each."""
    stamp = content.created.astimezone(dt.UTC).strftime("D:%Y%m%d%H%M%S+00'00'")

    class DocumentCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []
            self.setDateFormatter(lambda *parts: stamp)
            self.setTitle(pdf_text(content.subject))
            self.setSubject(pdf_text(content.subject))
            self.setAuthor(pdf_text(content.seller[0]) if content.seller else "")
            self.setCreator("Seatline")

        def drawImage(  # ReportLab's name
            self, image: Any, x: float, y: float, width: float, height: float, mask: Any = None, **kwargs: Any
        ) -> Any:
            prepared = _prepared_images.get(id(image))
            if prepared is None or prepared.reader is not image or mask != "auto" or kwargs:
                return super().drawImage(image, x, y, width, height, mask=mask, **kwargs)
            return self._draw_prepared(prepared, x, y, width, height)

        def _draw_prepared(
            self, prepared: _PreparedImage, x: float, y: float, width: float, height: float
        ) -> None:
            """`Canvas.drawImage` of an ImageReader with mask="auto", from the prepared XObject:
            the same registration and drawing operators, without decoding and compressing."""
            self._currentPageHasImages = 1
            name = prepared.name
            reg_name = self._doc.getXObjectName(name)
            img_obj = self._doc.idToObject.get(reg_name, None)
            if not img_obj:
                img_obj = copy.copy(prepared.xobject)
                self._setXObjects(img_obj)
                self._doc.Reference(img_obj, reg_name)
                self._doc.addForm(name, img_obj)
                smask = getattr(img_obj, "_smask", None)
                if smask:
                    smask = copy.copy(smask)
                    mask_name = self._doc.getXObjectName(smask.name)
                    if not self._doc.idToObject.get(mask_name, None):
                        self._setXObjects(smask)
                        img_obj.smask = self._doc.Reference(smask, mask_name)
                    else:
                        img_obj.smask = pdfdoc.PDFObjectReference(mask_name)
                    del img_obj._smask
            x, y, width, height, _ = aspectRatioFix(
                False, "c", x, y, width, height, img_obj.width, img_obj.height, False
            )
            self.saveState()
            self.translate(x, y)
            self.scale(width, height)
            self._code.append(f"/{reg_name} Do")
            self.restoreState()
            self._formsinuse.append(name)

        def showPage(self) -> None:  # ReportLab's name
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for state in self._held:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            page = self.getPageNumber()
            self.saveState()
            self.setFillColor(MUTED)
            self.setFont(fonts.regular, 7.5)
            label = pdf_text(content.page_label.format(page=page, pages=total))
            self.drawRightString(PAGE_WIDTH - MARGIN, MARGIN - 6 * mm, label)
            footer_lines = _split(pdf_text(content.footer), fonts.regular, 7, CONTENT_WIDTH * 0.78)
            self.setFont(fonts.regular, 7)
            for index, line in enumerate(footer_lines[:3]):
                self.drawString(MARGIN, MARGIN - 6 * mm - index * 8.5, line)
            if page > 1:
                self.setFont(fonts.regular, 8)
                self.drawString(MARGIN, PAGE_HEIGHT - MARGIN + 4 * mm, pdf_text(content.continued))
            if content.draft:
                self.setFillColor(colors.HexColor("#d64545"))
                self.setFont(fonts.bold, 60)
                self.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
                self.rotate(35)
                self.setFillAlpha(0.15)
                self.drawCentredString(0, 0, pdf_text(content.draft_label))
            self.restoreState()

    return DocumentCanvas


def render_pdf(content: DocumentContent) -> RenderedPdf:
    """Lay `content` out as an A4 PDF; the same content gives the same bytes."""
    fonts = fonts_for(content.texts())
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + FOOTER_HEIGHT - 6 * mm,
        invariant=1,
        pageCompression=1,
        lang=content.language,
    )
    frame = Frame(
        document.leftMargin,
        document.bottomMargin,
        document.width,
        document.height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    document.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    document.build(_story(content, fonts), canvasmaker=_canvas_class(content, fonts))
    return RenderedPdf(data=buffer.getvalue(), pages=document.page)
