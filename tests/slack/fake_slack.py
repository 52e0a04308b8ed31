"""A fake Slack Web API for tests: a small threaded HTTP server implementing the methods the app calls,
recording every call, and able to answer ``429`` with ``Retry-After`` or an error on demand. It also serves the
``response_url`` of commands and interactions: what is posted there is recorded as a call to ``RESPONSE_URL``
(with the URL's path), and answered ``200 ok`` like Slack does, or with a failure given to ``fail``."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

BOT_TOKEN = "xoxb-test-token"
ADMIN_TOKEN = "xoxp-admin-token"
APP_TOKEN = "xapp-test-token"
BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM_URL = "https://fake-team.slack.com/"
#: The "method" a post to a ``response_url`` is recorded under (and ``fail`` takes).
RESPONSE_URL = "response_url"
_RESPONSE_PATH = "/response/"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None
    path: str = ""


@dataclass
class Failure:
    status: int = 429
    error: str = "ratelimited"
    retry_after: int | None = 1
    times: int = 1


@dataclass
class FakeSlackState:
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)  # channel -> users
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> messages, oldest first
    replies: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    usergroups: dict[str, list[str]] = field(default_factory=dict)


class FakeSlack:
    """Start with ``with FakeSlack() as slack:``; ``slack.base_url`` is the Web API base URL."""

    def __init__(self) -> None:
        self.state = FakeSlackState()
        self.calls: list[Call] = []
        self.failures: dict[str, list[Failure]] = {}
        self.socket_url = "ws://127.0.0.1:9/unused"
        self._lock = threading.Lock()
        self._ts = 1_700_000_000
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # Lifecycle ---------------------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    def response_url(self, key: str) -> str:
        """A ``response_url`` served here; posts to it are recorded with ``path`` ending in ``key``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}{_RESPONSE_PATH}{key}"

    def __enter__(self) -> FakeSlack:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # Test helpers ------------------------------------------------------------------------------------------------
    def add_channel(self, cid: str, name: str, *, private: bool = False, members: list[str] | None = None) -> None:
        self.state.channels[cid] = {
            "id": cid,
            "name": name,
            "is_private": private,
            "is_channel": not private,
            "created": 1_690_000_000,
            "is_archived": False,
        }
        self.state.members[cid] = list(members or [])

    def add_user(self, uid: str, name: str) -> None:
        self.state.users[uid] = {
            "id": uid,
            "name": name,
            "real_name": name.title(),
            "profile": {"display_name": name, "real_name": name.title()},
        }

    def fail(self, method: str, failure: Failure) -> None:
        with self._lock:
            self.failures.setdefault(method, []).append(failure)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 10.0, where: Callable[[Call], bool] | None = None
    ) -> list[Call]:
        """Calls to ``method`` (matching ``where``) once there are at least ``count``; fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.calls_to(method) if where is None or where(c)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} call(s) to {method}, saw {len(found)}: {[c.method for c in self.calls]}"
                )
            time.sleep(0.02)

    def next_ts(self) -> str:
        with self._lock:
            self._ts += 1
            return f"{self._ts}.000100"

    # Web API -----------------------------------------------------------------------------------------------------
    def handle(
        self, method: str, params: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        failure = self._record(Call(method, params, token))
        if failure is not None:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return failure.status, {"ok": False, "error": failure.error}, headers
        if method == "apps.connections.open":
            if token != APP_TOKEN:
                return 200, {"ok": False, "error": "invalid_auth"}, {}
            return 200, {"ok": True, "url": self.socket_url}, {}
        if token not in (BOT_TOKEN, ADMIN_TOKEN):
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        return 200, handler(params), {}

    def handle_response(self, path: str, params: dict[str, Any]) -> tuple[int, str]:
        """A post to a ``response_url``: Slack answers ``200 ok``, or an error in plain text (``expired_url``)."""
        failure = self._record(Call(RESPONSE_URL, params, None, path))
        return (failure.status, failure.error) if failure is not None else (200, "ok")

    def _record(self, call: Call) -> Failure | None:
        """Record a call; the failure queued for its method, if any, is what Slack answers."""
        with self._lock:
            self.calls.append(call)
            queue = self.failures.get(call.method)
            failure = queue[0] if queue else None
            if queue and failure is not None:
                failure.times -= 1
                if failure.times <= 0:
                    queue.pop(0)
        return failure

    def api_auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": TEAM_URL,
            "team": "Fake",
            "team_id": "T1",
            "user": "assistant",
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
        }

    def api_chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        ts = self.next_ts()
        message = {"type": "message", "ts": ts, "text": p.get("text", ""), "bot_id": BOT_ID, "user": BOT_USER}
        if p.get("thread_ts"):
            message["thread_ts"] = p["thread_ts"]
        return {"ok": True, "channel": p.get("channel"), "ts": ts, "message": message}

    def api_chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": p.get("channel"), "ts": p.get("ts"), "text": p.get("text", "")}

    def api_chat_postEphemeral(self, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("channel") in self.state.channels and BOT_USER not in self.state.members.get(p["channel"], []):
            return {"ok": False, "error": "not_in_channel"}
        return {"ok": True, "message_ts": self.next_ts()}

    def api_chat_getPermalink(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "channel": p["channel"],
            "permalink": f"{TEAM_URL}archives/{p['channel']}/p{str(p['message_ts']).replace('.', '')}",
        }

    def api_chat_delete(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": p.get("channel"), "ts": p.get("ts")}

    def _page(self, items: list[dict[str, Any]], p: dict[str, Any], key: str) -> dict[str, Any]:
        limit = int(p.get("limit") or 100)
        start = int(p.get("cursor") or 0)
        page = items[start : start + limit]
        nxt = start + limit if start + limit < len(items) else None
        return {
            "ok": True,
            key: page,
            "has_more": nxt is not None,
            "response_metadata": {"next_cursor": str(nxt) if nxt is not None else ""},
        }

    def api_conversations_history(self, p: dict[str, Any]) -> dict[str, Any]:
        cid = p.get("channel", "")
        if cid not in self.state.channels:
            return {"ok": False, "error": "channel_not_found"}
        items = sorted(self.state.history.get(cid, []), key=lambda m: float(m["ts"]), reverse=True)
        if p.get("oldest"):
            items = [m for m in items if float(m["ts"]) > float(p["oldest"])]
        return self._page(items, p, "messages")

    def api_conversations_replies(self, p: dict[str, Any]) -> dict[str, Any]:
        items = self.state.replies.get((p.get("channel", ""), p.get("ts", "")))
        if items is None:
            return {"ok": False, "error": "thread_not_found"}
        return self._page(items, p, "messages")

    def api_conversations_info(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self.state.channels.get(p.get("channel", ""))
        return {"ok": True, "channel": channel} if channel else {"ok": False, "error": "channel_not_found"}

    def api_conversations_members(self, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("channel") not in self.state.channels:
            return {"ok": False, "error": "channel_not_found"}
        return self._page(list(self.state.members[p["channel"]]), p, "members")

    def api_users_conversations(self, p: dict[str, Any]) -> dict[str, Any]:
        user = p.get("user") or BOT_USER
        chans = [c for cid, c in self.state.channels.items() if user in self.state.members.get(cid, [])]
        return self._page(chans, p, "channels")

    def api_users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self.state.users.get(p.get("user", ""))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def api_usergroups_users_list(self, p: dict[str, Any]) -> dict[str, Any]:
        users = self.state.usergroups.get(p.get("usergroup", ""))
        return {"ok": True, "users": users} if users is not None else {"ok": False, "error": "no_such_subteam"}

    def api_views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": p.get("view")}

    # AI app threads (Bolt's ``Assistant``): the status line and the suggested prompts of an assistant thread.
    def api_assistant_threads_setStatus(self, p: dict[str, Any]) -> dict[str, Any]:
        return (
            {"ok": True} if p.get("channel_id") and p.get("thread_ts") else {"ok": False, "error": "invalid_args"}
        )

    def api_assistant_threads_setSuggestedPrompts(self, p: dict[str, Any]) -> dict[str, Any]:
        prompts = p.get("prompts")
        if not p.get("channel_id") or not isinstance(prompts, list) or not 1 <= len(prompts) <= 4:
            return {"ok": False, "error": "invalid_args"}
        return {"ok": True}

    def api_assistant_threads_setTitle(self, p: dict[str, Any]) -> dict[str, Any]:
        return (
            {"ok": True} if p.get("channel_id") and p.get("thread_ts") else {"ok": False, "error": "invalid_args"}
        )

    # HTTP plumbing -----------------------------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                url = urlparse(self.path)
                params: dict[str, Any] = {k: v[0] for k, v in parse_qs(url.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                ctype = self.headers.get("Content-Type", "")
                if raw and "json" in ctype:
                    params.update(json.loads(raw))
                elif raw:
                    params.update({k: v[0] for k, v in parse_qs(raw.decode()).items()})
                for key in ("blocks", "view"):
                    if isinstance(params.get(key), str):
                        params[key] = json.loads(params[key])
                if url.path.startswith(_RESPONSE_PATH):
                    status, text = fake.handle_response(url.path, params)
                    self._send(status, text.encode(), "text/plain", {})
                    return
                auth = self.headers.get("Authorization", "")
                token = auth.removeprefix("Bearer ").strip() or params.pop("token", None)
                method = url.path.removeprefix("/api/")
                status, body, headers = fake.handle(method, params, token)
                self._send(status, json.dumps(body).encode(), "application/json", headers)

            def _send(self, status: int, data: bytes, content_type: str, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = _serve
            do_POST = _serve

        return Handler
