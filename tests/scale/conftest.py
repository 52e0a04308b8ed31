"""Scale-out fixtures: one Chroma server (``chroma run``), one PostgreSQL schema, a fake Slack Web API, and
``assistant serve --http`` replicas as real processes on loopback, all sharing them.

The replicas run on the real wall clock (they are other processes): requests to them are signed with it even when
the test session moved its own clock (``ASSISTANT_TEST_NOW``, ``time-machine``), and nothing here asserts on a date.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from assistant.slack.http import EVENTS_PATH, READY_PATH
from tests import conftest as session
from tests.conftest import NO_ENV_FILE
from tests.foundation.conftest import postgres_schema_url
from tests.reliability.conftest import archive_url  # noqa: F401  (SQLite and PostgreSQL, for the store tests)
from tests.slack.conftest import ANA, BEN, GENERAL, MOD, MODS
from tests.slack.doubles import SIGNING_SECRET, SlackSender
from tests.slack.fake_slack import BOT_TOKEN, BOT_USER, FakeSlack

BIN = Path(sys.executable).parent
#: How long a replica may take to load its models and answer ``/readyz`` (two start at once on a shared machine).
START_TIMEOUT_S = 180.0
CHROMA_START_TIMEOUT_S = 30.0
HELP = "CHELP0001"
#: Members who write the flagged messages: one per message of the traffic (no two of its flags share an alert), the
#: last three one burst each.
WRITERS = [f"UWRITER{i:02d}" for i in range(1, 9)]
#: The instant the cluster's clocks start at (ticking), unless the session's clock was moved (ASSISTANT_TEST_NOW):
#: Monday 00:30 UTC, where week and day boundaries are nearest.
PINNED = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)
#: Put first on the replicas' PYTHONPATH: its sitecustomize starts their clocks at the test process's instant.
PINNED_CLOCK_DIR = Path(__file__).parent / "pinned_clock"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, timeout: float = 2.0) -> int:
    """The status of a GET, 0 when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class Process:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path
    port: int

    def stop(self) -> None:
        """SIGTERM (uvicorn and Chroma shut down cleanly), then SIGKILL to its process group (its own session:
        nothing it started outlives the test)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)


@dataclass
class Launcher:
    """How to start one server: ``argv(port)`` and when it is ready to serve on ``port``."""

    name: str
    argv: Callable[[int], list[str]]
    env: dict[str, str]
    cwd: Path
    ready: Callable[[int], bool]

    @property
    def log(self) -> Path:
        return self.cwd / f"{self.name}.log"

    def launch(self) -> Process:
        port = free_port()
        with self.log.open("ab") as out:
            proc = subprocess.Popen(
                self.argv(port),
                cwd=self.cwd,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return Process(self.name, proc, self.log, port)


@contextmanager
def started(launchers: list[Launcher], timeout: float) -> Iterator[list[Process]]:
    """Start every server at once on a free port each and wait until all are ready; stopped afterwards, whatever
    happens. A port taken between our probe and the server's bind (another process got it) is retried."""
    processes = [launcher.launch() for launcher in launchers]
    try:
        deadline = time.monotonic() + timeout
        waiting = set(range(len(launchers)))
        retries = 0
        while waiting:
            for i in sorted(waiting):
                launcher, process = launchers[i], processes[i]
                if process.proc.poll() is not None:
                    log = _tail(launcher.log)
                    if "address already in use" in log.lower() and retries < 3:
                        retries += 1
                        processes[i] = launcher.launch()
                        continue
                    pytest.fail(f"{launcher.name} exited with {process.proc.returncode}; its log ends:\n{log}")
                if launcher.ready(process.port):
                    waiting.discard(i)
            if waiting and time.monotonic() > deadline:
                names = ", ".join(launchers[i].name for i in sorted(waiting))
                logs = "\n".join(f"-- {launchers[i].name}:\n{_tail(launchers[i].log)}" for i in sorted(waiting))
                pytest.fail(f"not ready within {timeout:.0f} s: {names}\n{logs}")
            time.sleep(0.1)
        yield processes
    finally:
        for process in processes:
            process.stop()


