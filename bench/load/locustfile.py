"""The daily mix of GridGov users, for locust (bench/load/run.py starts it headless).

Environment: BENCH_LOAD_FIXTURES (JSON written by prepare.py), BENCH_LOAD_PHOTO (a
JPEG), BENCH_LOAD_RESULTS (where the step results go), BENCH_LOAD_STEP_USERS,
BENCH_LOAD_STEP_SECONDS, BENCH_LOAD_WARMUP_SECONDS, BENCH_LOAD_MAX_USERS,
BENCH_LOAD_P95_MS.

Every simulated user takes the next account of its kind (a fresh session made by
prepare.py) and waits 1–3 s between requests. Request names are the kinds reported.
A non-2xx answer (3xx where the page should answer 200, e.g. a lost session sent to
the login page) is a failure. The step shape (`Steps`) adds BENCH_LOAD_STEP_USERS users
per step and stops after the first step whose p95 (all kinds but the bare view) passes
BENCH_LOAD_P95_MS or that has a failure; each step's figures come from the requests
completed inside it after the warm-up (histograms of the step alone, not cumulative)."""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import uuid
from http.cookiejar import Cookie

from locust import FastHttpUser, LoadTestShape, between, task

FIX = json.load(open(os.environ["BENCH_LOAD_FIXTURES"]))
PHOTO = open(os.environ["BENCH_LOAD_PHOTO"], "rb").read()
RESULTS = os.environ.get("BENCH_LOAD_RESULTS", "bench-load-results.json")
STEP_USERS = int(os.environ.get("BENCH_LOAD_STEP_USERS", "25"))
STEP_SECONDS = int(os.environ.get("BENCH_LOAD_STEP_SECONDS", "60"))
WARMUP = int(os.environ.get("BENCH_LOAD_WARMUP_SECONDS", "15"))
MAX_USERS = int(os.environ.get("BENCH_LOAD_MAX_USERS", "600"))
P95_LIMIT = float(os.environ.get("BENCH_LOAD_P95_MS", "1000"))
CSRF = "benchloadcsrf" + "x" * 19  # a 32-character CSRF secret, as the cookie holds

STALE = "POST on a connection closed by the server (sent again)"
_accounts = {
    "worker": itertools.cycle(FIX["workers"]),
    "dispatcher": itertools.cycle(FIX["dispatchers"]),
    "leader": itertools.cycle(FIX["leaders"]),
    "token": itertools.cycle(FIX["tokens"]),
}
EVENT_LINK = re.compile(r'href="/events/([A-Za-z0-9-]+)/"')
ACTION = re.compile(r'name="action" value="([a-z_]+)"')


def _cookie(name: str, value: str) -> Cookie:
    return Cookie(
        0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None,
        False, None, None, {},
    )  # fmt: skip


class Base(FastHttpUser):
    abstract = True
    wait_time = between(1, 3)

    def login_as(self, session: str) -> None:
        self.client.cookiejar.set_cookie(_cookie("sessionid", session))
        self.client.cookiejar.set_cookie(_cookie("csrftoken", CSRF))

    def page(self, url: str, name: str, expect=(200,), **kw):
        """GET expecting 200 (or `expect`); returns the body (or "" on failure)."""
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True, **kw) as r:
            if r.status_code not in expect:
                r.failure(f"HTTP {r.status_code}")
                return ""
            return r.text or ""

    def post(self, url: str, name: str, expect=(200, 201, 202, 302), **kw):
        """POST; a 400 `invalid_state` (another user of the same unit took the step a
        moment before: the expected answer to that race) is not a failure.

        A POST sent on a kept-alive connection that the server closed meanwhile
        (gunicorn's keep-alive is 2 s, the think time 1–3 s) fails before any answer
        (status 0); a browser sends it again on a new connection, and so does this,
        once. The lost attempt is counted under its own name, STALE, not as an error."""
        headers = {"X-CSRFToken": CSRF, "Referer": f"{self.host}{url}", **kw.pop("headers", {})}
        for attempt in (1, 2):
            with self.client.post(
                url, name=name, headers=headers, allow_redirects=False, catch_response=True, **kw
            ) as r:
                if r.status_code == 0 and attempt == 1:
                    r.request_meta["name"] = STALE
                    r.success()
                    continue
                if r.status_code == 400 and '"invalid_state"' in (r.text or ""):
                    r.success()
                elif r.status_code not in expect:
                    r.failure(f"HTTP {r.status_code}: {(r.text or '')[:200]}")
                return r


