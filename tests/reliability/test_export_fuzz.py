"""Issue 14, the export reader under arbitrary input: whatever the listings and day files hold, ``read_export``
raises nothing but ``ExportError``, every problem names a file of the export, and the good messages are all kept."""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import ExportError
from assistant.ingest import read_export
from tests.reliability.strategies import any_json

T0 = 1767603600  # 2026-01-05 09:00 UTC
GOOD = [
    {"type": "message", "user": "U1", "text": f"good message {i}", "ts": f"{T0 + i * 60}.000100"} for i in range(5)
]
CHANNELS = [{"id": "C1", "name": "general", "members": ["U1"]}]
USERS = [{"id": "U1", "name": "ana"}]

json_values = any_json(
    ["nan", "inf", "1e300", "\u0000", "message", "message_changed", "../x", "general"],
    text_size=20,
    size=5,
    leaves=25,
)
#: Timestamps of fuzzed messages never equal a good one, so a good message can only be lost by a bug.
fuzz_ts = st.integers(min_value=T0 + 10**6, max_value=T0 + 2 * 10**6).map(lambda n: f"{n}.000200") | json_values
message_like = st.fixed_dictionaries(
    {},
    optional={
        "type": st.just("message") | json_values,
        "subtype": st.sampled_from([None, "message_changed", "message_deleted", "channel_join", "bot_message"])
        | json_values,
        "ts": fuzz_ts,
        "thread_ts": fuzz_ts,
        "user": st.sampled_from(["U1", "U2"]) | json_values,
        "text": st.text(max_size=30) | json_values,
        "replies": st.lists(st.fixed_dictionaries({"ts": fuzz_ts}) | json_values, max_size=3),
        "reactions": json_values,
        "edited": json_values,
        "message": st.fixed_dictionaries({"ts": fuzz_ts, "text": json_values}) | json_values,
        "deleted_ts": fuzz_ts,
        "reply_count": json_values,
        "files": json_values,
    },
)
day_file = (
    st.lists(message_like | json_values, max_size=6).map(lambda v: json.dumps(v).encode())
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=120)
)
listing = st.one_of(
    st.just(None),  # the well-formed default
    json_values.map(lambda v: json.dumps(v).encode()),
    st.lists(json_values, max_size=4).map(lambda v: json.dumps([*CHANNELS, *v]).encode()),
    st.binary(max_size=60),
)


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    general_day=day_file,
    other_day=day_file,
    channels=listing,
    users=listing,
    as_zip=st.booleans(),
)
def test_arbitrary_files_never_crash_and_never_cost_good_messages(
    general_day: bytes, other_day: bytes, channels: bytes | None, users: bytes | None, as_zip: bool
) -> None:
    files: dict[str, bytes] = {
        "channels.json": channels if channels is not None else json.dumps(CHANNELS).encode(),
        "users.json": users if users is not None else json.dumps(USERS).encode(),
        "general/2026-01-05.json": json.dumps(GOOD).encode(),
        "general/2026-01-06.json": general_day,
        "random/2026-01-05.json": other_day,
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), files, as_zip=as_zip)
        try:
            contents = read_export(path)
        except ExportError:
            raise AssertionError("a readable channels.json was given: the export is usable") from None
    names = set(files) | {"general/", "random/"}
    assert all(problem.file in names for problem in contents.problems), contents.problems
    kept = {(m.ts, m.text) for m in contents.messages}
    assert {(m["ts"], m["text"]) for m in GOOD} <= kept
    for m in contents.messages:
        assert "\x00" not in m.text + m.raw_text and 1990 <= m.time.year < 2100


def _write(root: Path, files: dict[str, Any], *, as_zip: bool) -> Path:
    if as_zip:
        archive = root / "export.zip"
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for rel, blob in files.items():
                zf.writestr(rel, blob)
        return archive
    folder = root / "export"
    for rel, blob in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(blob)
    return folder
