"""limit/offset pagination that refuses what it cannot honour instead of guessing.

DRF's own silently falls back to the default page on `?limit=abc` and passes any limit
to SQL (`LIMIT 10^30` is a database error, a 500). Here a limit or offset that is not a
whole number in range is a 400 `{"detail", "code": "invalid_pagination"}`, and the
schema says what the range is.
"""

from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

MAX_LIMIT = 1000
MAX_OFFSET = 2**63 - 1


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def get_limit(self, request):
        return self._number(request, self.limit_query_param, 1, self.max_limit, self.default_limit)

    def get_offset(self, request):
        return self._number(request, self.offset_query_param, 0, MAX_OFFSET, 0)

    def _number(self, request, name, low, high, default):
        raw = request.query_params.get(name, "").strip()
        if raw == "":
            return default
        if len(raw) > 19 or not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
            raise ValidationError(
                _("%(name)s 须为 %(low)s 到 %(high)s 之间的整数。")
                % {"name": name, "low": low, "high": high},
                code="invalid_pagination",
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: (1, self.max_limit),
            self.offset_query_param: (0, MAX_OFFSET),
        }
        for parameter in parameters:
            low, high = bounds[parameter["name"]]
            parameter["schema"] = {**parameter["schema"], "minimum": low, "maximum": high}
        return parameters
