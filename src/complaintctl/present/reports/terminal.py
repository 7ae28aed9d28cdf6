"""A report on the terminal: a Rich table per table, with a bar chart or a sparkline beside it."""

from __future__ import annotations

from complaintctl.present import render
from complaintctl.i18n import _
from complaintctl.present.reports.values import chart_data, has_total_row
from complaintctl.present.reports.flat import cell, subtitle, total_cell

SPARKS = "▁▂▃▄▅▆▇█"
COLOURS = ("blue", "dark_orange", "green", "magenta", "red", "grey50")


def sparkline(values: list[float]) -> str:
    """``[0, 3, 6]`` -> ``▁▄█``: one block per value, scaled to the largest."""
    peak = max(values, default=0) or 1
    return "".join(SPARKS[min(len(SPARKS) - 1, int(v / peak * (len(SPARKS) - 1) + 0.5))]
                   for v in values)


def bar_chart(labels: list[str], series: list[tuple[str, str]], values: list[dict],
              width: int = 40):
    """Horizontal bars drawn with block characters, one line per label and series."""
    from rich.table import Table

    peak = max((float(v.get(k) or 0) for v in values for k, _h in series), default=0) or 1
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column()
    for name, figures in zip(labels, values, strict=True):
        for i, (key, header) in enumerate(series):
            value = float(figures.get(key) or 0)
            bar = render.text("█" * max(0, round(width * value / peak)), COLOURS[i % len(COLOURS)])
            bar.append_text(render.text(f" {value:g}" + (f" {header}" if len(series) > 1 else ""),
                                        "dim"))
            grid.add_row(render.text(name if i == 0 else ""), bar)
    return grid


def show(report) -> None:
    from rich.table import Table

    console = render.out()
    console.print(render.text(report.title, "bold", cell=False))
    console.print(render.text(subtitle(report), "dim", cell=False))
    for table in report.tables:
        t = Table(title=render.title_text(table.title if len(report.tables) > 1 else None),
                  header_style="bold", show_footer=has_total_row(table))
        mark = table.chart.mark if table.chart else None
        for i, column in enumerate(table.columns):
            footer = total_cell(table, column, i) if has_total_row(table) else ""
            t.add_column(render.text(column.header), footer=render.text(footer),
                         justify="left" if column.kind in ("text", "list") else "right",
                         overflow="fold")
        for row in table.rows:
            t.add_row(*(render.text(cell(row, c)) for c in table.columns),
                      style="red" if mark and row.get(mark) else None)
        if table.rows:
            console.print(t)
        else:
            render.message(_("Nothing to show for {title}.").format(title=table.title))
        chart = chart_data(table)
        if chart is None:
            continue
        kind, labels, series, values, mark = chart
        if kind == "line":
            for key, header in series:
                line = sparkline([float(v.get(key) or 0) for v in values])
                console.print(render.text(f"{header}: ", "bold", cell=False)
                              + render.text(line, "blue", cell=False))
            if mark:
                spikes = [name for name, v in zip(labels, values, strict=True) if v.get(mark)]
                if spikes:
                    console.print(render.text(_("Spikes: {when}").format(
                        when=", ".join(spikes)), "red", cell=False))
        else:
            console.print(bar_chart(labels, series, values))
