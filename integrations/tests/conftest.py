import pytest

from governance.services import department_create
from grids.models import Area
from integrations import services
from integrations.tasks import deliver_webhook_task
from tests.fixtures import KUANCHENG, NANGUAN

from .receiver import Receiver


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def nanguan_department(db):
    return department_create(
        actor=None, code="NG-CGJ", name="南关区城管局", area=Area.objects.get(code=NANGUAN)
    )


@pytest.fixture
def kuancheng_department(db):
    return department_create(
        actor=None, code="KC-CGJ", name="宽城区城管局", area=Area.objects.get(code=KUANCHENG)
    )


@pytest.fixture
def nanguan_grid(first_grid):
    return first_grid(NANGUAN)


@pytest.fixture
def subscribe(receiver):
    """subscribe(department, event_types=["*"], url=receiver.url) → (subscription, secret)"""

    def make(department, event_types=("*",), url=None, name="测试订阅"):
        return services.webhook_subscription_create(
            actor=None,
            department=department,
            url=url or receiver.url,
            event_types=list(event_types),
            name=name,
        )

    return make


@pytest.fixture
def queued(monkeypatch):
    """Deliveries queued to Celery, as (delivery_id, countdown), instead of sending
    them to the broker: these tests call the delivery service themselves."""
    calls: list[tuple[int, float | None]] = []

    def apply_async(args, countdown=None, **kwargs):
        calls.append((args[0], countdown))

    monkeypatch.setattr(deliver_webhook_task, "apply_async", apply_async)
    return calls


@pytest.fixture
def attempt(django_capture_on_commit_callbacks):
    """One delivery attempt, as the Celery task makes it; the retry it may queue on
    commit is recorded (with the `queued` fixture) as if the transaction committed."""

    def run(delivery, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return services.webhook_delivery_attempt(delivery_id=delivery.pk, **kwargs)

    return run
