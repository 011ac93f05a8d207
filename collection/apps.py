from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionConfig(AppConfig):
    name = "collection"
    verbose_name = _("信息采集")

    def ready(self):
        from governance.audit import register_personal_field

        from . import actions  # noqa: F401  (registers the app's actions)
        from .policy import MASKERS, PERSONAL_FIELDS

        # The audit trail stores these only masked, whichever service writes them.
        for field in PERSONAL_FIELDS:
            register_personal_field(field, MASKERS[field])
