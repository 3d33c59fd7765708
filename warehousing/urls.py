"""The warehousing pages of the portal."""

app_name = "warehousing"

urlpatterns = []
