"""Issue 11: an action is shown only to whom the service allows it — one rule per action
(events.permissions.can_*), asked by the page and checked by the service."""

import pytest

from events.models import SupervisionCard
from events.services import event_supervise, event_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervised(cast, reported):
    e = reported()
    event_transition(actor=cast.village, event=e, action="accept")
    card = event_supervise(actor=cast.leader, event=e, colour="yellow", message="请尽快处理")
    return e, card


def test_the_answer_form_is_only_for_the_supervised_unit(client, cast, supervised):
    e, card = supervised
    for user in (cast.leader, cast.dispatcher, cast.worker):
        client.force_login(user)
        page = client.get(f"/events/{e.number}/").content.decode()
        assert f'id="supervision-{card.pk}"' in page  # the card is visible to all who see it
        assert f'id="answer-{card.pk}"' not in page, user
        r = client.post(
            f"/events/{e.number}/", {"kind": "answer", "card": card.pk, "answer": "已处理"}
        )
        assert r.status_code == 302
        card.refresh_from_db()
        assert card.answered_at is None, user
    client.force_login(cast.village)
    page = client.get(f"/events/{e.number}/").content.decode()
    assert f'id="answer-{card.pk}"' in page
    client.post(f"/events/{e.number}/", {"kind": "answer", "card": card.pk, "answer": "已处理"})
    card.refresh_from_db()
    assert card.answered_at is not None and card.answer == "已处理"


def test_the_supervise_form_is_only_for_upper_levels_of_open_cases(client, cast, supervised):
    e, _card = supervised
    for user, shown in ((cast.leader, True), (cast.dispatcher, True), (cast.village, False)):
        client.force_login(user)
        page = client.get(f"/events/{e.number}/").content.decode()
        assert ('value="supervise"' in page) is shown, user
    event_transition(actor=cast.village, event=e, action="handle")
    event_transition(actor=cast.village, event=e, action="close", note="已处理")
    event_transition(actor=cast.worker, event=e, action="verify")
    client.force_login(cast.leader)
    assert 'value="supervise"' not in client.get(f"/events/{e.number}/").content.decode()
    r = client.post(
        f"/events/{e.number}/",
        {"kind": "supervise", "colour": "red", "message": "再督", "days": 1},
    )
    assert r.status_code == 302
    assert SupervisionCard.objects.filter(event=e).count() == 1  # refused by the service


def test_transition_buttons_follow_the_process_rules(client, cast, supervised):
    e, _card = supervised
    client.force_login(cast.leader)
    page = client.get(f"/events/{e.number}/").content.decode()
    assert 'name="action"' not in page  # a leader supervises, does not handle
    client.force_login(cast.village)
    page = client.get(f"/events/{e.number}/").content.decode()
    assert 'data-action="handle"' in page and 'data-action="dispatch"' in page
