from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("dashboards/", views.DashboardIndexView.as_view(), name="dashboards"),
    path("dashboards/<slug:key>/", views.DashboardView.as_view(), name="dashboard"),
    path("insights/", views.InsightsView.as_view(), name="insights"),
]
