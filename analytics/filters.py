"""The filters on every dashboard: a date range, the origin hub, the destination country and
the seller's sector; checked as a form so that a bad value is a message in the reader's
language (and the page a 400, its figures not shown), never a 500 and never a guess."""

from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hubs.models import Organization
from hubs.selectors import hub_countries

from .errors import AnalyticsErrorCode
from .names import COUNTRY_CODES, country_choices

MAX_DAYS = 366 * 5
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)  # the trade this hub can have seen


@dataclass(frozen=True)
class Filters:
    date_from: date
    date_to: date
    hub: str = ""  # an origin hub's IATA code
    destination: str = ""  # an ISO country code
    sector: str = ""

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> "Filters":
        """The period of the same length just before (for growth)."""
        length = timedelta(days=self.days)
        return Filters(self.date_from - length, self.date_from - timedelta(days=1), *self.rest())

    def rest(self) -> tuple[str, str, str]:
        return self.hub, self.destination, self.sector

    def months(self, month_field: str = "month") -> dict:
        """The filters as lookups on a monthly rollup: every month the period touches."""
        return self.between(month_field, self.date_from.replace(day=1), self.date_to)

    def split(self, today: date | None = None) -> tuple[tuple[date, date] | None, list]:
        """The period as whole months (read from a monthly rollup) and the days at either
        end that do not make a whole month (read from the daily one). A month still running
        counts as whole: nothing has happened after today."""
        today = today or timezone.localdate()
        start, end = self.date_from, self.date_to
        first = start if start.day == 1 else _next_month(start)
        after_end = end + timedelta(days=1)
        last = end if (after_end.day == 1 or end >= today) else end.replace(day=1) - timedelta(1)
        if first > last:
            return None, [(start, end)]
        days = []
        if start < first:
            days.append((start, first - timedelta(days=1)))
        if last < end:
            days.append((last + timedelta(days=1), end))
        return (first, last), days

    def between(self, field: str, start: date, end: date) -> dict:
        """Lookups on a rollup: ``field`` from ``start`` to ``end``, and the dimensions."""
        return {f"{field}__gte": start, f"{field}__lte": end, **self.dimensions()}

    def dimensions(self) -> dict:
        """The hub, destination and sector filters as lookups on a rollup's fields."""
        lookups = {}
        if self.hub:
            lookups["origin_hub"] = self.hub
        if self.destination:
            lookups["destination_country"] = self.destination
        if self.sector:
            lookups["sector"] = self.sector
        return lookups


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def default_filters(today: date | None = None) -> Filters:
    """The last twelve months: eleven whole ones and the current one to today."""
    today = today or timezone.localdate()
    start = today.replace(day=1)
    for _month in range(11):
        start = (start - timedelta(days=1)).replace(day=1)
    return Filters(start, today)


class DestinationField(forms.ChoiceField):
    """A destination country picked by its name in the reader's language and sent as its ISO
    3166 code. The list offers the countries of the hubs (where trade can go); any country
    code is taken, so a link to a country with no hub yet shows its empty dashboard."""

    default_error_messages = {
        "invalid_choice": _("Choose a destination country from the list."),
    }

    def to_python(self, value):
        return super().to_python(value).strip().upper()

    def prepare_value(self, value):
        return value.strip().upper() if isinstance(value, str) else value  # "cn" shows China

    def validate(self, value):
        forms.Field.validate(self, value)  # required or not; the code is checked against all
        if value and value not in COUNTRY_CODES:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code=AnalyticsErrorCode.DESTINATION_UNKNOWN
            )


class PeriodForm(forms.Form):
    """The period of a dashboard: from the first day to the last, both optional."""

    date_from = forms.DateField(label=pgettext_lazy("period", "From"), required=False)
    date_to = forms.DateField(label=pgettext_lazy("period", "To"), required=False)

    def clean(self):
        data = super().clean()
        defaults = default_filters()
        start = data.get("date_from") or defaults.date_from
        end = data.get("date_to") or defaults.date_to
        if not (EARLIEST <= start <= LATEST and EARLIEST <= end <= LATEST):
            raise forms.ValidationError(
                _("Choose dates between 2000 and 2100."),
                code=AnalyticsErrorCode.PERIOD_OUT_OF_RANGE,
            )
        if start > end:
            raise forms.ValidationError(
                _("The period starts after it ends."), code=AnalyticsErrorCode.PERIOD_REVERSED
            )
        if (end - start).days > MAX_DAYS:
            raise forms.ValidationError(
                _("Choose a period of five years at most."),
                code=AnalyticsErrorCode.PERIOD_TOO_LONG,
            )
        data["date_from"], data["date_to"] = start, end
        return data

    def filters(self) -> Filters:
        """The filters of a valid form; the defaults when it is not valid."""
        if not self.is_valid():
            return default_filters()
        data = self.cleaned_data
        return Filters(
            data["date_from"],
            data["date_to"],
            data.get("hub") or "",
            data.get("destination") or "",
            data.get("sector") or "",
        )


class FilterForm(PeriodForm):
    """The period and the zone's dimensions: the origin hub, the destination country and the
    sellers' sector, each picked from a list of names."""

    hub = forms.ChoiceField(label=_("Origin hub"), required=False)
    destination = DestinationField(label=_("Destination country"), required=False)
    sector = forms.ChoiceField(
        label=_("Sector"),
        required=False,
        choices=[("", _("All sectors")), *Organization.Sector.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hubs = hub_countries()
        self.fields["hub"].choices = [("", _("All hubs"))] + [(code, code) for code, _c in hubs]
        offered = {country for _code, country in hubs}
        asked = str(self.data.get("destination", "")).strip().upper()
        if asked in COUNTRY_CODES:
            offered.add(asked)  # a country with no hub, from a link: shown as chosen
        self.fields["destination"].choices = [
            ("", _("All countries")),
            *country_choices(offered),
        ]
