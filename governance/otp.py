"""django-otp's middleware, with the session's second-factor device read by a statement
compiled once per process (governance/compiled.py) instead of a queryset built and
compiled on every request of every verified session (the leaders', the admins')."""

from __future__ import annotations

from django.apps import apps
from django_otp.middleware import OTPMiddleware as BaseOTPMiddleware
from django_otp.models import Device

from .compiled import CompiledQuery

_DEVICE: dict[type, CompiledQuery] = {}


def _device_query(model) -> CompiledQuery:
    if model not in _DEVICE:
        # As Device.from_persistent_id reads it: by id, the first (the only) one.
        _DEVICE[model] = CompiledQuery(
            lambda pk: model.objects.filter(id=pk).order_by("pk")[:1], pk=987_654_323
        )
    return _DEVICE[model]


def device_from_persistent_id(persistent_id: str):
    """Device.from_persistent_id: the device named by "app_label.model/id", or None for a
    malformed id, an unknown model or a missing device."""
    try:
        model_label, device_id = persistent_id.rsplit("/", 1)
        app_label, model_name = model_label.split(".")
        model = apps.get_model(app_label, model_name)
        pk = int(device_id)
    except (ValueError, LookupError):
        return None
    if not issubclass(model, Device):
        return None
    devices = _device_query(model).objects(pk=pk)
    return devices[0] if devices else None


class OTPMiddleware(BaseOTPMiddleware):
    def _device_from_persistent_id(self, persistent_id: str):
        return device_from_persistent_id(self._normalize_persistent_id(persistent_id))
