from django.urls import path

from . import views

app_name = "hubs"

urlpatterns = [
    path("", views.LandingView.as_view(), name="landing"),
    path("home/", views.HomeView.as_view(), name="home"),
    path("organisation/", views.MyOrganizationView.as_view(), name="my_organization"),
    path("organisations/", views.OrganizationListView.as_view(), name="organization_list"),
    path("hubs/", views.HubListView.as_view(), name="hub_list"),
    path("hubs/<str:code>/", views.HubDetailView.as_view(), name="hub_detail"),
    path("language/", views.language_switch, name="language_switch"),
]
