"""gunicorn.conf.py's collector settings: the hooks are ones gunicorn accepts (their
arity is checked by its Config), and a worker freezes what it holds at start and again
after its first requests, with the young generation's threshold raised."""

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


def test_a_worker_freezes_its_objects_at_start_and_after_its_first_requests(collector):
    settings = runpy.run_path(str(CONF))
    cfg = Config()
    cfg.set("post_worker_init", settings["post_worker_init"])  # gunicorn checks the arity
    cfg.set("post_request", settings["post_request"])
    worker = SimpleNamespace()

    gc.unfreeze()
    cfg.post_worker_init(worker)
    assert gc.get_threshold() == settings["GC_THRESHOLD"] and gc.get_threshold()[0] >= 10_000
    at_start = gc.get_freeze_count()
    assert at_start > 1000  # the modules loaded so far

    kept = [[object()] for _ in range(5000)]  # what the first requests build and keep
    first_freeze = settings["FREEZE_AFTER_REQUESTS"][0]
    for _ in range(first_freeze - 1):
        cfg.post_request(worker, None, {}, None)
    assert gc.get_freeze_count() == at_start
    cfg.post_request(worker, None, {}, None)
    assert worker.served == first_freeze
    assert gc.get_freeze_count() >= at_start + len(kept)
