from django.urls import path

from . import views

app_name = "customs"

urlpatterns = [
    path("", views.WorkbenchView.as_view(), name="workbench"),
    path("declarations/<str:reference>/", views.DeclarationView.as_view(), name="declaration"),
]