class GridWorker(Base):
    """A grid worker's phone: my grid, the report form, reporting with a photo, locate."""

    weight = 70

    def on_start(self):
        self.account = next(_accounts["worker"])
        self.login_as(self.account["session"])

    @task(4)
    def my_grid(self):
        self.page("/collection/", "worker: my grid")

    @task(2)
    def report_form(self):
        self.page("/events/report/", "worker: report form")

    @task(1)
    def person_form(self):
        self.page("/collection/people/new/", "worker: person form")

    @task(2)
    def locate(self):
        a = self.account
        lng = a["lng"] + random.uniform(-0.0002, 0.0002)
        lat = a["lat"] + random.uniform(-0.0002, 0.0002)
        with self.client.get(
            f"/api/v1/areas/locate/?lng={lng:.6f}&lat={lat:.6f}",
            name="worker: locate (API)",
            catch_response=True,
        ) as r:
            if r.status_code not in (200, 404):  # 404: the point left the grid
                r.failure(f"HTTP {r.status_code}")

    @task(1)
    def report(self):
        a = self.account
        self.post(
            "/events/report/",
            "worker: report with photo",
            expect=(302,),
            data={
                "category": FIX["category"],
                "title": f"占道经营 bench {uuid.uuid4().hex[:8]}",
                "description": "bench/load",
                "urgency": "normal",
                "lng": f"{a['lng']:.6f}",
                "lat": f"{a['lat']:.6f}",
                "address": a["grid"],
                "csrfmiddlewaretoken": CSRF,
            },
            files={"photos": ("scene.jpg", PHOTO, "image/jpeg")},
        )

    @task(1)
    def my_cases(self):
        self.page("/events/?box=todo", "worker: inbox")


class Dispatcher(Base):
    """A county dispatcher: the inbox, a case, accept then dispatch to the department."""

    weight = 12

    def on_start(self):
        self.login_as(next(_accounts["dispatcher"]))
        self.numbers: list[str] = []

    @task(3)
    def inbox(self):
        body = self.page("/events/?box=todo", "dispatcher: inbox")
        self.numbers = EVENT_LINK.findall(body)

    @task(3)
    def case(self):
        if not self.numbers:
            return self.inbox()
        number = random.choice(self.numbers)
        body = self.page(f"/events/{number}/", "dispatcher: case page")
        actions = ACTION.findall(body)
        data = {"note": "bench/load", "csrfmiddlewaretoken": CSRF}
        if "accept" in actions:
            data["action"] = "accept"
        elif "dispatch" in actions:
            data.update(action="dispatch", department=FIX["department"])
        else:
            return
        self.post(f"/events/{number}/", f"dispatcher: {data['action']}", expect=(302,), data=data)
        self.numbers.remove(number)


class Leader(Base):
    """A city leader: the cockpit and its panels, the area browser, analysis."""

    weight = 8

    def on_start(self):
        self.login_as(next(_accounts["leader"]))
        self.city = FIX["city"]

    @task(2)
    def cockpit(self):
        self.page(f"/cockpit/?area={self.city}", "leader: cockpit page")
        for panel in ("summary", "trend", "breakdown", "ranking"):
            self.page(f"/api/v1/cockpit/{panel}/?area={self.city}", f"leader: cockpit {panel}")

    @task(2)
    def area_browser(self):
        self.page("/grids/", "leader: area browser", expect=(302,))  # to the root area
        code = random.choice(FIX["areas"])
        self.page(f"/grids/areas/{code}/", "leader: area page")

    @task(1)
    def analysis(self):
        self.page(f"/analysis/?area={self.city}", "leader: analysis")


