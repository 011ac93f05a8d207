"""What the pages of the apps below may offer about commands (the event page's
"从此事件发指令" and "启动预案"): the apps below cannot import this app, so the rights
reach their templates as context. Lazy: evaluated only where a template asks."""

from django.utils.functional import SimpleLazyObject


def command_rights(request):
    from .actions import may_activate_plans, may_command_map, may_issue
    from .positions import unit_path_of

    user = getattr(request, "user", None)
    return {
        "command_may_issue": SimpleLazyObject(lambda: bool(user and may_issue(user))),
        "command_may_map": SimpleLazyObject(lambda: bool(user and may_command_map(user))),
        # Field staff who may share their position: the sharing script on every page.
        "command_share": SimpleLazyObject(lambda: bool(user and unit_path_of(user))),
        "command_may_activate": SimpleLazyObject(lambda: bool(user and may_activate_plans(user))),
    }
