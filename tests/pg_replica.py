"""A real streaming replica of the test cluster, for tests/test_read_replica.py.

`StreamingReplica.create()` takes a base backup of the PostgreSQL cluster the tests run on
(`pg_basebackup -R` with a replication slot of its own, so the primary keeps the WAL the
replica has not received, even while it is stopped), starts it as a hot standby on a
free loopback port with the same server binaries, and waits until it streams. The
primary's authentication rules are copied (`pg_hba.conf`, read through the server), so
the application role logs in there as on the primary. `remove()` stops it, deletes its
files and drops the slot. A run makes one (`create(owner=<the run's process>)`, found
again by the run's other processes with `of(owner)`, used under `locked(owner)`); the
replicas and slots of runs whose process is gone are removed by the next `create()`.

The base backup copies the whole cluster, every database on the server: 7 s for 0.15 GB,
21 s for 5.8 GB with the benchmark databases present (2-core machine, 2026-12-01).

Needs: the server binaries of the primary's major version (`/usr/lib/postgresql/N/bin`,
or `pg_config --bindir`), a superuser (DATABASE_SUPERUSER_URL, default postgres at the
test database's host, as scripts/setup-db.sh) allowed replication connections from
loopback (scripts/setup-db.sh --test adds the pg_hba.conf line when missing). Run as
root, the replica's server runs as the owner of the primary's data directory.
"""

from __future__ import annotations

import fcntl
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg

SLOT_PREFIX = "gridgov_test_replica_"
DIR_PREFIX = "gridgov-replica-"
STATE = "replica.json"


def shared_root(owner: int) -> Path:
    return Path(tempfile.gettempdir()) / f"{DIR_PREFIX}{owner}-run"


@contextmanager
def locked(owner: int) -> Iterator[None]:
    """An exclusive lock on `owner`'s replica, across the processes of a test run."""
    path = Path(tempfile.gettempdir()) / f"{DIR_PREFIX}{owner}.lock"
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


class ReplicaUnavailable(Exception):
    """The machine has no PostgreSQL server binaries to run a replica with."""


