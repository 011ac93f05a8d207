from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("事件协同处置")

    def ready(self):
        from . import actions  # noqa: F401  (registers the app's actions)
