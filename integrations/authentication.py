"""`Authorization: Department <key>`: a department system calls the API as its
department's service account, so jurisdiction and permissions apply unchanged."""

from django.core.exceptions import ValidationError
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from governance.authentication import refuse_if_barred
from governance.compiled import CompiledQuery
from grids.models import outlines_of

from . import services
from .models import DepartmentToken

KEYWORD = "Department"

# The token of a key, with its department and the department's area (which comes along
# for the service account's first creation; its outlines, a county's tens of kB, not on
# every request). On every call of a department system: compiled once per process.
_TOKEN = CompiledQuery(
    lambda key_hash: (
        DepartmentToken.objects.select_related("department__area")
        .defer(*outlines_of("department__area"))
        .filter(key_hash=key_hash, revoked_at__isnull=True)
        .order_by("pk")[:1]
    ),
    key_hash="\x1fsample key hash",
)


class DepartmentTokenAuthentication(authentication.BaseAuthentication):
    """`request.user` is the department's service user, `request.auth` the token."""

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "部门令牌格式错误 Malformed header: use 'Authorization: Department <key>'."
            )
        try:
            raw_key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(
                "部门令牌无效或已吊销 Invalid or revoked department token."
            ) from None
        tokens = _TOKEN.objects(key_hash=services.department_token_hash(raw_key))
        token = tokens[0] if tokens else None
        if token is None:
            raise exceptions.AuthenticationFailed(
                "部门令牌无效或已吊销 Invalid or revoked department token."
            )
        try:
            user = services.department_service_user(department=token.department)
        except ValidationError as exc:
            raise exceptions.AuthenticationFailed(" ".join(exc.messages)) from None
        if not user.is_active:
            raise exceptions.AuthenticationFailed("部门账号已停用 Department account disabled.")
        # A locked service account is refused like on every other path.
        refuse_if_barred(user)
        services.department_token_touch(token=token)
        return user, token

    def authenticate_header(self, request):
        return f'{KEYWORD} realm="api"'


class DepartmentTokenScheme(OpenApiAuthenticationExtension):
    """Describes the header in the OpenAPI schema."""

    target_class = DepartmentTokenAuthentication
    name = "departmentToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "部门令牌 Department token: `Department <key>`",
        }


class DepartmentTokenFirstMixin:
    """For views that department systems call: the token class goes first, so that a
    refused token is a 401 with `WWW-Authenticate: Department` (DRF takes the header
    from the first class), followed by the project's usual classes."""

    def get_authenticators(self):
        others = [
            a
            for a in super().get_authenticators()
            if not isinstance(a, DepartmentTokenAuthentication)
        ]
        return [DepartmentTokenAuthentication(), *others]
