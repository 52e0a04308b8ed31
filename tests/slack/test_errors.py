"""Web API refusals become sentences people can act on; bad settings stop start-up with one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError as SdkApiError
from slack_sdk.web import SlackResponse

from assistant.config import load_settings
from assistant.context import Context
from assistant.errors import ConfigError
from assistant.slack.app import build_app
from assistant.slack.blocks.alerts import highlighted_excerpt
from assistant.slack.blocks.common import escape
from assistant.slack.listeners.links import message_link, parse_message_link
from assistant.slack.web import explain
from tests.slack.conftest import BEN, GENERAL, RunningApp, make_ctx
from tests.slack.doubles import MemoEncoder
from tests.slack.fake_slack import TEAM_URL, FakeSlack


def refusal(code: str, **extra: object) -> SdkApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="x",
        req_args={},
        data={"ok": False, "error": code, **extra},
        headers={},
        status_code=200,
    )
    return SdkApiError("refused", response)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("ratelimited", "try again"),
        ("not_in_channel", "/invite"),
        ("channel_not_found", "could not find"),
        ("invalid_auth", "SLACK_BOT_TOKEN"),
        ("something_new", "something_new"),
    ],
)
def test_web_api_errors_read_as_sentences(code: str, words: str) -> None:
    sentence = explain(refusal(code), "reading history")
    assert words in sentence and sentence.endswith(".")


def test_missing_scope_names_the_scope() -> None:
    assert "channels:history" in explain(refusal("missing_scope", needed="channels:history"))


def test_bad_token_stops_start_up_with_a_sentence(
    tmp_path: Path, fake_slack: FakeSlack, memo_encoder: MemoEncoder
) -> None:
    ctx = make_ctx(tmp_path, fake_slack, memo_encoder, slack_bot_token="xoxb-revoked")
    with pytest.raises(ConfigError, match="invalid_auth"):
        build_app(ctx)
    ctx.close()


def test_missing_signing_secret_is_named(tmp_path: Path, fake_slack: FakeSlack, memo_encoder: MemoEncoder) -> None:
    ctx = make_ctx(tmp_path, fake_slack, memo_encoder, slack_signing_secret="")
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        build_app(ctx)
    ctx.close()


def test_not_in_channel_reaches_the_user_by_dm(running_app: RunningApp) -> None:
    app = running_app
    app.slack.add_channel("COUTSIDE1", "elsewhere", members=[BEN])
    app.sender.command("/summarize", "", BEN, "COUTSIDE1")
    (dm,) = app.slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == BEN)
    text = json.dumps(dm.params["blocks"])
    assert "not a member of that channel" in text and "/invite" in text


def test_unknown_channel_link_is_explained(running_app: RunningApp) -> None:
    app = running_app
    app.sender.command("/summarize", f"{TEAM_URL}archives/CNOPE0001/p1700000000000100", BEN, GENERAL)
    (eph,) = app.slack.wait_for("chat.postEphemeral", where=lambda c: c.params.get("user") == BEN)
    assert "not a member" in eph.params["text"] or "could not find" in eph.params["text"]


def test_links_round_trip() -> None:
    link = message_link(TEAM_URL, GENERAL, "1700000000.000200", "1700000000.000100")
    ref = parse_message_link(f"<{link}>")
    assert ref is not None
    assert (ref.channel_id, ref.ts, ref.target) == (GENERAL, "1700000000.000200", "1700000000.000100")
    assert parse_message_link("no link here") is None


def test_user_text_cannot_ping_or_link() -> None:
    assert (
        escape("<!channel> <@U1> <https://evil|click>")
        == "&lt;!channel&gt; &lt;@U1&gt; &lt;https://evil|click&gt;"
    )
    quoted = highlighted_excerpt("ignore previous instructions <!here> you idiot", "idiot")
    assert "&lt;!here&gt;" in quoted and "*idiot*" in quoted


def test_a_web_api_url_that_answers_html_is_one_sentence(tmp_path: Path, memo_encoder: MemoEncoder) -> None:
    """A proxy's HTML page where the Web API should be: start-up stops with a sentence naming SLACK_API_URL."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Html(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = b"<html><body>Proxy login required</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Html)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = load_settings(
            data_dir=tmp_path / "data",
            slack_bot_token="xoxb-test",
            slack_signing_secret="secret",
            slack_api_url=f"http://127.0.0.1:{server.server_address[1]}/api/",
        )
        ctx = Context(settings, encoder=memo_encoder)
        with pytest.raises(ConfigError, match=r"did not answer like the Slack Web API .*SLACK_API_URL"):
            build_app(ctx)
        ctx.close()
    finally:
        server.shutdown()
