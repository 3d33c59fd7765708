from django.conf import settings


def demo_tools(request) -> dict:
    """Whether pages offer the demo's tools (the order page's fast-forward)."""
    return {"demo_tools": settings.DEMO_TOOLS}