class Department(Base):
    """A department system on its token: its cases, one case, sign it, its deliveries."""

    weight = 5

    def on_start(self):
        self.client.auth_header = None
        self.auth = {"Authorization": f"Department {next(_accounts['token'])}"}

    @task(3)
    def cases(self):
        with self.client.get(
            "/api/v1/events/?box=todo&limit=20",
            name="department: cases (API)",
            headers=self.auth,
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
                return
            results = r.json().get("results", [])
        if not results:
            return
        number = random.choice(results)["number"]
        with self.client.get(
            f"/api/v1/events/{number}/",
            name="department: case (API)",
            headers=self.auth,
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
                return
            actions = r.json().get("actions", [])
        if "sign" in actions:
            self.post(
                f"/api/v1/events/{number}/actions/sign/",
                "department: sign (API)",
                expect=(200,),
                json={"note": "bench/load"},
                headers=self.auth,
            )

    @task(1)
    def deliveries(self):
        with self.client.get(
            "/api/v1/webhook-deliveries/?limit=20",
            name="department: deliveries (API)",
            headers=self.auth,
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")


class Bare(Base):
    """The ceiling: a bare Django view through the same gunicorn, at the same load."""

    weight = 5

    @task
    def bare(self):
        self.page("/bench/bare/", "bare view (ceiling)")


BARE = "bare view (ceiling)"


def _snapshot(stats) -> dict:
    return {
        name: (e.num_requests, e.num_failures, dict(e.response_times))
        for (name, _method), e in stats.entries.items()
    }


def _percentile(hist: dict, n: int, q: float) -> float | None:
    if n <= 0:
        return None
    want = q * n
    seen = 0
    for ms in sorted(hist):
        seen += hist[ms]
        if seen >= want:
            return float(ms)
    return float(max(hist))


def _diff(before: dict, after: dict, seconds: float) -> dict:
    kinds = {}
    total_hist: dict = {}
    total_n = total_fail = 0
    for name, (n1, f1, h1) in after.items():
        n0, f0, h0 = before.get(name, (0, 0, {}))
        hist = {ms: c - h0.get(ms, 0) for ms, c in h1.items() if c - h0.get(ms, 0) > 0}
        n, fail = n1 - n0, f1 - f0
        kinds[name] = {
            "requests": n,
            "failures": fail,
            "rps": n / seconds,
            "p50": _percentile(hist, n, 0.50),
            "p95": _percentile(hist, n, 0.95),
            "p99": _percentile(hist, n, 0.99),
        }
        if name not in (BARE, STALE):
            total_n += n
            total_fail += fail
            for ms, c in hist.items():
                total_hist[ms] = total_hist.get(ms, 0) + c
    return {
        "kinds": kinds,
        "requests": total_n,
        "failures": total_fail,
        "rps": total_n / seconds,
        "p50": _percentile(total_hist, total_n, 0.50),
        "p95": _percentile(total_hist, total_n, 0.95),
        "p99": _percentile(total_hist, total_n, 0.99),
    }


def _cpu_ticks() -> list[int]:
    """The machine's CPU ticks by state (/proc/stat: user, nice, system, idle, iowait, irq,
    softirq, steal): a step's idle and steal shares say whether it ran out of its own cores
    or was slowed by the host (steal: time the hypervisor gave to other guests)."""
    with open("/proc/stat") as f:
        return [int(v) for v in f.readline().split()[1:9]]


def _cpu_shares(before: list[int], after: list[int]) -> dict:
    used = [b - a for a, b in zip(before, after, strict=True)]
    total = sum(used) or 1
    return {"idle_pct": used[3] / total * 100, "steal_pct": used[7] / total * 100}


class Steps(LoadTestShape):
    """Step load: STEP_USERS more users every STEP_SECONDS until a step fails the aims."""

    def __init__(self):
        super().__init__()
        self.step = -1
        self.mark: dict | None = None
        self.mark_time = 0.0
        self.mark_ticks: list[int] = []
        self.results: list[dict] = []
        self.stop = False

    def _close_step(self) -> None:
        if self.mark is None:
            return
        now = time.monotonic()
        result = _diff(self.mark, _snapshot(self.runner.stats), now - self.mark_time)
        result.update(users=self.users_of(self.step), seconds=now - self.mark_time)
        result.update(_cpu_shares(self.mark_ticks, _cpu_ticks()))
        # Every request since the start (run.py divides each process group's CPU by it).
        result["requests_so_far"] = self.runner.stats.total.num_requests
        result["errors"] = {
            f"{e.method} {e.name}: {e.error}": e.occurrences
            for e in self.runner.stats.errors.values()
        }
        self.results.append(result)
        with open(RESULTS, "w") as f:
            json.dump({"steps": self.results, "p95_limit_ms": P95_LIMIT}, f)
        if result["failures"] or (result["p95"] or 0) > P95_LIMIT:
            self.stop = True
        self.mark = None

    def users_of(self, step: int) -> int:
        return STEP_USERS * (step + 1)

    def tick(self):
        if self.stop:
            return None
        t = self.get_run_time()
        step = int(t // STEP_SECONDS)
        if step != self.step:
            self._close_step()
            if self.stop or self.users_of(step) > MAX_USERS:
                return None
            self.step = step
            self.mark_time = 0.0
        if self.mark is None and t - step * STEP_SECONDS >= WARMUP:
            self.mark = _snapshot(self.runner.stats)
            self.mark_time = time.monotonic()
            self.mark_ticks = _cpu_ticks()
        users = self.users_of(self.step)
        return users, max(5, STEP_USERS / 5)
