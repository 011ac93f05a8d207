from django.utils.translation import gettext as _

from governance import access


def require(actor, path: str, action: str) -> None:
    """`actor=None` is the system itself; anyone else needs `action` on the area."""
    access.require(actor, path, action, message=_("您无权管理该部门的系统对接。"))
