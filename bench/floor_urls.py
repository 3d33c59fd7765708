"""The hub's URLs plus /bench/floor: a DRF view with no authentication, no permission and a
constant body, served by the same stack (middleware, renderer) as the API."""

from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


class Floor(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("bench/floor", Floor.as_view()),
    path("", include("ewtp.urls")),
]
