"""Request bodies are checked here, once, before any view reads them.

Every API endpoint takes a JSON object (or a form); a view calls `request.data.get(...)`
and passes values on to the ORM. What a view cannot be expected to guard against is
refused at the edge with a 400 `{"detail", "code"}`:

- a JSON body that is not an object (an array, a string, a number, null) — `not_an_object`;
- a NUL character anywhere (a key, a value, a form field, a file name): PostgreSQL text
  cannot hold it — `nul_character`;
- numbers no column can hold: integers beyond PostgreSQL's bigint, and NaN/Infinity or
  floats that overflow to infinity — `number_out_of_range`.

The settings make these the default parsers (`REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]`);
a view that narrows its parsers picks them from here too.
"""

import math

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

BIGINT_MAX = 2**63 - 1


class BadInput(ParseError):
    """A 400 with its own code (ParseError would say `parse_error` for all of them)."""

    def __init__(self, detail, code):
        super().__init__(detail, code=code)


def refuse_nul(value: str) -> None:
    if "\x00" in value:
        raise BadInput(_("输入中含有空字符(NUL),无法处理。"), "nul_character")


def check_value(value) -> None:
    """Walk a parsed JSON body: no NUL anywhere, every number within what columns hold."""
    if isinstance(value, str):
        refuse_nul(value)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not -BIGINT_MAX <= value <= BIGINT_MAX:
            raise BadInput(_("数值超出允许范围。"), "number_out_of_range")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise BadInput(_("数值超出允许范围。"), "number_out_of_range")
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_nul(key)
            check_value(item)
    elif isinstance(value, list):
        for item in value:
            check_value(item)


class JSONParser(parsers.JSONParser):
    """JSON objects only."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:  # nested thousands deep
            raise BadInput(_("请求内容嵌套层次过深。"), "too_deep") from exc
        if not isinstance(data, dict):
            raise BadInput(_("请求内容须为 JSON 对象({…})。"), "not_an_object")
        check_value(data)
        return data


def check_form(data, files=None) -> None:
    for key, values in data.lists():
        refuse_nul(key)
        for value in values:
            if isinstance(value, str):
                refuse_nul(value)
    for key, uploaded in files.lists() if files is not None else ():
        refuse_nul(key)
        for f in uploaded:
            refuse_nul(f.name or "")


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        check_form(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        check_form(result.data, result.files)
        return result
