"""What a report is made of: sections holding paragraphs, tables and figures, as plain values.

The report model (:mod:`.model`) computes these once from the session state or the campaign result; the PDF
(:mod:`.pdf`) and HTML (:mod:`.html`) renderers only lay them out, so the two documents say the same thing.
Text is plain (renderers escape it); figures are PNG bytes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

VERDICTS = ("no change", "watch", "alarm")


@dataclass(frozen=True)
class Paragraph:
    """A paragraph; ``kind`` is ``"body"``, ``"note"`` (smaller, grey) or ``"warning"`` (flagged)."""

    text: str
    kind: str = "body"


@dataclass(frozen=True)
class Table:
    """A table that may run over several pages (its header repeats).

    header : column titles (None: a two-column key/value list without a header row)
    rows : cells as text
    align : one letter per column, ``"l"`` or ``"r"``
    widths : relative column widths (None: equal)
    caption : shown above the table, numbered by the renderer
    """

    header: Optional[tuple[str, ...]]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    align: str = ""
    widths: Optional[tuple[float, ...]] = None
    mono: tuple[int, ...] = ()  # columns set in a monospaced font (hashes)

    def column_align(self, k: int) -> str:
        return self.align[k] if k < len(self.align) else "l"


@dataclass(frozen=True)
class Figure:
    """A chart. ``png``: the image at print resolution; ``width``: fraction of the text width."""

    png: bytes
    caption: str
    width: float = 1.0
    pixel_size: tuple[int, int] = (0, 0)  # (width, height) in pixels, for the aspect ratio


@dataclass(frozen=True)
class FigureGrid:
    """Figures side by side, ``columns`` per row (mode shapes)."""

    figures: tuple[Figure, ...]
    columns: int = 2


@dataclass(frozen=True)
class Verdict:
    """The monitoring verdict: ``level`` one of :data:`VERDICTS` (None: no monitoring verdict), and its headline."""

    level: Optional[str]
    headline: str


Block = Union[Paragraph, Table, Figure, FigureGrid, Verdict]


@dataclass(frozen=True)
class Section:
    """A numbered section (``level`` 1) or subsection (2); ``number`` such as ``"3"`` or ``"A"``."""

    title: str
    blocks: tuple[Block, ...]
    number: str = ""
    level: int = 1
    subsections: tuple["Section", ...] = ()

    @property
    def heading(self) -> str:
        return f"{self.number} {self.title}".strip()

    @property
    def printed_heading(self) -> str:
        """The heading as the PDF and the HTML print it (the appendix spelt out)."""
        return f"Appendix A {self.title}" if self.number == "A" else self.heading

    @property
    def anchor(self) -> str:
        """The section's link target, the same in the PDF (contents, bookmarks) and the HTML."""
        return "s-" + (self.number or self.title).replace(".", "-").replace(" ", "-")


@dataclass(frozen=True)
class Report:
    """The whole report: the title block's fields (label, value), then the sections in order."""

    title: str
    fields: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    generated: str
    software: str
    header: str = ""  # running header: report number, revision, structure
    keywords: tuple[str, ...] = field(default_factory=tuple)

    def walk(self):
        """Every section and subsection, depth first."""
        def visit(s):
            yield s
            for sub in s.subsections:
                yield from visit(sub)
        for s in self.sections:
            yield from visit(s)

    def section(self, title_start: str) -> Section:
        return next(s for s in self.walk() if s.title.startswith(title_start))

    def text(self) -> str:
        """All the words of the report (for tests and search): titles, fields, paragraphs, table cells, captions."""
        out = [self.title] + [f"{k}: {v}" for k, v in self.fields]
        for s in self.walk():
            out.append(s.heading)
            for b in s.blocks:
                if isinstance(b, Paragraph):
                    out.append(b.text)
                elif isinstance(b, Verdict):
                    out.append(b.headline)
                elif isinstance(b, Table):
                    out.append(b.caption)
                    out += [" | ".join(r) for r in ((b.header,) if b.header else ()) + b.rows]
                elif isinstance(b, Figure):
                    out.append(b.caption)
                elif isinstance(b, FigureGrid):
                    out += [f.caption for f in b.figures]
        return "\n".join(out)
