"""Charts drawn on the server as inline SVG: no script, no CDN, readable without JavaScript,
and the table under each chart carries the same figures for screen readers and exports."""

from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

from .tables import Table, minutes_text, money

WIDTH, HEIGHT = 720, 240
LEFT, BOTTOM, TOP = 90, 40, 12
MAX_BARS = 24


def chart_svg(table: Table) -> SafeString:
    """The table's chart, or an empty string when it has none or nothing to draw."""
    if table.chart == "none" or not table.rows or not table.y:
        return mark_safe("")
    kind = next(c.kind for c in table.columns if c.name == table.y)
    points = [
        (_name(table, row), value, _tick(value, kind))
        for row in table.rows[:MAX_BARS]
        for value in (_number(table, row),)
    ]
    top = max((value for _, value, _ in points), default=0) or 1
    if table.chart == "bar" and any(len(name) > 10 for name, _, _ in points):
        return _horizontal(table, points, top)  # long names read better beside their bars
    draw = _line if table.chart == "line" else _bars
    body = draw(points, top)
    label = next(c.label for c in table.columns if c.name == table.y)
    axes = (
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH}" y2="{HEIGHT - BOTTOM}" '
        'class="axis"/>'
        f'<text x="{LEFT - 6}" y="{TOP + 10}" text-anchor="end" class="tick">'
        f"{escape(_tick(top, kind))}</text>"
        f'<text x="{LEFT - 6}" y="{HEIGHT - BOTTOM}" text-anchor="end" class="tick">0</text>'
    )
    return _svg(HEIGHT, f"{table.title}: {label}", axes + body)


def _svg(height: float, label: str, body: str) -> SafeString:
    """The chart's envelope; ``body`` is built from escaped text and numbers only."""
    return mark_safe(  # noqa: S308 - every value in it is escaped or a number
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">{body}</svg>'
    )


def _name(table: Table, row) -> str:
    """The label of a row along the axis: ``x`` may name several columns, comma-separated."""
    return " · ".join(str(table.cell(row, name)) for name in table.x.split(","))


def _horizontal(table: Table, points, top) -> SafeString:
    label_width, bar_height, gap = 240, 16, 6
    height = TOP + len(points) * (bar_height + gap)
    room = WIDTH - label_width - 90
    rows = "".join(
        f'<text x="{label_width - 6}" y="{TOP + i * (bar_height + gap) + 12}" '
        f'text-anchor="end" class="tick">{escape(name[:38])}</text>'
        f'<rect x="{label_width}" y="{TOP + i * (bar_height + gap)}" '
        f'width="{max(room * value / top, 1):.1f}" height="{bar_height}" class="bar">'
        f"<title>{escape(name)}: {escape(text)}</title></rect>"
        f'<text x="{label_width + max(room * value / top, 1) + 4:.1f}" '
        f'y="{TOP + i * (bar_height + gap) + 12}" class="tick">{escape(text)}</text>'
        for i, (name, value, text) in enumerate(points)
    )
    return _svg(height, str(table.title), rows)


def _number(table: Table, row) -> float:
    value = table.cell(row, table.y)
    return float(value or 0)


def _tick(value: float, kind: str) -> str:
    if kind == "money":
        return f"{money(Decimal(value)):,.2f}"
    if kind == "minutes":
        return minutes_text(value)
    return f"{value:,.0f}"


def _x(index: int, count: int) -> float:
    return LEFT + (WIDTH - LEFT) * (index + 0.5) / count


def _y(value: float, top: float) -> float:
    return HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * value / top


def _labels(points) -> str:
    step = max(len(points) // 12, 1)  # no more than a dozen labels along the axis
    return "".join(
        f'<text x="{_x(i, len(points)):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
        f'class="tick">{escape(name[:12])}</text>'
        for i, (name, _, _) in enumerate(points)
        if i % step == 0
    )


def _bars(points, top) -> str:
    width = (WIDTH - LEFT) / len(points) * 0.7
    bars = "".join(
        f'<rect x="{_x(i, len(points)) - width / 2:.1f}" y="{_y(value, top):.1f}" '
        f'width="{width:.1f}" height="{HEIGHT - BOTTOM - _y(value, top):.1f}" class="bar">'
        f"<title>{escape(name)}: {escape(text)}</title></rect>"
        for i, (name, value, text) in enumerate(points)
    )
    return bars + _labels(points)


def _line(points, top) -> str:
    path = " ".join(
        f"{_x(i, len(points)):.1f},{_y(value, top):.1f}" for i, (_, value, _) in enumerate(points)
    )
    dots = "".join(
        f'<circle cx="{_x(i, len(points)):.1f}" cy="{_y(value, top):.1f}" r="3" class="dot">'
        f"<title>{escape(name)}: {escape(text)}</title></circle>"
        for i, (name, value, text) in enumerate(points)
    )
    return f'<polyline points="{path}" class="line"/>' + dots + _labels(points)
