from django.urls import path

from . import views

urlpatterns = [
    path("hubs/", views.HubListApi.as_view(), name="api-hub-list"),
]
