from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionConfig(AppConfig):
    name = "collection"
    verbose_name = _("信息采集")

    def ready(self):
        from . import actions  # noqa: F401  (registers the app's actions)
