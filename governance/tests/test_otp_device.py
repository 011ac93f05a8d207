"""The session's second-factor device, read by a compiled statement (governance/otp.py):
the device django-otp's own lookup gives, for every kind of persistent id."""

import pytest
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.otp import device_from_persistent_id
from governance.roles import Role

pytestmark = pytest.mark.django_db


def test_the_device_is_the_one_django_otp_reads(make_user):
    user = make_user(Role.PROVINCE_LEADER, "220000000000", "otp_dev")
    totp = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="backup", confirmed=False)
    for device in (totp, static, totp):  # compiled, then kept
        got = device_from_persistent_id(device.persistent_id)
        expected = Device.from_persistent_id(device.persistent_id)
        assert type(got) is type(expected) and got == expected
        assert (got.user_id, got.confirmed, got.key if hasattr(got, "key") else None) == (
            expected.user_id,
            expected.confirmed,
            expected.key if hasattr(expected, "key") else None,
        )
        assert got._state.adding is False


@pytest.mark.parametrize(
    "persistent_id",
    [
        "otp_totp.totpdevice/987654",  # no such device
        "otp_totp.totpdevice/x",  # not a number
        "otp_totp.totpdevice",  # no id
        "nosuchapp.model/1",  # no such model
        "otp_totp/1",  # no model name
        "governance.user/1",  # a model, not a device
        "",
    ],
)
def test_what_names_no_device_is_none(persistent_id):
    assert device_from_persistent_id(persistent_id) is None
    # django-otp's own lookup raises AttributeError on an empty id and on a model that is
    # not a device (neither can be in a server-side session); None for the rest.
    if persistent_id and not persistent_id.startswith("governance."):
        assert Device.from_persistent_id(persistent_id) is None
