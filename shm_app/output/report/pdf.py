"""The report as PDF, laid out by ReportLab's platypus: paragraphs wrap, tables run over pages with their
header repeated, figures keep their captions, every page says "page x of y", and the sections are PDF bookmarks.

Text is set in DejaVu Sans (shipped with matplotlib), which has the Greek letters and symbols the report uses
(σ, ζ, ±, °); no text is smaller than 7 pt.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Union
from xml.sax.saxutils import escape

from shm_app.output.report.blocks import Figure, FigureGrid, Paragraph, Report, Section, Table, Verdict

FONT, BOLD, ITALIC, MONO = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSansMono"
VERDICT_COLOURS = {"alarm": "#c0392b", "watch": "#d68910", "no change": "#1e8449", None: "#5d6d7e"}


def _register_fonts() -> None:
    import matplotlib
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for name in (FONT, BOLD, ITALIC, MONO):
        pdfmetrics.registerFont(TTFont(name, str(folder / f"{name}.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVuSans-BoldOblique", str(folder / "DejaVuSans-BoldOblique.ttf")))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, BOLD)
    addMapping(FONT, 0, 1, ITALIC)
    addMapping(FONT, 1, 1, "DejaVuSans-BoldOblique")


def _styles():
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, spaceAfter=5)
    return {
        "title": ParagraphStyle("title", body, fontName=BOLD, fontSize=18, leading=22, spaceAfter=10),
        "h1": ParagraphStyle("h1", body, fontName=BOLD, fontSize=13, leading=16, spaceBefore=10, spaceAfter=6,
                             keepWithNext=True, textColor=colors.HexColor("#1a3c5e")),
        "h2": ParagraphStyle("h2", body, fontName=BOLD, fontSize=10.5, leading=13, spaceBefore=8, spaceAfter=4,
                             keepWithNext=True, textColor=colors.HexColor("#1a3c5e")),
        "body": body,
        "note": ParagraphStyle("note", body, fontSize=8, leading=10.5, textColor=colors.HexColor("#4d4d4d")),
        "warning": ParagraphStyle("warning", body, fontSize=8.5, leading=11, leftIndent=10, bulletIndent=0,
                                  textColor=colors.HexColor("#7b3f00")),
        "caption": ParagraphStyle("caption", body, fontName=ITALIC, fontSize=8, leading=10, spaceBefore=2,
                                  spaceAfter=8, textColor=colors.HexColor("#333333")),
        "tcaption": ParagraphStyle("tcaption", body, fontName=ITALIC, fontSize=8, leading=10, spaceAfter=3,
                                   keepWithNext=True, textColor=colors.HexColor("#333333")),
        "cell": ParagraphStyle("cell", body, fontSize=7.5, leading=9.2, spaceAfter=0),
        "cellr": ParagraphStyle("cellr", body, fontSize=7.5, leading=9.2, spaceAfter=0, alignment=2),
        "mono": ParagraphStyle("mono", body, fontName=MONO, fontSize=7, leading=9, spaceAfter=0),
        "head": ParagraphStyle("head", body, fontName=BOLD, fontSize=7.5, leading=9.2, spaceAfter=0),
        "headr": ParagraphStyle("headr", body, fontName=BOLD, fontSize=7.5, leading=9.2, spaceAfter=0,
                                alignment=2),
        "lead": ParagraphStyle("lead", body, keepWithNext=True),
        "verdict": ParagraphStyle("verdict", body, fontName=BOLD, fontSize=11.5, leading=14, spaceAfter=0,
                                  textColor=colors.white),
        "toc1": ParagraphStyle("toc1", body, fontName=BOLD, fontSize=8.5, leading=11, spaceAfter=0,
                               spaceBefore=2),
        "toc2": ParagraphStyle("toc2", body, fontSize=8, leading=10, spaceAfter=0, leftIndent=14),
        "tocpage": ParagraphStyle("tocpage", body, fontSize=8, leading=10, spaceAfter=0, alignment=2),
        "field": ParagraphStyle("field", body, fontSize=8.5, leading=10.5, spaceAfter=0),
        "fieldlabel": ParagraphStyle("fieldlabel", body, fontName=BOLD, fontSize=8.5, leading=10.5, spaceAfter=0,
                                     textColor=colors.HexColor("#4d4d4d")),
    }


class _Counter:
    def __init__(self) -> None:
        self.table = 0
        self.figure = 0


def _table(t: Table, width: float, st: dict, n: _Counter) -> list:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph as P
    from reportlab.platypus import Table as T
    from reportlab.platypus import TableStyle

    ncol = len(t.header) if t.header else (len(t.rows[0]) if t.rows else 2)
    rel = t.widths or (1.0,) * ncol
    widths = [width * w / sum(rel) for w in rel]

    def cell(text: str, k: int):
        style = st["mono"] if k in t.mono else st["cellr"] if t.column_align(k) == "r" else st["cell"]
        return P(escape(text).replace("\n", "<br/>"), style)

    data = [[P(escape(h), st["headr"] if t.column_align(k) == "r" else st["head"]) for k, h in enumerate(t.header)]
            ] if t.header else []
    data += [[cell(c, k) for k, c in enumerate(row)] for row in t.rows]
    if not data:
        return []
    table = T(data, colWidths=widths, repeatRows=1 if t.header else 0, hAlign="LEFT")
    style = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, -1), (-1, -1), 0.6, colors.HexColor("#1a3c5e")),
             ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
             ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
    if t.header:
        style += [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde6ee")),
                  ("LINEABOVE", (0, 0), (-1, 0), 0.6, colors.HexColor("#1a3c5e")),
                  ("LINEBELOW", (0, 0), (-1, 0), 0.4, colors.HexColor("#1a3c5e")),
                  ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f4f6f8")])]
    else:
        style += [("LINEABOVE", (0, 0), (-1, 0), 0.6, colors.HexColor("#1a3c5e")),
                  ("ROWBACKGROUNDS", (0, 0), (-1, -1), [colors.white, colors.HexColor("#f4f6f8")])]
    table.setStyle(TableStyle(style))
    out = []
    if t.caption:
        n.table += 1
        out.append(P(f"Table {n.table}. {escape(t.caption)}", st["tcaption"]))
    return out + [table, _spacer(6)]


def _spacer(h: float):
    from reportlab.platypus import Spacer

    return Spacer(1, h)


def _image(f: Figure, width: float):
    from reportlab.platypus import Image

    w, h = f.pixel_size if f.pixel_size[0] else (4, 3)
    return Image(io.BytesIO(f.png), width=width, height=width * h / w)


def _figure(f: Figure, width: float, st: dict, n: _Counter) -> list:
    from reportlab.platypus import KeepTogether
    from reportlab.platypus import Paragraph as P

    n.figure += 1
    return [KeepTogether([_image(f, width * f.width),
                          P(f"Figure {n.figure}. {escape(f.caption)}", st["caption"])])]


def _grid(g: FigureGrid, width: float, st: dict, n: _Counter) -> list:
    from reportlab.platypus import Paragraph as P
    from reportlab.platypus import Table as T
    from reportlab.platypus import TableStyle

    w = width / g.columns
    cells = []
    for f in g.figures:
        n.figure += 1
        cells.append([_image(f, w - 6), P(f"Figure {n.figure}. {escape(f.caption)}", st["caption"])])
    rows = [cells[k:k + g.columns] + [""] * (g.columns - len(cells[k:k + g.columns]))
            for k in range(0, len(cells), g.columns)]
    if not rows:
        return []
    table = T(rows, colWidths=[w] * g.columns, hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 6)]))
    return [table]


def _verdict(v: Verdict, width: float, st: dict) -> list:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph as P
    from reportlab.platypus import Table as T
    from reportlab.platypus import TableStyle

    box = T([[P(escape(v.headline), st["verdict"])]], colWidths=[width])
    box.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(VERDICT_COLOURS.get(v.level))),
                             ("TOPPADDING", (0, 0), (-1, -1), 7), ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                             ("LEFTPADDING", (0, 0), (-1, -1), 9)]))
    return [box, _spacer(8)]


def _heading(section: Section, st: dict):
    from reportlab.platypus import Paragraph as P

    p = P(escape(section.printed_heading), st["h1" if section.level == 1 else "h2"])
    p.outline = (section.printed_heading, section.level - 1, section.anchor)
    return p


def _contents(report: Report, width: float, st: dict, pages: dict) -> list:
    """The table of contents: every section and subsection with its page (from the previous pass; blank in the
    first, whose layout is the same because the page column has a fixed width) and a link to it."""
    from reportlab.lib import colors
    from reportlab.platypus import PageBreak
    from reportlab.platypus import Paragraph as P
    from reportlab.platypus import Table as T
    from reportlab.platypus import TableStyle

    rows, levels = [], []
    for s in report.sections:
        for x in (s, *s.subsections):
            style = st["toc1" if x.level == 1 else "toc2"]
            rows.append([P(f'<a href="#{x.anchor}">{escape(x.printed_heading)}</a>', style),
                         P(str(pages.get(x.anchor, "")), st["tocpage"])])
            levels.append(x.level)
    table = T(rows, colWidths=[width - 14 * 2.835, 14 * 2.835])
    commands = [("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]
    commands += [("LINEBELOW", (0, k), (-1, k), 0.3, colors.HexColor("#c8d0d8"))
                 for k, level in enumerate(levels) if level == 1]
    table.setStyle(TableStyle(commands))
    return [P("Contents", st["h1"]), table, PageBreak()]  # the summary starts a page: its figure stays with it


def _section(s: Section, width: float, st: dict, n: _Counter) -> list:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import CondPageBreak, KeepTogether
    from reportlab.platypus import Paragraph as P

    out = [CondPageBreak(0.35 * A4[1])] if s.number == "A" else []
    out.append(_heading(s, st))
    first = len(out)
    for k, b in enumerate(s.blocks):
        if isinstance(b, Paragraph):
            text = escape(b.text)
            leads = b.kind == "body" and k + 1 < len(s.blocks) and isinstance(s.blocks[k + 1], (Figure, FigureGrid))
            out.append(P(("⚠ " + text) if b.kind == "warning" else text, st["lead" if leads else b.kind]))
        elif isinstance(b, Table):
            out += _table(b, width, st, n)
        elif isinstance(b, Figure):
            out += _figure(b, width, st, n)
        elif isinstance(b, FigureGrid):
            out += _grid(b, width, st, n)
        elif isinstance(b, Verdict):
            out += _verdict(b, width, st)
        lead_in = k == 0 or (k == 1 and isinstance(s.blocks[0], Paragraph))
        if lead_in and isinstance(b, Figure):  # a heading (and its lead paragraph) go with the figure below them
            out[first - 1:] = [KeepTogether(out[first - 1:])]
    for sub in s.subsections:
        out += _section(sub, width, st, n)
    return out


def _title_block(report: Report, width: float, st: dict) -> list:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph as P
    from reportlab.platypus import Table as T
    from reportlab.platypus import TableStyle

    fields = list(report.fields)
    half = (len(fields) + 1) // 2
    rows = []
    for k in range(half):
        row = []
        for label, value in (fields[k], fields[k + half] if k + half < len(fields) else ("", "")):
            row += [P(escape(label), st["fieldlabel"]), P(escape(value), st["field"])]
        rows.append(row)
    table = T(rows, colWidths=[width * w for w in (0.16, 0.34, 0.16, 0.34)])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEABOVE", (0, 0), (-1, 0), 1.2, colors.HexColor("#1a3c5e")),
                               ("LINEBELOW", (0, -1), (-1, -1), 1.2, colors.HexColor("#1a3c5e")),
                               ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f4f6f8")),
                               ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
    return [P(escape(report.title), st["title"]), table, _spacer(10)]


def render(report: Report, path: Union[str, Path]) -> None:
    """Write ``report`` as a PDF to ``path`` (the caller makes it atomic)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Frame, PageTemplate
    from reportlab.platypus.doctemplate import BaseDocTemplate

    _register_fonts()
    st = _styles()
    margin = 20 * mm

    def decorate(total: int):
        def on_page(canvas, doc) -> None:
            canvas.saveState()
            canvas.setFont(FONT, 7.5)
            canvas.setFillColorRGB(0.35, 0.35, 0.35)
            canvas.drawString(margin, 12 * mm, f"{report.software} · generated {report.generated}")
            canvas.drawRightString(A4[0] - margin, 12 * mm, f"page {doc.page} of {total or '?'}")
            if doc.page > 1:
                canvas.drawString(margin, A4[1] - 12 * mm, report.header[:120])
                canvas.setStrokeColorRGB(0.7, 0.7, 0.7)
                canvas.line(margin, A4[1] - 13.5 * mm, A4[0] - margin, A4[1] - 13.5 * mm)
            canvas.restoreState()
        return on_page

    class Document(BaseDocTemplate):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.section_pages: dict[str, int] = {}

        def afterFlowable(self, flowable):
            outline = getattr(flowable, "outline", None)
            if outline:
                text, level, key = outline
                self.canv.bookmarkPage(key)
                self.canv.addOutlineEntry(text, key, level=level, closed=False)
                self.section_pages[key] = self.page

    def build(target, total: int, pages: dict) -> tuple[int, dict]:
        doc = Document(target, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=18 * mm,
                       bottomMargin=18 * mm, title=report.title, author=dict(report.fields).get("Author", ""),
                       subject="Structural health monitoring report", creator=report.software)
        frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="text")
        doc.addPageTemplates([PageTemplate("page", [frame], onPage=decorate(total))])
        counter = _Counter()
        story = _title_block(report, doc.width, st) + _contents(report, doc.width, st, pages)
        for s in report.sections:
            story += _section(s, doc.width, st, counter)
        doc.build(story)
        return doc.page, doc.section_pages

    # "page x of y" and the contents' page numbers: the first pass counts the pages, the second writes them
    build(str(path), *build(io.BytesIO(), 0, {}))
