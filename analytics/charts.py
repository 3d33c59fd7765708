"""Charts drawn on the server as inline SVG: no script, no CDN, readable without JavaScript,
and the table under each chart carries the same figures for screen readers and exports.

A chart says what it draws with the table's own words: the measure (the ``y`` column's
label) above its axis, the dimension (the ``x`` columns' labels) along the other, and both
in its accessible name, so a title, its axes and its series cannot tell different stories.
A measure in several currencies is drawn once per currency: amounts in different currencies
never share an axis."""

from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .tables import Column, Table, amount_text, currencies_ordered, minutes_text, with_currency

WIDTH, HEIGHT = 720, 260
LEFT, BOTTOM, TOP = 90, 56, 30
MAX_BARS = 24  # a bar chart draws the first rows (ranked, biggest first); a line draws all


def chart_svg(table: Table) -> SafeString:
    """The table's chart(s), or an empty string when it has none or nothing to draw."""
    if table.chart == "none" or not table.rows or not table.y:
        return mark_safe("")
    measure = table.column(table.y)
    return mark_safe(  # noqa: S308 - each part is built from escaped text and numbers only
        "".join(
            _chart(table, measure, rows, currency)
            for currency, rows in _per_currency(table, measure)
        )
    )


def chart_caption(table: Table, currency: str = "") -> str:
    """What a chart of ``table`` draws, in words: "Flights flown by e-road"."""
    return _("%(measure)s by %(dimension)s") % {
        "measure": _measure_label(table, currency),
        "dimension": _dimension_label(table),
    }


def _per_currency(table: Table, measure: Column) -> list[tuple[str, list]]:
    """The rows to draw, one group per currency when the measure's currency varies by row."""
    if measure.kind != "money" or not measure.currency_column:
        return [(measure.currency, table.rows)]
    groups: dict[str, list] = {}
    for row in table.rows:
        groups.setdefault(table.currency(row, measure), []).append(row)
    return [(currency, groups[currency]) for currency in currencies_ordered(groups)]


def _measure_label(table: Table, currency: str) -> str:
    measure = table.column(table.y)
    if measure.kind == "money" and measure.currency_column:
        return with_currency(measure.label, currency)
    return str(measure.label)


def _dimension_label(table: Table) -> str:
    return " · ".join(str(table.column(name).label) for name in table.x.split(","))


def _chart(table: Table, measure: Column, rows: list, currency: str) -> str:
    drawn = rows if table.chart == "line" else rows[:MAX_BARS]
    points = [
        (
            " · ".join(table.display(row, name) for name in table.x.split(",")),
            float(table.cell(row, table.y) or 0),
            table.display(row, table.y),
        )
        for row in drawn
    ]
    top = max((value for _label, value, _text in points), default=0) or 1
    measure_label, dimension_label = _measure_label(table, currency), _dimension_label(table)
    name = f"{table.title}: {chart_caption(table, currency)}"
    if table.chart == "bar" and any(len(label) > 10 for label, _value, _text in points):
        # long names read better beside their bars
        svg = _horizontal(points, top, name, measure_label, dimension_label)
    else:
        draw = _line if table.chart == "line" else _bars
        axes = _axes(_tick(top, measure, currency), measure_label, dimension_label)
        svg = _svg(HEIGHT, name, axes + draw(points, top))
    if len(drawn) < len(rows):
        shown = _("The chart shows the first %(shown)s of %(rows)s rows.") % {
            "shown": len(drawn),
            "rows": len(rows),
        }
        svg += f'<p class="help">{escape(shown)}</p>'
    return svg


def _axes(top_text: str, measure_label: str, dimension_label: str) -> str:
    return (
        f'<text x="4" y="{TOP - 14}" class="tick axis-label">{escape(measure_label)}</text>'
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH}" y2="{HEIGHT - BOTTOM}" '
        'class="axis"/>'
        f'<text x="{LEFT - 6}" y="{TOP + 10}" text-anchor="end" class="tick">'
        f"{escape(top_text)}</text>"
        f'<text x="{LEFT - 6}" y="{HEIGHT - BOTTOM}" text-anchor="end" class="tick">0</text>'
        f'<text x="{(LEFT + WIDTH) / 2:.0f}" y="{HEIGHT - 8}" text-anchor="middle" '
        f'class="tick axis-label">{escape(dimension_label)}</text>'
    )


def _svg(height: float, label: str, body: str) -> str:
    """The chart's envelope; ``body`` is built from escaped text and numbers only."""
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">{body}</svg>'
    )


def _horizontal(points, top, name: str, measure_label: str, dimension_label: str) -> str:
    label_width, bar_height, gap = 240, 16, 6
    height = TOP + len(points) * (bar_height + gap)
    room = WIDTH - label_width - 90
    header = (
        f'<text x="{label_width - 6}" y="{TOP - 12}" text-anchor="end" '
        f'class="tick axis-label">{escape(dimension_label)}</text>'
        f'<text x="{label_width}" y="{TOP - 12}" class="tick axis-label">'
        f"{escape(measure_label)}</text>"
    )
    rows = "".join(
        f'<text x="{label_width - 6}" y="{TOP + i * (bar_height + gap) + 12}" '
        f'text-anchor="end" class="tick">{escape(label[:38])}</text>'
        f'<rect x="{label_width}" y="{TOP + i * (bar_height + gap)}" '
        f'width="{max(room * value / top, 1):.1f}" height="{bar_height}" class="bar">'
        f"<title>{escape(label)}: {escape(text)}</title></rect>"
        f'<text x="{label_width + max(room * value / top, 1) + 4:.1f}" '
        f'y="{TOP + i * (bar_height + gap) + 12}" class="tick">{escape(text)}</text>'
        for i, (label, value, text) in enumerate(points)
    )
    return _svg(height, name, header + rows)


def _tick(value: float, measure: Column, currency: str) -> str:
    if measure.kind == "money":
        return amount_text(round(value), currency)
    if measure.kind == "minutes":
        return minutes_text(value)
    if measure.kind == "percent":
        return f"{value:,.1f} %"
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
