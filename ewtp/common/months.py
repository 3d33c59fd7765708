"""Calendar months in UTC: the periods the partitioned tables and the statements are cut into.
A month is named by its first day (a ``date``)."""

from datetime import UTC, date, datetime


def month_of(moment: date | datetime) -> date:
    """The first day of the month ``moment`` falls in (in UTC for a time)."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC).date()
    return moment.replace(day=1)


def month_added(month: date, count: int) -> date:
    """The month ``count`` months after ``month`` (before it when negative)."""
    months = month.year * 12 + month.month - 1 + count
    return date(months // 12, months % 12 + 1, 1)


def month_after(month: date) -> date:
    return month_added(month, 1)


def months_from(month: date, count: int) -> list[date]:
    """``month`` and the ``count`` months after it."""
    return [month_added(month, n) for n in range(count + 1)]


def month_parsed(value: str) -> date | None:
    """The month a page is asked for (``YYYY-MM``), or None when ``value`` names none; the
    page decides which months it shows."""
    try:
        return datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        return None


def month_start(month: date) -> datetime:
    """Midnight UTC of the month's first day: where its time-bounded reads begin."""
    return datetime(month.year, month.month, 1, tzinfo=UTC)
