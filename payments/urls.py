from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("statement/", views.StatementView.as_view(), name="statement"),
]
