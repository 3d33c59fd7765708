"""The dashboards in the portal: MDEC officers read the zone's; a seller reads its own. Each
table downloads as CSV or XLSX with the same filters (``?export=xlsx&table=by_month``).

Filters that do not hold (a country that is none, a period that ends before it starts) are
a 400 that says why in the reader's language, with the filters to correct and no figures:
never the figures of other filters than the ones asked for, on the page or in a download."""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.text import slugify
from django.views import View
from django.views.generic import TemplateView

from ewtp.common.http import attachment
from hubs.roles import OrganizationMixin, Perm, PermissionRequiredMixin

from .charts import chart_svg
from .filters import FilterForm, PeriodForm
from .selectors import DASHBOARD_NAMES, DASHBOARDS, INSIGHTS_NAME, seller_insights
from .tables import Dashboard

EXPORTS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def download(dashboard: Dashboard, request) -> HttpResponse | None:
    """The table named in the query as CSV or XLSX, or None when none is asked for."""
    kind = request.GET.get("export", "")
    if not kind:
        return None
    table = dashboard.table(request.GET.get("table", ""))
    if kind not in EXPORTS or table is None:
        raise Http404("No such table or format.")
    content_type, extension = EXPORTS[kind]
    body = table.as_csv() if kind == "csv" else table.as_xlsx()
    name = f"{dashboard.key}-{slugify(table.key)}.{extension}"
    return attachment(body, content_type=content_type, filename=name)


class DashboardPage:
    template_name = "analytics/dashboard.html"
    form_class = FilterForm

    def render_dashboard(self, request, build, name, **context):
        form = self.form_class(request.GET or None)
        if form.is_bound and not form.is_valid():
            context = self.get_context_data(form=form, title=name, charts=[], **context)
            return self.render_to_response(context, status=400)
        dashboard = build(form.filters())
        response = download(dashboard, request)
        if response is not None:
            return response
        charts = [(table, chart_svg(table)) for table in dashboard.tables]
        return self.render_to_response(
            self.get_context_data(
                form=form, title=dashboard.title, dashboard=dashboard, charts=charts, **context
            )
        )


class DashboardIndexView(PermissionRequiredMixin, View):
    permission = Perm.DASHBOARDS_READ

    def get(self, request):
        return redirect("analytics:dashboard", key="exports")


class DashboardView(PermissionRequiredMixin, DashboardPage, TemplateView):
    permission = Perm.DASHBOARDS_READ

    def get(self, request, key):
        build = DASHBOARDS.get(key)
        if build is None:
            raise Http404("No such dashboard.")
        return self.render_dashboard(
            request, build, DASHBOARD_NAMES[key], dashboards=DASHBOARD_NAMES.items(), current=key
        )


class InsightsView(OrganizationMixin, DashboardPage, TemplateView):
    """The seller's own sales, times and fees (its money: the owners'), over a period."""

    permission = Perm.FINANCES_READ
    form_class = PeriodForm

    def get(self, request):
        organization = self.organization
        return self.render_dashboard(
            request,
            lambda filters: seller_insights(organization, filters),
            INSIGHTS_NAME,
            seller=organization,
        )
