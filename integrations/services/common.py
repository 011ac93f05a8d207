from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from governance.scoping import path_in_jurisdiction


def require(actor, path: str, action: str) -> None:
    """`actor=None` is the system itself; anyone else needs `action` on the area."""
    if actor is not None and not path_in_jurisdiction(actor, path, action):
        raise ValidationError(_("您无权管理该部门的系统对接。"), code="forbidden")
