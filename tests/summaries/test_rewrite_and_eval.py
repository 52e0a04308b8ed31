"""Reported speech on DialogSum-style turns, and the DialogSum eval's shape on a tiny dialogue file we wrote ourselves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.encoder import Encoder
from assistant.summaries.rewrite import third_person
from assistant.summaries.text import clean_text, is_question, split_sentences
from evals.harness import REGISTRY, TASK_MODULES
from evals.summaries import evaluate_dialogsum, lead3, longest3, run

A, B = "#Person1#", "#Person2#"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Do you believe in ghosts?", "#Person1# asks whether #Person2# believes in ghosts."),
        ("What books do you read now?", "#Person1# asks what books #Person2# reads now."),
        ("Did you go to the market today?", "#Person1# asks whether #Person2# went to the market today."),
        ("Can you send me the slides?", "#Person1# asks #Person2# to send #Person1# the slides."),
        ("I've been feeling tired lately.", "#Person1# has been feeling tired lately."),
        ("I just have a cough when I try to run.", "#Person1# just has a cough when #Person1# tries to run."),
        ("Let's meet at the library.", "#Person1# suggests they meet at the library."),
        ("I don't like it.", "#Person1# does not like it."),
        ("The train leaves at nine.", '#Person1#: "The train leaves at nine."'),
    ],
)
def test_third_person(sentence: str, expected: str) -> None:
    assert third_person(sentence, A, B) == expected


def test_text_helpers() -> None:
    assert (
        clean_text("see *docs* at <https://x.example/a|the guide> ```rm -rf /``` and `a_b_c`")
        == "see docs at the guide (https://x.example/a) (code) and `a_b_c`"
    )
    assert clean_text("I ' Ve got it") == "I've got it"
    assert split_sentences("First one. Second one?\nThird") == ["First one.", "Second one?", "Third"]
    assert is_question("anyone know how to reset the router") and not is_question("I reset the router.")


def _write_dialogues(path: Path) -> None:
    rows = [
        {
            "fname": "mine_0",
            "dialogue": "#Person1#: Hi Anna, do you want to go hiking on Saturday?\n#Person2#: I'd love to, but my knee hurts.\n"
            "#Person1#: Then let's go cycling instead.\n#Person2#: Good idea, I'll bring my bike.",
            "summary1": "#Person1# invites #Person2# hiking, but #Person2#'s knee hurts, so they will go cycling.",
            "summary2": "#Person1# and #Person2# plan to go cycling on Saturday.",
        },
        {
            "fname": "mine_1",
            "dialogue": "#Person1#: Excuse me, where is the post office?\n#Person2#: Go straight and turn left at the bank.\n"
            "#Person1#: Is it far?\n#Person2#: No, about five minutes on foot.",
            "summary1": "#Person1# asks #Person2# the way to the post office.",
        },
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken json\n", encoding="utf-8")


def test_dialogsum_eval_shape(tmp_path: Path, encoder: Encoder) -> None:
    path = tmp_path / "test.jsonl"
    _write_dialogues(path)
    result = evaluate_dialogsum(path, encoder)
    assert result.dataset == "dialogsum" and result.metric == "rougeL_f1" and result.n == 2
    assert set(result.baselines) == {"lead3_rougeL", "longest3_rougeL"}
    assert 0 < result.value <= 100
    assert set(result.extra["local"]) == {"rouge1", "rouge2", "rougeL"}
    assert result.extra["examples"][0]["gist"].startswith("#Person")


def test_dialogsum_registered_and_skips_missing_split(tmp_path: Path) -> None:
    import evals.summaries

    assert "evals.summaries" in TASK_MODULES and evals.summaries.TASK in REGISTRY
    assert run(tmp_path, "test", None) == []


def test_baselines() -> None:
    turns = [("#P1#", "a"), ("#P2#", "bbb"), ("#P1#", "cc"), ("#P2#", "dddd"), ("#P1#", "e")]
    assert lead3(turns) == "#P1#: a\n#P2#: bbb\n#P1#: cc"
    assert longest3(turns) == "#P2#: bbb\n#P1#: cc\n#P2#: dddd"
