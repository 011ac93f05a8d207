from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    name = "cockpit"
    verbose_name = _("数字驾驶舱")

    def ready(self):
        from governance.navigation import menu_register
        from governance.roles import Action

        # Pages (views.py, urls_pages.py): the cockpit for the user's own jurisdiction.
        menu_register("cockpit:cockpit", _("驾驶舱"), Action.VIEW, position=15)
        menu_register("analysis:analysis", _("多维研判"), Action.VIEW, position=16)

        # The live feed (live.py): new and escalated cases into a Redis Stream.
        from governance import outbox

        from .live import live_on_events

        # One subscriber for every step, in the order they happened (the steps the feed
        # does not show are passed over): subscribed per topic, a drain's new cases came
        # before an earlier escalation.
        outbox.subscribe("event", live_on_events, name="cockpit.live", batch=True)
