"""The tariff for customs officers and administrators: how much of the HS 2022 nomenclature
has a rate in force per country and chapter, and the upload of a national schedule with its
validation report."""

from datetime import date

from django.utils import timezone
from django.views.generic import FormView, TemplateView

from ewtp.common.errors import ApplicationError
from hubs.portal import form_error_from
from hubs.roles import Perm, PermissionRequiredMixin

from .. import selectors
from ..forms import TariffScheduleForm
from ..services.tariff_schedule_rows import COLUMNS, REQUIRED_COLUMNS
from ..services.tariff_schedules import MAX_BYTES, MAX_ROWS, tariff_schedule_load


class TariffMixin(PermissionRequiredMixin):
    # officers of every hub read the tariff; loading is checked against their country
    permission = Perm.CUSTOMS_WORKBENCH


def _percent(part: int, whole: int) -> float:
    return 100 * part / whole if whole else 0.0


class TariffCoverageView(TariffMixin, TemplateView):
    template_name = "customs/tariff_coverage.html"

    def get_context_data(self, **kwargs):
        try:
            on = date.fromisoformat(self.request.GET.get("on", ""))
        except ValueError:
            on = timezone.localdate()
        coverage = selectors.tariff_coverage(on=on)
        totals = [
            (country, covered, _percent(covered, coverage.subheadings), official)
            for country, covered, official in zip(
                coverage.countries, coverage.covered, coverage.official, strict=True
            )
        ]
        chapters = [
            (
                chapter,
                [
                    (covered, _percent(covered, chapter.subheadings), official)
                    for covered, official in zip(chapter.covered, chapter.official, strict=True)
                ],
            )
            for chapter in coverage.chapters
        ]
        return super().get_context_data(
            coverage=coverage, totals=totals, chapters=chapters, **kwargs
        )


class TariffScheduleView(TariffMixin, FormView):
    """Upload a schedule: checked whole, loaded in one transaction if nothing is wrong; the
    report (every bad row with its reason, the warnings) is shown on the page."""

    template_name = "customs/tariff_schedules.html"
    form_class = TariffScheduleForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            versions=selectors.tariff_schedule_versions(),
            columns=COLUMNS,
            required_columns=REQUIRED_COLUMNS,
            max_rows=MAX_ROWS,
            max_mb=MAX_BYTES // 2**20,
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            report = tariff_schedule_load(
                file=data["file"],
                edition=data["edition"],
                legal_source=data["legal_source"],
                chapters=data["chapters"],
                indicative=data["indicative"],
                actor=self.request.user,
                check_only=data["check_only"],
            )
        except ApplicationError as error:
            form_error_from(form, error)
            return self.form_invalid(form)
        return self.render_to_response(self.get_context_data(form=form, report=report))
