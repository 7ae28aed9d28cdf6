"""A report as one self-contained HTML file: inline CSS and SVG, no scripts, no network.
Readable on a phone (viewport, fluid charts, tables that scroll sideways) and printable."""

from __future__ import annotations

from html import escape

from complaintctl.i18n import _, language
from complaintctl.present.reports.values import chart_data, has_total_row
from complaintctl.present.reports.flat import cell, subtitle, total_cell
from complaintctl.present.reports.svg import bars, lines

HEADER_COLOUR = "#1a365d"

CSS = f"""
*{{box-sizing:border-box}}
body{{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI","PingFang SC","Noto Sans CJK SC",
sans-serif;color:#1a202c;background:#fff}}
header.masthead{{background:{HEADER_COLOUR};color:#fff;padding:16px 20px}}
header.masthead h1{{margin:0 0 4px;font-size:1.6rem}}
header.masthead p{{margin:0;opacity:.9;font-size:.9rem}}
main{{padding:8px 16px 24px;max-width:1100px;margin:0 auto}}
section{{margin:18px 0 28px}}
h2{{font-size:1.15rem;margin:0 0 8px;border-bottom:2px solid #e2e8f0;padding-bottom:4px}}
figure{{margin:8px 0 12px}}
svg.chart{{max-width:100%;height:auto;display:block}}
.scroll{{overflow-x:auto;-webkit-overflow-scrolling:touch}}
table{{border-collapse:collapse;min-width:100%;font-size:.9rem}}
th,td{{padding:5px 8px;border-bottom:1px solid #e2e8f0;white-space:nowrap}}
th{{background:#edf2f7;text-align:left;position:sticky;top:0}}
td.n,th.n{{text-align:right;font-variant-numeric:tabular-nums}}
tr.total td{{font-weight:700;border-top:2px solid #a0aec0}}
tr.mark td{{background:#fff5f5}}
footer{{color:#718096;font-size:.8rem;padding:0 16px 16px;text-align:center}}
@media (max-width:600px){{body{{font-size:14px}}header.masthead h1{{font-size:1.3rem}}
main{{padding:4px 8px 16px}}th,td{{padding:4px 6px}}}}
@media print{{header.masthead{{background:#fff;color:#000;border-bottom:3px solid #000;
-webkit-print-color-adjust:exact;print-color-adjust:exact}}
section{{break-inside:avoid}}.scroll{{overflow:visible}}th{{position:static}}
svg.chart{{max-height:9cm}}a{{color:#000}}}}
"""


def html_text(report) -> str:
    title = escape(report.title)
    parts = [
        "<!DOCTYPE html>",
        f"<html lang='{'zh-CN' if language() == 'zh' else 'en'}'>",
        "<head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{title}</title><style>{CSS}</style></head><body>",
        f"<header class='masthead'><h1>{title}</h1><p>{escape(subtitle(report))}</p></header>",
        "<main>",
    ]
    for table in report.tables:
        parts.append(f"<section id='{escape(table.name)}'><h2>{escape(table.title)}</h2>")
        chart = chart_data(table)
        if chart is not None:
            kind, labels, series, values, mark = chart
            svg = (lines(labels, series, values, mark=mark, title=table.title) if kind == "line"
                   else bars(labels, series, values, title=table.title))
            parts.append(f"<figure>{svg}</figure>")
        parts.append(_table(table))
        parts.append("</section>")
    notes = "".join(f"<p>{escape(n)}</p>" for n in report.notes)
    parts.append(f"</main><footer>{notes}<p>{escape(_('Made by complaintctl'))}</p></footer>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _table(table) -> str:
    if not table.rows:
        return f"<p>{escape(_('Nothing to show.'))}</p>"
    numeric = {c.key for c in table.columns if c.kind not in ("text", "list")}
    head = "".join(f"<th class='{'n' if c.key in numeric else ''}'>{escape(c.header)}</th>"
                   for c in table.columns)
    body = []
    mark = table.chart.mark if table.chart else None
    for row in table.rows:
        css = " class='mark'" if mark and row.get(mark) else ""
        body.append(f"<tr{css}>" + "".join(
            f"<td class='{'n' if c.key in numeric else ''}'>{escape(cell(row, c))}</td>"
            for c in table.columns) + "</tr>")
    if has_total_row(table):
        body.append("<tr class='total'>" + "".join(
            f"<td class='{'n' if c.key in numeric else ''}'>{escape(total_cell(table, c, i))}</td>"
            for i, c in enumerate(table.columns)) + "</tr>")
    return (f"<div class='scroll'><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")