def _child_env(extra: dict[str, str]) -> dict[str, str]:
    """A clean environment: none of the developer's Slack, assistant or Chroma settings, no model downloads."""
    keep = {
        k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "XDG_CACHE_HOME")
    }
    return (
        keep
        | {
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
            "TOKENIZERS_PARALLELISM": "false",
            "ASSISTANT_ENV_FILE": str(NO_ENV_FILE),
            "TZ": "UTC",
        }
        | extra
    )


def chroma_launcher(path: Path) -> Launcher:
    """``chroma run`` on a loopback port, persisting under ``path``; ready when its heartbeat answers. The server
    never embeds: the replicas send their own vectors (and their collections name their own embedding function)."""
    path.mkdir(parents=True, exist_ok=True)
    chroma = BIN / "chroma"
    if not chroma.exists():
        pytest.fail(f"chromadb's CLI is not in the environment ({chroma}): pip install -e '.[dev]'")
    return Launcher(
        "chroma",
        lambda port: [str(chroma), "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)],
        _child_env({}),
        path,
        lambda port: _get(f"http://127.0.0.1:{port}/api/v2/heartbeat") == 200,
    )


def replica_launcher(name: str, root: Path, env: dict[str, str]) -> Launcher:
    """``assistant serve --http`` on a loopback port with its own data directory; ready when ``/readyz`` says the
    archive and the index answer (its models are loaded by then: ``build_app`` loads them before serving)."""
    home = root / name
    home.mkdir(parents=True, exist_ok=True)
    assistant = BIN / "assistant"
    if not assistant.exists():
        pytest.fail(f"the assistant command is not in the environment ({assistant}): pip install -e .")
    return Launcher(
        name,
        lambda port: [str(assistant), "serve", "--http", "--host", "127.0.0.1", "--port", str(port)],
        _child_env(env | {"ASSISTANT_DATA_DIR": str(home / "data")}),
        home,
        lambda port: _get(f"http://127.0.0.1:{port}{READY_PATH}") == 200,
    )


@dataclass
class Replica:
    name: str
    process: Process
    sender: SlackSender


def workspace(slack: FakeSlack) -> None:
    for uid, name in ((ANA, "ana"), (BEN, "ben"), (MOD, "mo"), (BOT_USER, "assistant")):
        slack.add_user(uid, name)
    for i, uid in enumerate(WRITERS, start=1):
        slack.add_user(uid, f"writer{i}")
    everyone = [ANA, BEN, MOD, BOT_USER, *WRITERS]
    slack.add_channel(GENERAL, "general", members=everyone)
    slack.add_channel(HELP, "help", members=everyone)
    slack.add_channel(MODS, "moderators", members=[MOD, BOT_USER])


@dataclass
class Cluster:
    slack: FakeSlack
    replicas: list[Replica]
    database_url: str
    chroma: Process


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two replicas started at once (the first start migrates the empty schema and fills the index's knowledge
    collections: both race for it), one PostgreSQL schema, one Chroma server, one fake Slack. No load balancer:
    the test spreads the requests itself."""
    root = tmp_path_factory.mktemp("scale")
    for database_url in postgres_schema_url():
        with FakeSlack() as slack, ExitStack() as stack:
            workspace(slack)
            (chroma,) = stack.enter_context(started([chroma_launcher(root / "chroma")], CHROMA_START_TIMEOUT_S))
            env = {
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": slack.base_url,
                "MODERATORS_CHANNEL": "moderators",
                "DATABASE_URL": database_url,
                "CHROMA_HOST": "127.0.0.1",
                "CHROMA_PORT": str(chroma.port),
                "ASSISTANT_TORCH_THREADS": "1",
                "ASSISTANT_LOG_LEVEL": "INFO",
            }
            # The test process and both replicas tick from the same pinned instant (replicas check signatures and
            # date messages against their own clock).
            stack.enter_context(time_machine.travel(session.SESSION_NOW or PINNED, tick=True))
            env |= {
                "PYTHONPATH": str(PINNED_CLOCK_DIR),
                "ASSISTANT_TEST_PINNED_NOW": datetime.now(UTC).isoformat(),
            }
            launchers = [replica_launcher(name, root, env) for name in ("replica-a", "replica-b")]
            processes = stack.enter_context(started(launchers, START_TIMEOUT_S))
            replicas = [
                Replica(p.name, p, SlackSender(f"http://127.0.0.1:{p.port}{EVENTS_PATH}")) for p in processes
            ]
            yield Cluster(slack, replicas, database_url, chroma)
