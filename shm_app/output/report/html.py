"""The report as one self-contained HTML file: the template and style of ``resources/report/`` with the CSS
inline and every figure a ``data:`` URI, so it opens offline and fetches nothing."""
from __future__ import annotations

import base64
from html import escape
from pathlib import Path
from string import Template

from shm_app.output.report.blocks import Figure, FigureGrid, Paragraph, Report, Section, Table, Verdict

RESOURCES = Path(__file__).resolve().parents[3] / "resources" / "report"


class _Counter:
    def __init__(self) -> None:
        self.table = 0
        self.figure = 0


def _table(t: Table, n: _Counter) -> str:
    out = ["<table>"]
    if t.caption:
        n.table += 1
        out.append(f"<caption>Table {n.table}. {escape(t.caption)}</caption>")
    if t.header:
        out.append("<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in t.header) + "</tr></thead>")
    out.append("<tbody>")
    for row in t.rows:
        cells = []
        for k, c in enumerate(row):
            cls = "mono" if k in t.mono else "r" if t.column_align(k) == "r" else ""
            tag = "th" if t.header is None and k == 0 else "td"
            cells.append(f"<{tag}{f' class={chr(34)}{cls}{chr(34)}' if cls else ''}>{escape(c)}</{tag}>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _figure(f: Figure, n: _Counter) -> str:
    n.figure += 1
    data = base64.b64encode(f.png).decode("ascii")
    style = "" if f.width >= 1 else f' style="max-width:{100 * f.width:.0f}%"'
    return (f'<figure{style}><img alt="{escape(f.caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>Figure {n.figure}. {escape(f.caption)}</figcaption></figure>")


def _section(s: Section, n: _Counter) -> str:
    tag = "h2" if s.level == 1 else "h3"
    cls = ' class="appendix"' if s.number == "A" else ""
    out = [f'<section{cls} id="{s.anchor}"><{tag}>{escape(s.printed_heading)}</{tag}>']
    for b in s.blocks:
        if isinstance(b, Paragraph):
            out.append(f'<p class="{b.kind}">{escape(b.text)}</p>')
        elif isinstance(b, Table):
            out.append(_table(b, n))
        elif isinstance(b, Figure):
            out.append(_figure(b, n))
        elif isinstance(b, FigureGrid):
            out.append('<div class="grid">' + "".join(_figure(f, n) for f in b.figures) + "</div>")
        elif isinstance(b, Verdict):
            level = (b.level or "none").replace(" ", "-")
            out.append(f'<div class="verdict {level}">{escape(b.headline)}</div>')
    out += [_section(sub, n) for sub in s.subsections]
    out.append("</section>")
    return "\n".join(out)


def _contents(report: Report) -> str:
    items = []
    for s in report.sections:
        subs = "".join(f'<li><a href="#{x.anchor}">{escape(x.printed_heading)}</a></li>' for x in s.subsections)
        items.append(f'<li><a href="#{s.anchor}">{escape(s.printed_heading)}</a>' + (f"<ol>{subs}</ol>" if subs else "")
                     + "</li>")
    return '<ol style="list-style:none">' + "".join(items) + "</ol>"


def _fields(report: Report) -> str:
    fields = list(report.fields)
    half = (len(fields) + 1) // 2
    rows = []
    for k in range(half):
        right = fields[k + half] if k + half < len(fields) else ("", "")
        rows.append("<tr>" + "".join(f"<th>{escape(a)}</th><td>{escape(b)}</td>" for a, b in (fields[k], right))
                    + "</tr>")
    return "\n".join(rows)


def render_text(report: Report) -> str:
    """The HTML document of ``report``."""
    template = Template((RESOURCES / "report.html").read_text(encoding="utf-8"))
    n = _Counter()
    return template.substitute(
        title=escape(report.title), style=(RESOURCES / "report.css").read_text(encoding="utf-8"),
        header=escape(report.header), fields=_fields(report), contents=_contents(report),
        body="\n".join(_section(s, n) for s in report.sections), software=escape(report.software),
        generated=escape(report.generated))


def render(report: Report, path) -> None:
    Path(path).write_text(render_text(report), encoding="utf-8")
