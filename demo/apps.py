from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo world and its tools (seed_demo, the fast-forward): development and demos only;
    production settings leave this app out."""

    name = "demo"
    label = "demo"