def superuser_params(host: str, port: str | int) -> dict:
    url = os.environ.get("DATABASE_SUPERUSER_URL", "")
    if url:
        u = urlsplit(url)
        return {
            "host": unquote(u.hostname or host),
            "port": u.port or port,
            "user": unquote(u.username or "postgres"),
            "password": unquote(u.password or "") or None,
            "dbname": "postgres",
        }
    return {"host": host, "port": port, "user": "postgres", "dbname": "postgres"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_bindir(major: int) -> Path:
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin")]
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(Path(out.stdout.strip()))
    for d in candidates:
        if (d / "postgres").exists() and (d / "pg_basebackup").exists() and (d / "pg_ctl").exists():
            return d
    raise ReplicaUnavailable(f"no PostgreSQL {major} server binaries ({candidates[0]})")


@dataclass
class StreamingReplica:
    bindir: Path
    root: Path  # temporary directory: data/, server.log, the socket
    port: int
    slot: str
    su: dict  # the primary's superuser connection parameters
    run_as: str | None  # OS user the server runs as (when the tests run as root)

    @property
    def data(self) -> Path:
        return self.root / "data"

    # -- life cycle -------------------------------------------------------------------

    @classmethod
    def create(cls, *, host: str, port: str | int, owner: int | None = None) -> StreamingReplica:
        """A new replica in the temporary directory of `owner` (a process id: the test
        run's; this process by default), named so that a later run can tell it is left
        over once that process is gone."""
        owner = owner or os.getpid()
        su = superuser_params(host or "localhost", port or 5432)
        with psycopg.connect(**su, autocommit=True) as c:
            major = int(c.execute("SHOW server_version_num").fetchone()[0]) // 10000
            bindir = server_bindir(major)
            settings = dict(
                c.execute(
                    "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
                    [list(_AT_LEAST_PRIMARY)],
                ).fetchall()
            )
            data_directory = c.execute("SHOW data_directory").fetchone()[0]
            hba = c.execute("SELECT pg_read_file(current_setting('hba_file'))").fetchone()[0]
            ident = c.execute("SELECT pg_read_file(current_setting('ident_file'))").fetchone()[0]
        run_as = None
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root: as the primary's server does.
            try:
                run_as = pwd.getpwuid(os.stat(data_directory).st_uid).pw_name
            except (OSError, KeyError):
                run_as = "postgres"
        _remove_orphans(bindir, run_as)
        with psycopg.connect(**su, autocommit=True) as c:
            _drop_orphan_slots(c)
        root = shared_root(owner)
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(mode=0o700)
        if run_as:
            shutil.chown(root, user=run_as)
        replica = cls(
            bindir=bindir,
            root=root,
            port=_free_port(),
            slot=f"{SLOT_PREFIX}{owner}",
            su=su,
            run_as=run_as,
        )
        try:
            for attempt in range(3):
                try:
                    replica._base_backup()
                    break
                except RuntimeError:
                    # A busy primary may cut the backup's WAL stream (its slot taken back
                    # by a checkpoint while being made): once more, from scratch.
                    if attempt == 2:
                        raise
                    shutil.rmtree(replica.data, ignore_errors=True)
                    with psycopg.connect(**su, autocommit=True) as c:
                        _drop_slot(c, replica.slot)
            replica._configure(settings, hba, ident)
            replica.start()
        except BaseException:
            replica.remove()
            raise
        # The password (DATABASE_SUPERUSER_URL) stays out of the file.
        state = {**asdict(replica), "bindir": str(bindir), "root": str(root)}
        state["su"] = {k: v for k, v in su.items() if k != "password"}
        (root / STATE).write_text(json.dumps(state))
        return replica

    @classmethod
    def of(cls, owner: int) -> StreamingReplica | None:
        """The replica `create(owner=…)` made, if it is there."""
        try:
            state = json.loads((shared_root(owner) / STATE).read_text())
        except (OSError, ValueError):
            return None
        su = superuser_params(state["su"]["host"], state["su"]["port"])
        return cls(
            **{**state, "su": su, "bindir": Path(state["bindir"]), "root": Path(state["root"])}
        )

    def _run(self, *args: str, check: bool = True, timeout: float = 300):
        command = [str(a) for a in args]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        env = {**os.environ, "PGPASSWORD": self.su.get("password") or ""}
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command)} failed ({result.returncode}): "
                f"{result.stderr.strip()}\n{self._log_tail()}"
            )
        return result

    def _log_tail(self) -> str:
        try:
            return (self.root / "server.log").read_text()[-2000:]
        except OSError:
            return ""

    def _base_backup(self) -> None:
        host = self.su["host"]
        self._run(
            self.bindir / "pg_basebackup",
            "-h",
            "127.0.0.1" if host == "localhost" else host,
            "-p",
            self.su["port"],
            "-U",
            self.su["user"],
            "-D",
            self.data,
            "-X",
            "stream",
            "-R",  # standby.signal and primary_conninfo
            "-C",
            "-S",
            self.slot,
            "-c",
            "fast",
            "--no-sync",  # a throw-away copy
            "-w",
        )

    def _configure(self, primary: dict, hba: str, ident: str) -> None:
        lines = [
            "# GridGov test replica (tests/pg_replica.py); port and socket on the command line",
            "hot_standby = on",
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "shared_buffers = 16MB",
            "max_wal_size = 256MB",
            "wal_receiver_status_interval = 1s",
            "autovacuum = off",
            f"hba_file = '{self.data}/pg_hba.conf'",
            f"ident_file = '{self.data}/pg_ident.conf'",
            "logging_collector = off",
            "timezone = 'UTC'",
        ]
        # A hot standby needs at least the primary's values of these.
        lines += [f"{name} = {value}" for name, value in primary.items()]
        for name, text in (
            ("postgresql.conf", "\n".join(lines) + "\n"),
            ("pg_hba.conf", hba),
            ("pg_ident.conf", ident),
        ):
            path = self.data / name
            path.write_text(text)
            if self.run_as:
                shutil.chown(path, user=self.run_as)
            path.chmod(0o600)

    def start(self) -> None:
        self._run(
            self.bindir / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.root / "server.log",
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root}",
            "start",
        )
        self.wait_streaming()

    def stop(self, mode: str = "fast") -> None:
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False)

    def running(self) -> bool:
        status = self._run(self.bindir / "pg_ctl", "-D", self.data, "status", check=False)
        return status.returncode == 0

    def remove(self) -> None:
        if self.data.exists() and self.running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
        try:
            with psycopg.connect(**self.su, autocommit=True) as c:
                _drop_slot(c, self.slot)
        except psycopg.Error:
            pass

    # -- talking to it ----------------------------------------------------------------

    def connect(self, **params) -> psycopg.Connection:
        """A superuser connection to the replica."""
        return psycopg.connect(
            **{**self.su, "host": "127.0.0.1", "port": self.port, **params}, autocommit=True
        )

    def primary(self) -> psycopg.Connection:
        return psycopg.connect(**self.su, autocommit=True)

    def wait_streaming(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        status = None
        while time.monotonic() < deadline:
            try:
                with self.connect() as c:
                    row = c.execute("SELECT status FROM pg_stat_wal_receiver").fetchone()
                    status = row[0] if row else None
                    if status == "streaming":
                        return
            except psycopg.OperationalError as exc:  # still starting
                status = str(exc).strip()
            time.sleep(0.1)
        raise RuntimeError(
            f"replica not streaming after {timeout} s ({status})\n{self._log_tail()}"
        )

    def wait_replayed(self, timeout: float = 30) -> None:
        """Until the replica has replayed everything the primary has written so far."""
        with self.primary() as p:
            lsn = p.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
        deadline = time.monotonic() + timeout
        with self.connect() as c:
            while time.monotonic() < deadline:
                done = c.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]).fetchone()[
                    0
                ]
                if done:
                    return
                time.sleep(0.05)
        raise RuntimeError(f"replica has not replayed {lsn} after {timeout} s")

    def pause_replay(self) -> None:
        with self.connect() as c:
            c.execute("SELECT pg_wal_replay_pause()")
            while c.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()[0] != "paused":
                time.sleep(0.02)

    def resume_replay(self) -> None:
        with self.connect() as c:
            c.execute("SELECT pg_wal_replay_resume()")


