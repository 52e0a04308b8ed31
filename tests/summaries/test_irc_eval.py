"""The answered-question and attribution eval on a tiny IRC-style sample we wrote ourselves (same layout as
``irc_disentanglement``: per-sample files, gold ``x_reply_to_lines``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals.harness import REGISTRY, TASK_MODULES
from evals.summary_irc import DATASET, TASK, evaluate, read_sample, run

#: (line, nick, text, gold parents, conversation)
LINES = [
    (10, "ana", "how do I mount the usb disk on the server?", [], "a"),
    (11, "ana", "it does not show up in the file manager either?", [], "a"),
    (12, "bo", "ana: run lsblk and check whether the disk is listed", [11], "a"),
    (13, "ana", "bo: it is listed as sdb, thanks", [12], "a"),
    (14, "cy", "anyone know why the wifi drops after suspend?", [], "b"),
    (15, "dee", "which kernel version are you running?", [], "c"),
    (16, "eli", "dee: you should try the backports kernel first", [15], "c"),
    (17, "dee", "eli: is the backports kernel signed for secure boot?", [16], "c"),
    (18, "fay", "dee: yes it is, since last year", [17], "c"),
]


def _write(root: Path) -> None:
    (root / "ubuntu").mkdir(parents=True)
    (root / "channels.json").write_text(json.dumps([{"id": "C1", "name": "ubuntu"}]), encoding="utf-8")
    rows: list[dict[str, Any]] = [
        {
            "type": "message",
            "subtype": "irc_system",
            "user": "USLACKBOT",
            "user_name": "",
            "text": "=== x joined",
            "ts": "1.000009",
            "x_line": 9,
            "x_annotated": True,
            "x_reply_to_lines": [],
            "x_conversation_id": "s",
        },
    ]
    for line, nick, text, parents, conv in LINES:
        rows.append(
            {
                "type": "message",
                "user": f"U{nick.upper()}",
                "user_name": nick,
                "text": text,
                "ts": f"1.{line:06d}",
                "x_line": line,
                "x_annotated": True,
                "x_reply_to_lines": parents,
                "x_conversation_id": conv,
            }
        )
    (root / "ubuntu" / "2020-01-01_00.json").write_text(json.dumps(rows), encoding="utf-8")


def test_registered_and_split_mapping(tmp_path: Path) -> None:
    assert "evals.summary_irc" in TASK_MODULES and TASK in REGISTRY and TASK.dataset == DATASET
    assert not TASK.files_present(tmp_path, "dev")
    _write(tmp_path)
    assert TASK.files_present(tmp_path, "dev") and not TASK.files_present(tmp_path, "validation")
    assert run(tmp_path, "train", None) == []  # no ".train-" samples here


def test_conversations_and_mentions(tmp_path: Path) -> None:
    _write(tmp_path)
    convs = read_sample(tmp_path / "ubuntu" / "2020-01-01_00.json")
    assert sorted(len(c.conv) for c in convs) == [1, 4, 4]  # the system line is left out
    first = next(c for c in convs if len(c.conv) == 4)
    assert first.conv.turns[2].mentions == ("UANA",) and first.conv.threaded
    assert first.replied >= {11, 12, 15, 16, 17}


def test_answered_questions_and_attribution(tmp_path: Path) -> None:
    _write(tmp_path)
    results = {r.metric: r for r in evaluate(tmp_path, "dev")}
    f1 = results["open_f1"]
    # Question runs: ana 10-11 (answered), cy 14 (open), dee 15 (answered), dee 17 (answered).
    assert f1.n == 4 and f1.extra["gold_open_share"] == 0.25
    assert f1.extra["summariser"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert f1.extra["all_open"]["precision"] == 0.25 and f1.extra["all_open"]["recall"] == 1.0
    assert f1.extra["per_message"]["n"] == 5  # ana asked twice: the reply links to one copy only
    assert results["open_precision"].baselines == {"all_open_precision": 0.25}
    attribution = results["second_person_right"]
    assert attribution.task == "summary_attribution" and attribution.value == 1.0
    assert attribution.n == 1  # only eli's line says "you" and replies to one person (dee, also mentioned)
    assert attribution.extra["names_substituted"] == 1 and attribution.extra["substitutions_right"] == 1.0
    assert set(attribution.baselines) == {"last_other_speaker"}
