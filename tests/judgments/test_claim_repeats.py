"""Confirmed repeats of claims (issue 18): the matrix reads them beside the claim's own vector, they are stored
once per wording, imported from labelled files, kept until retention deletes their message, and a moderator's warn,
remove or escalate on a claim flag confirms one (SQLite and the real PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from assistant.claims import ClaimMatrix, ClaimsService
from assistant.claims.models import ClaimInput
from assistant.domain import Message
from assistant.domain.records import ModerationActionKind
from assistant.errors import AssistantError, NotFoundError
from assistant.store.versions import CLAIMS_REVISION
from tests.judgments.test_claims_store import AT, service  # noqa: F401  (fixture)
from tests.moderation.conftest import BOB, MOD, RecordingGateway, World, make_world, memo_encoder  # noqa: F401  (fixtures)
from tests.reliability.conftest import archive_url  # noqa: F401  (SQLite + PostgreSQL)

Kind = ModerationActionKind


def _unit(*values: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def _matrix(repeats: list[np.ndarray], rows: list[int]) -> ClaimMatrix:
    claims = np.stack([_unit(1, 0, 0, 0), _unit(0, 1, 0, 0), _unit(0, 0, 1, 0)])
    return ClaimMatrix.build(
        ids=["a", "b", "c"],
        texts=["claim a", "claim b", "claim c"],
        titles=["", "", ""],
        verdicts=["false"] * 3,
        corrections=[""] * 3,
        source_urls=[""] * 3,
        refuted_by=[""] * 3,
        claims=claims,
        title_vectors=np.zeros_like(claims),
        correction_vectors=np.zeros_like(claims),
        repeat_vectors=np.stack(repeats) if repeats else None,
        repeat_rows=rows,
    )


def test_a_claims_similarity_is_the_best_of_its_text_and_its_repeats() -> None:
    query = _unit(0.1, 0, 0.2, 1)  # far from every claim's text, close to b's repeat
    plain = _matrix([], [])
    taught = _matrix([_unit(0, 0.2, 0, 1)], [1])
    assert plain.rank("", query, k=1) == [2]
    assert taught.rank("", query, k=1) == [1]
    assert taught.similarity(1, query) == pytest.approx(float(_unit(0, 0.2, 0, 1) @ query))
    assert taught.similarity(0, query) == pytest.approx(float(plain.claims[0] @ query))  # others unchanged
    nearest = taught.nearest_similarity(query[None, :])[0]
    assert (
        nearest == pytest.approx(taught.similarity(1, query))
        and nearest > plain.nearest_similarity(query[None, :])[0]
    )
    dense = taught.dense(query)
    assert dense[1] == pytest.approx(taught.similarity(1, query)) and dense[0] == pytest.approx(
        plain.dense(query)[0]
    )


def test_confirmed_repeats_join_the_matrix_once_per_wording(service: ClaimsService) -> None:  # noqa: F811
    claim = service.add(ClaimInput(text="The library closes at noon on Fridays", verdict="false"), "UMOD1")
    other = service.add(ClaimInput(text="Parking is free on weekends", verdict="false"), "UMOD1")
    assert service.matrix().repeats is None
    assert service.confirmed.confirm(
        claim.id, "heard the libary shuts midday friday??", "UMOD1", channel_id="C1", ts="1.0"
    )
    assert not service.confirmed.confirm(claim.id, "Heard the libary shuts midday Friday!", "UMOD2")  # same words
    assert service.confirmed.confirm(other.id, "weekend parking costs nothing now", "UMOD1")
    matrix = service.matrix()
    assert matrix.repeat_rows is not None and sorted(matrix.ids[r] for r in matrix.repeat_rows) == sorted(
        [claim.id, other.id]
    )
    [stored] = service.confirmed.of_claim(claim.id)
    assert (stored.channel_id, stored.ts, stored.origin, stored.added_by, stored.added_at) == (
        "C1",
        "1.0",
        "moderation",
        "UMOD1",
        AT,
    )
    service.remove(other.id, "UMOD1")  # a removed claim's repeats are not read
    matrix = service.matrix()
    assert matrix.repeat_rows is not None and [matrix.ids[r] for r in matrix.repeat_rows] == [claim.id]
    with pytest.raises(NotFoundError):
        service.confirmed.confirm(other.id, "parking is free", "UMOD1")
    with pytest.raises(AssistantError):
        service.confirmed.confirm(claim.id, "   ", "UMOD1")
    actions = [e.action for e in service.archive.audit()]
    assert actions.count("claim_repeat_confirmed") == 2


def test_labelled_repeats_are_imported_by_column_name(service: ClaimsService, tmp_path: Path) -> None:  # noqa: F811
    data = tmp_path / "claims.csv"
    data.write_text("claim_id,claim\n1,The library closes at noon on Fridays\n2,Parking is free on weekends\n")
    service.import_file(data, "ops", id_prefix="ct-")
    labelled = tmp_path / "tweets.csv"
    labelled.write_text(
        'id,text,claim_ids\n10,"library shuts at midday on fridays, wow",1\n11,both at once,1;2\n'
        "12,nobody knows this one,99\n13,,1\n14,Library shuts at midday on Fridays... WOW,1\n"
    )
    report = service.confirmed.import_file(labelled, "ops", id_prefix="ct-")
    assert (report.rows, report.added, report.known, report.unknown_claims) == (5, 3, 1, 1)  # 14 is 10 again
    assert report.columns == {"text": "text", "claim_id": "claim_ids"} and len(report.problems) == 2
    again = service.confirmed.import_file(labelled, "ops", id_prefix="ct-")
    assert (again.added, again.known) == (0, 4)
    assert [r.text for r in service.confirmed.of_claim("ct-2")] == ["both at once"]
    assert service.matrix().repeat_rows is not None and len(service.matrix().repeat_rows) == 3  # type: ignore[arg-type]
    with pytest.raises(AssistantError, match="claim id column"):
        bad = tmp_path / "bad.csv"
        bad.write_text("text\nhello\n")
        service.confirmed.import_file(bad, "ops")
    assert service.archive.audit(action="claim_repeats_imported")[-1].details["added"] == 0


def test_repeats_stay_when_the_message_is_deleted_and_go_with_retention(service: ClaimsService) -> None:  # noqa: F811
    archive = service.archive
    old = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    archive.upsert_messages([Message(channel_id="C1", ts=f"{old:.6f}", user_id="U1", text="libary shuts at noon")])
    claim = service.add(ClaimInput(text="The library closes at noon on Fridays", verdict="false"), "UMOD1")
    service.confirmed.confirm(claim.id, "libary shuts at noon", "UMOD1", channel_id="C1", ts=f"{old:.6f}")
    service.confirmed.confirm(claim.id, "imported wording of it", "ops", origin="import")
    archive.blank_message("C1", f"{old:.6f}")  # a removal by the moderator deletes the message too
    assert len(service.confirmed.of_claim(claim.id)) == 2
    before = archive.get_state(CLAIMS_REVISION)
    archive.delete_older_than(datetime.fromtimestamp(old, UTC) + timedelta(days=1))
    assert [r.text for r in service.confirmed.of_claim(claim.id)] == ["imported wording of it"]
    assert archive.get_state(CLAIMS_REVISION) != before  # every process's matrix drops the vector
    matrix = service.matrix()
    assert matrix.repeat_rows is not None and len(matrix.repeat_rows) == 1


@pytest.mark.parametrize(("kind", "learnt"), [(Kind.WARN, True), (Kind.ESCALATE, True), (Kind.DISMISS, False)])
def test_a_moderators_action_on_a_claim_flag_confirms_the_repeat(
    make_world: Callable[..., World],  # noqa: F811
    kind: ModerationActionKind,
    learnt: bool,
) -> None:
    world = make_world(auto_calibrate=False)
    moderation = world.ctx.moderation  # the application's service: its actions teach the claims store
    moderation.attach_gateway(RecordingGateway())  # type: ignore[arg-type]
    world.service = moderation
    world.pipeline.listeners[:] = [moderation.handle]
    rumour, _ = world.post("my cousin says the 5g masts are what really spread it", user=BOB)
    other, _ = world.post("You are an idiot.", user=BOB)
    world.decide(rumour, kind)
    world.decide(other, Kind.WARN)  # a toxicity flag teaches nothing
    found = world.ctx.claims.confirmed.of_claim("claim-5g-covid")
    if not learnt:
        assert found == []
        return
    [repeat] = found
    assert (repeat.channel_id, repeat.ts, repeat.added_by) == (rumour.channel_id, rumour.ts, MOD)
    assert repeat.origin == "moderation" and repeat.origin_ref == f"flag:{world.flag_of(rumour)}"
    matrix = world.ctx.claims.matrix()
    assert matrix.repeat_rows is not None and [matrix.ids[r] for r in matrix.repeat_rows] == ["claim-5g-covid"]


def test_cli_imports_and_lists_repeats_as_json(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from assistant.cli.app import app

    claims, labelled = tmp_path / "claims.csv", tmp_path / "posts.jsonl"
    claims.write_text("claim_id,claim\n1,The library closes at noon on Fridays\n")
    labelled.write_text('{"post": "library shuts at midday on fridays", "gold": "1"}\n')
    where = ["--data-dir", str(tmp_path / "data"), "--json"]
    runner = CliRunner()
    assert runner.invoke(app, ["claims", "import", str(claims), "--id-prefix", "ct-", *where]).exit_code == 0
    mapped = ["--map", "text=post", "--map", "claim_id=gold", "--id-prefix", "ct-"]
    imported = runner.invoke(app, ["claims", "import-repeats", str(labelled), *mapped, *where])
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["added"] == 1
    listed = runner.invoke(app, ["claims", "repeats", "ct-1", *where])
    assert listed.exit_code == 0, listed.output
    [repeat] = json.loads(listed.stdout)
    assert (repeat["text"], repeat["origin"], repeat["origin_ref"]) == (
        "library shuts at midday on fridays",
        "import",
        "posts.jsonl",
    )
    bad = runner.invoke(app, ["claims", "import-repeats", str(labelled), "--map", "nope=post", *where])
    assert bad.exit_code != 0 and "field=COLUMN" in str(bad.exception)
    assert runner.invoke(app, ["claims", "repeats", "ct-9", *where]).exit_code != 0


def test_repeats_stored_by_another_encoder_are_encoded_again(service: ClaimsService) -> None:  # noqa: F811
    claim = service.add(ClaimInput(text="The library closes at noon on Fridays", verdict="false"), "UMOD1")
    service.confirmed.confirm(claim.id, "libary shuts at noon", "UMOD1")
    service.matrix()
    encoder = service.encoder
    encoder.version = "hash-test-2"  # type: ignore[misc]  (an upgrade: another encoder)
    before = encoder.encoded  # type: ignore[attr-defined]
    service.invalidate()
    matrix = service.matrix()
    assert encoder.encoded - before == 2  # type: ignore[attr-defined]  (the claim's text and its repeat)
    assert service.confirmed.store.stale("hash-test-2") == []
    assert matrix.repeat_rows is not None and len(matrix.repeat_rows) == 1
