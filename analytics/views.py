"""The dashboards in the portal: MDEC officers read the zone's; a seller reads its own. Each
table downloads as CSV or XLSX with the same filters (``?export=csv&table=by_month``)."""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.text import slugify
from django.views import View
from django.views.generic import TemplateView

from ewtp.common.http import attachment
from hubs.roles import OrganizationMixin, Perm, PermissionRequiredMixin

from .charts import chart_svg
from .filters import FilterForm
from .selectors import DASHBOARDS, seller_insights
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

    def render_dashboard(self, request, build, **context):
        form = FilterForm(request.GET or None)
        dashboard = build(form.filters())
        response = download(dashboard, request)
        if response is not None:
            return response
        charts = [(table, chart_svg(table)) for table in dashboard.tables]
        return self.render_to_response(
            self.get_context_data(form=form, dashboard=dashboard, charts=charts, **context)
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
        return self.render_dashboard(request, build, dashboards=list(DASHBOARDS), current=key)


class InsightsView(OrganizationMixin, DashboardPage, TemplateView):
    """The seller's own sales, times and fees (its money: the owners')."""

    permission = Perm.FINANCES_READ

    def get(self, request):
        organization = self.organization
        return self.render_dashboard(
            request, lambda filters: seller_insights(organization, filters), seller=organization
        )
