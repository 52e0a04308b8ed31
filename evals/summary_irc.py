"""Thread summaries on IRC chat with gold reply-to links: are "open questions" really unanswered, and is
"you" ever given to the wrong person?

Dataset: ``irc_disentanglement`` (Kummerfeld et al. 2019, CC BY 4.0): #ubuntu and four other channels, with
annotators' reply-to links for every annotated message. Split mapping (the folder holds only the shared part):
``dev`` = the 10 official dev samples of #ubuntu, ``train`` = the 8 train samples kept here (rules were looked
at on these only), ``test`` = the new-domain samples (#mediawiki, #rust, #stripe, #ubuntu-meeting), a change of
domain rather than the official test set, which is held out elsewhere.

Each gold conversation (a connected component of the links, what a Slack thread is) becomes a ``Conversation``
the summariser reads like a thread: its turns, authors, and the nicks a message names (IRC's "nick: ..." is
written as Slack's "@nick ..."). The reply-to links themselves are never shown to it; they are the answer key.

**Answered questions.** A question is a run of consecutive messages of one person in the conversation with at
least one question the summariser would list (``cues.question_sentences``); people often ask in two lines or ask
again before anyone replies. Gold: answered when another person's message replies to any message of the run.
The summariser: open when it lists a question of the run among the open questions. Reported: precision,
recall and F1 of "open", against the same-run baseline "every question is open". The same figures per message
(a question asked again counts twice, the reply usually links to one copy) are in ``extra``.

**Attribution.** Every annotated message that says "you" (or "your", "u", "ur") outside code and replies to
one other person (gold) is reported as a summary line would report it (``rewrite.report`` with the addressee
the conversation makes certain). The line is right when it names the author as the speaker and every name it put
in place of a pronoun is the gold addressee (a verbatim quote keeps "you", so it is right by construction).
Baseline, same run: the previous rule, "you" is the last other speaker before the message.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.summaries import cues
from assistant.summaries.conversation import Conversation, Turn
from assistant.summaries.rewrite import report
from assistant.summaries.text import STOPWORDS, clean_text
from evals.harness import EvalResult, EvalTask, register

logger = logging.getLogger(__name__)

DATASET = "irc_disentanglement"
NEW_DOMAINS = ("mediawiki", "rust", "stripe", "ubuntu-meeting")
_NICK_TOKEN = re.compile(r"[\w\-\[\]\\^{}|`]+")
_SECOND = re.compile(r"(?<![\w'])(?:you|your|yours|yourself|u|ur)(?![\w'])", re.I)
_CODE = re.compile(r"`[^`\n]+`")


class IrcSummaryTask(EvalTask):
    """The folder is a Slack-like export with per-sample files: present when ``channels.json`` is there."""

    def files_present(self, folder: Path, split: str) -> bool:
        return split in ("train", "dev", "test") and (folder / "channels.json").exists()


@dataclass
class IrcConversation:
    messages: list[dict[str, Any]]  # annotated, human, in line order
    conv: Conversation
    replied: set[int]  # lines of this sample another person replied to (gold)


def sample_files(folder: Path, split: str) -> list[Path]:
    if split == "test":
        return sorted(p for d in NEW_DOMAINS for p in (folder / d).glob("*.json"))
    ubuntu = sorted((folder / "ubuntu").glob("*.json"))
    return [p for p in ubuntu if (".train-" in p.name) == (split == "train")]


def _mentions(text: str, nicks: dict[str, str], author: str) -> tuple[str, ...]:
    """Nicks a message names: the one it is addressed to ("nick: ..."), and any other nick in its first 200
    characters unless the nick is also a common word (someone is called "the")."""
    lead = re.match(r"^([^\s:,]+)[:,]\s", text)
    words = _NICK_TOKEN.findall(text[:200])
    found = [lead.group(1)] if lead and lead.group(1) in nicks else []
    found += [w for w in words if w in nicks and len(w) >= 3 and w.lower() not in STOPWORDS]
    return tuple(dict.fromkeys(nicks[w] for w in found if nicks[w] != author))


def _as_mention(text: str, nicks: dict[str, str]) -> str:
    """IRC's "nick: ..." addressing is Slack's "@nick ..."."""
    m = re.match(r"^([^\s:,]+)[:,]\s+", text)
    return f"@{m.group(1)} {text[m.end() :]}" if m and m.group(1) in nicks else text


def read_sample(path: Path) -> list[IrcConversation]:
    """Gold conversations of one sample as threads the summariser can read, with the gold replies."""
    rows: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    by_line = {m["x_line"]: m for m in rows}
    human = [m for m in rows if m.get("subtype") not in ("irc_system",) and m.get("user_name") and m.get("text")]
    nicks = {m["user_name"]: m["user"] for m in human}
    annotated = [m for m in human if m.get("x_annotated")]
    replied: set[int] = set()
    for m in annotated:
        for parent in m.get("x_reply_to_lines") or []:
            p = by_line.get(parent)
            if parent != m["x_line"] and p is not None and p.get("user") != m["user"]:
                replied.add(parent)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in annotated:
        groups[str(m.get("x_conversation_id"))].append(m)
    out: list[IrcConversation] = []
    for msgs in groups.values():
        msgs.sort(key=lambda m: m["x_line"])
        turns = [
            Turn(
                ts=str(m["x_line"]),
                user=m["user"],
                text=_as_mention(clean_text(m["text"]) or m["text"], nicks),
                mentions=_mentions(m["text"], nicks, m["user"]),
            )
            for m in msgs
        ]
        names = {uid: nick for nick, uid in nicks.items()}
        conv = Conversation(turns, np.zeros((len(turns), 1), dtype=np.float32), names=names, threaded=True)
        out.append(IrcConversation(msgs, conv, replied))
    return out


def _prf(pairs: Sequence[tuple[bool, bool]]) -> dict[str, float]:
    """Precision, recall and F1 of the positive class ("open") from (gold, predicted) pairs."""
    tp = sum(g and p for g, p in pairs)
    fp = sum(p and not g for g, p in pairs)
    fn = sum(g and not p for g, p in pairs)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def answered_pairs(c: IrcConversation) -> tuple[list[tuple[bool, bool]], list[tuple[bool, bool]]]:
    """(gold open, predicted open) per question run, and per question message."""
    conv = c.conv
    open_idx = {cue.index for cue in cues.open_questions(conv)}
    questions = [i for i, t in enumerate(conv.turns) if cues.question_sentences(t.text)]
    per_message = [(int(conv.turns[i].ts) not in c.replied, i in open_idx) for i in questions]
    runs: list[list[int]] = []
    for i, t in enumerate(conv.turns):
        if runs and conv.turns[runs[-1][-1]].user == t.user:
            runs[-1].append(i)
        else:
            runs.append([i])
    per_run: list[tuple[bool, bool]] = []
    for run in runs:
        asked = [i for i in run if i in questions]
        if not asked:
            continue
        gold_open = not any(int(conv.turns[i].ts) in c.replied for i in run)
        per_run.append((gold_open, any(i in open_idx for i in asked)))
    return per_run, per_message


def attribution_checks(c: IrcConversation) -> list[dict[str, Any]]:
    """One check per second-person message with one gold addressee (see the module docstring)."""
    conv = c.conv
    by_line = {m["x_line"]: m for m in c.messages}
    out: list[dict[str, Any]] = []
    for i, (turn, m) in enumerate(zip(conv.turns, c.messages, strict=True)):
        if not _SECOND.search(_CODE.sub(" ", turn.text)):
            continue
        parents = {
            by_line[p]["user"]
            for p in m.get("x_reply_to_lines") or []
            if p in by_line and by_line[p]["user"] != turn.user
        }
        if len(parents) != 1:
            continue
        gold = conv.name(next(iter(parents)))
        speaker = conv.name(turn.user)
        addressee = conv.certain_addressee(i)
        line = report(turn.text, speaker, addressee)
        # A rewrite can only have put the certain addressee where "you" was; a quote kept "you" as written.
        added = {addressee} if line.rewritten and addressee else set()
        right = speaker in line.text.split(":", 1)[0] and added <= {gold}
        previous = next(
            (conv.turns[j].user for j in range(i - 1, -1, -1) if conv.turns[j].user != turn.user), None
        )
        out.append(
            {
                "right": right,
                "rewritten": line.rewritten,
                "substituted": bool(added),
                "line": line.text,
                "baseline_right": previous is not None and conv.name(previous) == gold,
            }
        )
    return out


def evaluate(folder: Path, split: str) -> list[EvalResult]:
    started = time.perf_counter()
    files = sample_files(folder, split)
    per_run: list[tuple[bool, bool]] = []
    per_message: list[tuple[bool, bool]] = []
    checks: list[dict[str, Any]] = []
    conversations = 0
    for path in files:
        for c in read_sample(path):
            conversations += 1
            runs, messages = answered_pairs(c)
            per_run.extend(runs)
            per_message.extend(messages)
            checks.extend(attribution_checks(c))
    if not per_run:
        return []
    ours = _prf(per_run)
    all_open = _prf([(g, True) for g, _ in per_run])
    seconds = round(time.perf_counter() - started, 1)
    common = {
        "samples": [p.stem for p in files],
        "conversations": conversations,
        "gold_open_share": round(sum(g for g, _ in per_run) / len(per_run), 4),
        "summariser": ours,
        "all_open": all_open,
        "per_message": {
            "n": len(per_message),
            "summariser": _prf(per_message),
            "all_open": _prf([(g, True) for g, _ in per_message]),
        },
        "seconds": seconds,
    }
    results = [
        EvalResult(
            dataset=DATASET,
            task="summary_open_questions",
            metric=f"open_{k}",
            value=ours[k],
            baselines={f"all_open_{k}": all_open[k]},
            n=len(per_run),
            extra=common if k == "f1" else {},
        )
        for k in ("f1", "precision", "recall")
    ]
    if checks:
        n = len(checks)
        substituted = [c for c in checks if c["substituted"]]
        results.append(
            EvalResult(
                dataset=DATASET,
                task="summary_attribution",
                metric="second_person_right",
                value=round(sum(c["right"] for c in checks) / n, 4),
                baselines={"last_other_speaker": round(sum(c["baseline_right"] for c in checks) / n, 4)},
                n=n,
                extra={
                    "rewritten_share": round(sum(c["rewritten"] for c in checks) / n, 4),
                    "names_substituted": len(substituted),
                    "substitutions_right": round(sum(c["right"] for c in substituted) / len(substituted), 4)
                    if substituted
                    else None,
                },
            )
        )
    return results


def run(folder: Path, split: str, runtime: Any) -> list[EvalResult]:
    if not sample_files(folder, split):
        logger.info("%s: no %s samples in %s, skipped", DATASET, split, folder)
        return []
    return evaluate(folder, split)


TASK = register(IrcSummaryTask(dataset=DATASET, task="summary_open_questions", run=run))
