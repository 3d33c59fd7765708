"""The read-only data API for officers: every dashboard's tables as JSON, with the same
filters as the portal, for an authority's client granted ``analytics:read``."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ewtp.common.api.permissions import HasScope
from ewtp.common.errors import CommonErrorCode
from hubs.models import Organization

from .filters import FilterForm
from .selectors import DASHBOARDS

# The years the filters take (analytics.filters EARLIEST, LATEST: 2000 to 2100)
DAY = {"type": "string", "format": "date", "pattern": "^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"}
FILTERS = [
    OpenApiParameter(
        "date_from", DAY, description="First day (default: a year ago); not after `date_to`"
    ),
    OpenApiParameter(
        "date_to", DAY, description="Last day (default: today); at most five years after the first"
    ),
    OpenApiParameter(
        "hub", {"type": "string", "pattern": "^[A-Z]{3}$"}, description="Origin hub, IATA code"
    ),
    OpenApiParameter(
        "destination",
        {"type": "string", "pattern": "^[A-Za-z]{2}$"},
        description="Destination country, ISO 3166 alpha-2",
    ),
    OpenApiParameter(
        "sector", str, enum=Organization.Sector.values, description="The sellers' sector"
    ),
]


class DashboardApi(APIView):
    """One dashboard: its headline figures and its tables (columns with their kind; money as
    decimal strings, each money column with its ``currency`` or the ``currency_column`` that
    names each row's; durations in minutes; countries, sectors and lanes as their codes)."""

    permission_classes = [HasScope]
    required_scopes = ["analytics:read"]

    @extend_schema(
        operation_id="analytics_dashboard",
        tags=["analytics"],
        parameters=[
            OpenApiParameter(
                "key", str, OpenApiParameter.PATH, enum=list(DASHBOARDS), description="Dashboard"
            ),
            *FILTERS,
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, key):
        build = DASHBOARDS.get(key)
        if build is None:
            raise Http404(f"No dashboard {key[:30]}; one of {', '.join(DASHBOARDS)}.")
        form = FilterForm(request.query_params)
        if not form.is_valid():
            raise serializers.ValidationError(
                {name: [str(e) for e in errors] for name, errors in form.errors.items()},
                code=CommonErrorCode.INVALID,
            )
        filters = form.filters()
        dashboard = build(filters)
        return Response(
            {
                "dashboard": dashboard.key,
                "title": str(dashboard.title),
                "filters": {
                    "date_from": filters.date_from.isoformat(),
                    "date_to": filters.date_to.isoformat(),
                    "hub": filters.hub,
                    "destination": filters.destination,
                    "sector": filters.sector,
                },
                "headline": [{"label": str(k), "value": v} for k, v in dashboard.headline],
                "tables": [table.as_json() for table in dashboard.tables],
            }
        )