# Settings a hot standby must have at least as high as its primary.
_AT_LEAST_PRIMARY = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


def _drop_slot(c: psycopg.Connection, slot: str) -> None:
    c.execute(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
        "WHERE slot_name = %s AND NOT active",
        [slot],
    )


def _drop_orphan_slots(c: psycopg.Connection) -> None:
    """Slots of test processes that are gone (they would keep WAL on the primary)."""
    rows = c.execute(
        "SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE %s AND NOT active",
        [SLOT_PREFIX.replace("_", r"\_") + "%"],
    ).fetchall()
    for (slot,) in rows:
        m = re.fullmatch(re.escape(SLOT_PREFIX) + r"(\d+)", slot)
        if m and not _alive(int(m.group(1))):
            _drop_slot(c, slot)


def remove_run_replica(owner: int) -> None:
    """At the end of a test run: its replica, if one was made."""
    with locked(owner):
        replica = StreamingReplica.of(owner)
        if replica is not None:
            replica.remove()
    (Path(tempfile.gettempdir()) / f"{DIR_PREFIX}{owner}.lock").unlink(missing_ok=True)


def _remove_orphans(bindir: Path, run_as: str | None) -> None:
    """Replicas of test processes that died without removing theirs: stopped, deleted."""
    for root in Path(tempfile.gettempdir()).glob(f"{DIR_PREFIX}*-run"):
        m = re.fullmatch(re.escape(DIR_PREFIX) + r"(\d+)-run", root.name)
        if not m or _alive(int(m.group(1))):
            continue
        (root.parent / f"{DIR_PREFIX}{m.group(1)}.lock").unlink(missing_ok=True)
        if (root / "data" / "postmaster.pid").exists():
            command = [str(bindir / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "stop"]
            if run_as:
                command = ["runuser", "-u", run_as, "--", *command]
            subprocess.run(command, capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
