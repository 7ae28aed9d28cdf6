"""Charts as inline SVG, generated here: horizontal bars and lines. No scripts, no fonts to
fetch; they scale to the page width (viewBox) and print in colour or grey."""

from __future__ import annotations

from html import escape

#: series colours; the first is the one a screenshot test looks for
PALETTE = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#718096")
SPIKE = "#e53e3e"
FONT = "font-family='system-ui, sans-serif' font-size='12'"


def _number(value) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _legend(series: list[tuple[str, str]], y: int) -> list[str]:
    parts, x = [], 8
    for i, (_key, label) in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        parts.append(f"<rect x='{x}' y='{y}' width='12' height='12' fill='{colour}'/>")
        parts.append(f"<text x='{x + 16}' y='{y + 10}' {FONT}>{escape(label)}</text>")
        x += 24 + 8 * len(label)
    return parts


def bars(labels: list[str], series: list[tuple[str, str]], values: list[dict], *,
         title: str = "") -> str:
    """Horizontal grouped bars: one group per label, one bar per series."""
    label_width = min(220, 40 + 7 * max((len(str(x)) for x in labels), default=4))
    width, bar, gap = 720, 14, 10
    group = bar * len(series) + gap
    top = 28 if len(series) > 1 else 8
    height = top + group * len(labels) + 8
    peak = max((_number(v.get(k)) for v in values for k, _l in series), default=0) or 1
    plot = width - label_width - 60
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' "
             f"width='100%' role='img' aria-label='{escape(title)}' class='chart'>"]
    if len(series) > 1:
        parts += _legend(series, 6)
    for row, (label, figures) in enumerate(zip(labels, values, strict=True)):
        y0 = top + row * group
        parts.append(f"<text x='{label_width - 6}' y='{y0 + group / 2}' text-anchor='end' "
                     f"dominant-baseline='middle' {FONT}>{escape(str(label))}</text>")
        for i, (key, _label) in enumerate(series):
            value = _number(figures.get(key))
            length = max(0.0, plot * value / peak)
            y = y0 + i * bar
            parts.append(f"<rect x='{label_width}' y='{y}' width='{length:.1f}' "
                         f"height='{bar - 2}' fill='{PALETTE[i % len(PALETTE)]}'/>")
            parts.append(f"<text x='{label_width + length + 4:.1f}' y='{y + bar / 2}' "
                         f"dominant-baseline='middle' {FONT}>{_fmt(value)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def lines(labels: list[str], series: list[tuple[str, str]], values: list[dict], *,
          mark: str | None = None, title: str = "") -> str:
    """Lines over ordered labels (a trend); points where ``mark`` is true are ringed in red."""
    width, height, left, bottom, top = 720, 260, 44, 40, 30
    plot_w, plot_h = width - left - 12, height - top - bottom
    peak = max((_number(v.get(k)) for v in values for k, _l in series), default=0) or 1
    n = max(1, len(labels) - 1)

    def xy(i: int, value: float) -> tuple[float, float]:
        return left + plot_w * i / n, top + plot_h * (1 - value / peak)

    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' "
             f"width='100%' role='img' aria-label='{escape(title)}' class='chart'>"]
    parts += _legend(series, 6)
    for frac in (0, 0.5, 1):
        y = top + plot_h * (1 - frac)
        parts.append(f"<line x1='{left}' x2='{width - 12}' y1='{y}' y2='{y}' stroke='#cbd5e0'/>")
        parts.append(f"<text x='{left - 6}' y='{y}' text-anchor='end' dominant-baseline='middle' "
                     f"{FONT}>{_fmt(peak * frac)}</text>")
    step = max(1, -(-len(labels) // 6))
    for i, label in enumerate(labels):
        if i % step == 0:
            x, _y = xy(i, 0)
            text = str(label)[5:] if len(str(label)) == 10 else str(label)  # 2026-11-05 -> 11-05
            parts.append(f"<text x='{x:.1f}' y='{height - bottom + 16}' text-anchor='middle' "
                         f"{FONT}>{escape(text)}</text>")
    for s, (key, _label) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        points = [xy(i, _number(v.get(key))) for i, v in enumerate(values)]
        if len(points) == 1:
            points.append((points[0][0] + 1, points[0][1]))
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f"<polyline points='{path}' fill='none' stroke='{colour}' "
                     f"stroke-width='3'/>")
        if s == 0:
            area = f"{left},{top + plot_h} {path} {points[-1][0]:.1f},{top + plot_h}"
            parts.append(f"<polygon points='{area}' fill='{colour}' fill-opacity='0.35'/>")
    if mark:
        for i, v in enumerate(values):
            if v.get(mark):
                x, y = xy(i, _number(v.get(series[0][0])))
                parts.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='6' fill='none' "
                             f"stroke='{SPIKE}' stroke-width='3'/>")
    parts.append("</svg>")
    return "".join(parts)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
