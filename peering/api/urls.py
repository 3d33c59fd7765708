from django.urls import path

from . import views

urlpatterns = [
    path("eroad/messages", views.MessageApi.as_view(), name="api-eroad-messages"),
    path("eroad/keys", views.KeysApi.as_view(), name="api-eroad-keys"),
]
