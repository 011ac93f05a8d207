from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo province: loads the area tree (grids' loader) and then the demo content of
    every app above it — logins, sample cases, sample base data. It sits on top: it may
    import every app and no app imports it."""

    name = "demo"
    verbose_name = _("演示数据")
