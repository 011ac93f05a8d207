"""gunicorn.conf.py's collector settings: the hooks are ones gunicorn accepts (their
arity is checked by its Config); a worker freezes what it holds at start, and again after
its first requests but only at a moment when no request is in flight (a freeze keeps what
is alive for good), with the young generation's threshold raised."""

import gc
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.fixture
def collector():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.fixture
def hooks(collector):
    settings = runpy.run_path(str(CONF))  # fresh module state: a new worker
    cfg = Config()
    for hook in ("post_worker_init", "pre_request", "post_request"):
        cfg.set(hook, settings[hook])  # gunicorn checks the arity
    worker = SimpleNamespace(log=SimpleNamespace(debug=lambda *a: None))
    req = SimpleNamespace(method="GET", path="/")
    gc.unfreeze()
    cfg.post_worker_init(worker)
    return settings, cfg, worker, req


class Cyclic:
    """Garbage only the collector frees (a reference cycle), big enough to notice."""

    def __init__(self):
        self.me = self
        self.payload = bytearray(10_000)


def serve(cfg, worker, req, n):
    for _ in range(n):
        cfg.pre_request(worker, req)
        cfg.post_request(worker, req, {}, None)


def test_a_worker_freezes_its_objects_at_start_and_after_its_first_requests(hooks):
    settings, cfg, worker, req = hooks
    assert gc.get_threshold() == settings["GC_THRESHOLD"] and gc.get_threshold()[0] >= 10_000
    at_start = gc.get_freeze_count()
    assert at_start > 1000  # the modules loaded so far

    kept = [[object()] for _ in range(5000)]  # what the first requests build and keep
    first = settings["FREEZE_AFTER_REQUESTS"][0]
    serve(cfg, worker, req, first)
    # Due, but frozen when the next one starts. (Counted by the hooks' own state: the
    # frozen objects' count also drops whenever one of them is freed.)
    assert settings["_state"]["freezes"] == 0
    serve(cfg, worker, req, 1)
    assert gc.get_freeze_count() >= at_start + len(kept)


def test_no_freeze_while_another_request_is_in_flight(hooks):
    """A request still running (another thread's, or a live feed's) when the freeze is
    due: its objects must stay collectable once it ends."""
    import weakref

    settings, cfg, worker, req = hooks
    serve(cfg, worker, req, settings["FREEZE_AFTER_REQUESTS"][0] - 1)  # not due yet
    at_start = gc.get_freeze_count()

    cfg.pre_request(worker, req)  # a long request starts and holds a cycle
    held = Cyclic()
    alive = weakref.ref(held)
    serve(cfg, worker, req, 5)  # others start and end meanwhile: due, but not idle
    assert settings["_state"]["freezes"] == 0
    del held
    cfg.post_request(worker, req, {}, None)  # the long request ends
    gc.collect()
    assert alive() is None  # collected, not frozen
    serve(cfg, worker, req, 1)  # the next request starts on an idle worker: frozen now
    assert gc.get_freeze_count() > at_start
