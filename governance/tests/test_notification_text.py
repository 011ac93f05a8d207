"""governance.notifications.Text: a notification's words stored as their source text and
values, shown in each reader's language; plain text shown as given; a text that cannot be
shown refused when it is sent, not when it is read."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext_lazy

from governance.models import Notification
from governance.notifications import Text, notify
from governance.roles import Role

pytestmark = pytest.mark.django_db

# Texts of the platform's catalogue (locale/), with their English.
REPORTED = gettext_lazy("新事件待受理:%(t)s")
STEP = gettext_lazy("%(a)s:%(t)s")
ACCEPT = gettext_lazy("受理")


@pytest.mark.parametrize("as_query", [True, False])
def test_stored_in_the_platforms_language_shown_in_the_readers(make_user, as_query):
    user = make_user(Role.GRID_WORKER, "220102001001001", f"nt_{as_query}")
    users = get_user_model().objects.filter(pk=user.pk) if as_query else [user]
    with translation.override("en"):  # the sender's language is no one else's
        notify(users=users, kind="t", title=Text(STEP, a=ACCEPT, t="占道"), body="SJ-1")
    n = Notification.objects.get(user=user)
    assert (n.title, n.body) == ("受理:占道", "SJ-1")
    with translation.override("zh-hans"):
        assert (n.shown_title, n.shown_body) == ("受理:占道", "SJ-1")
    with translation.override("en"):
        assert (n.shown_title, n.shown_body) == ("Accept: 占道", "SJ-1")


def test_values_are_shown_as_given_unless_marked(make_user):
    user = make_user(Role.GRID_WORKER, "220102001001001", "nt_values")
    # a case titled like a word of the catalogue stays as its reporter wrote it
    notify(users=[user], kind="t", title=Text(REPORTED, t="受理"), body=Text(REPORTED, t=3))
    n = Notification.objects.get(user=user)
    with translation.override("en"):
        assert n.shown_title == "New case pending acceptance: 受理"
        assert n.shown_body == "New case pending acceptance: 3"


def test_plain_text_is_shown_as_it_was_sent(make_user):
    user = make_user(Role.GRID_WORKER, "220102001001001", "nt_plain")
    notify(users=[user], kind="t", title="受理")
    n = Notification.objects.get(user=user)
    assert n.message is None
    with translation.override("en"):
        assert n.shown_title == "受理"


def test_a_text_that_cannot_be_shown_is_refused_when_sent():
    with pytest.raises(KeyError):
        Text(REPORTED)  # no value for its placeholder
    with pytest.raises(TypeError):
        Text(REPORTED, t=object())  # not something the JSON column holds


def test_a_shown_title_is_no_longer_than_the_stored_one(make_user):
    user = make_user(Role.GRID_WORKER, "220102001001001", "nt_long")
    notify(users=[user], kind="t", title=Text(REPORTED, t="漏" * 200))
    n = Notification.objects.get(user=user)
    assert len(n.title) == 200
    with translation.override("en"):
        assert n.shown_title.startswith("New case pending acceptance: ")
        assert len(n.shown_title) == 200
