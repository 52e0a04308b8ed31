"""Every summary line is a template with tested grammar or a verbatim quote: this corpus pins both.

The lines are our own chat-like sentences (contractions, questions, imperatives, "let me", "so far I...", code,
links, mentions), each with the rendering a member should read. ``None`` as the addressee means "you" is not
certain (a group thread, no mention), so "you" must never become a name.
"""

from __future__ import annotations

import re

import pytest

from assistant.summaries.rewrite import past_tense, quote, report, third_person_present
from assistant.summaries.text import clean_text, strip_filler

S, A = "Mara", "Tomas"

CORPUS: list[tuple[str, str | None, str]] = [
    # First person, one clause: rewritten, verb agrees.
    ("I'm stuck on the build step.", None, "Mara is stuck on the build step."),
    ("I've only tried the nightly build.", None, "Mara has only tried the nightly build."),
    (
        "So far I've only tried `npm ci` and nothing else",
        None,
        "So far Mara has only tried `npm ci` and nothing else.",
    ),
    ("i dont know where the config lives", None, "Mara does not know where the config lives."),
    ("I need to rotate the token before Friday.", None, "Mara needs to rotate the token before Friday."),
    ("I tried a clean install and it failed again", None, "Mara tried a clean install and it failed again."),
    ("I'll update the wiki page tonight.", None, "Mara will update the wiki page tonight."),
    ("I can't reproduce it on my laptop.", None, "Mara cannot reproduce it on Mara's laptop."),
    ("I was wondering if you could review my patch.", A, "Mara was wondering if Tomas could review Mara's patch."),
    ("I think you are right about the cache.", A, "Mara thinks Tomas is right about the cache."),
    ("Maybe I'll switch to the stable channel.", None, "Maybe Mara will switch to the stable channel."),
    # "let me" and "let's".
    ("Let me check the logs.", None, "Mara offers to check the logs."),
    ("Let's go with the smaller board.", None, "Mara suggests they go with the smaller board."),
    # Questions with a template.
    ("Is this possible?", None, "Mara asks whether this is possible."),
    ("How do I pin the version?", None, "Mara asks how to pin the version."),
    ("Do you use the docker image?", A, "Mara asks whether Tomas uses the docker image."),
    ("Did you push the fix?", A, "Mara asks whether Tomas pushed the fix."),
    ("Can you send me the stack trace?", A, "Mara asks Tomas to send Mara the stack trace."),
    ("What version do you run?", A, "Mara asks what version Tomas runs."),
    ("Where is the release checklist?", None, "Mara asks where the release checklist is."),
    ("Shall we meet after the demo?", None, "Mara suggests they meet after the demo."),
    # Imperatives: only with a certain addressee.
    ("Try `elm make --debug` first.", A, "Mara tells Tomas to try `elm make --debug` first."),
    ("Don't touch the prod database", A, 'Mara: "Don\'t touch the prod database"'),
    # Everything else is quoted verbatim, with its speaker.
    ("you wanna `foldl (>>) [checkA, checkB]` here", None, 'Mara: "you wanna `foldl (>>) [checkA, checkB]` here"'),
    ("Do you use the docker image?", None, 'Mara asks: "Do you use the docker image?"'),
    ("Try `elm make --debug` first.", None, 'Mara: "Try `elm make --debug` first."'),
    (
        "thanks, I tried it, it broke, probably I did it wrong, let me try once more.",
        A,
        'Mara: "thanks, I tried it, it broke, probably I did it wrong, let me try once more."',
    ),
    ("i read that already", None, 'Mara: "i read that already"'),
    (
        "do i need anything else besides `exposing (Msg(..))`?",
        A,
        'Mara asks: "do i need anything else besides `exposing (Msg(..))`?"',
    ),
    (
        "in case you have not seen it: https://docs.example.org/guide",
        None,
        'Mara: "in case you have not seen it: https://docs.example.org/guide"',
    ),
    ("We should replace the fan.", None, "Mara suggests they should replace the fan."),
    ("We have two spare boards.", None, "Mara says they have two spare boards."),
    ("Need help finding it?", A, 'Mara asks: "Need help finding it?"'),
    ("Yeah, the tests pass now.", None, 'Mara: "the tests pass now."'),
]


@pytest.mark.parametrize(("sentence", "addressee", "expected"), CORPUS)
def test_corpus(sentence: str, addressee: str | None, expected: str) -> None:
    assert report(sentence, S, addressee).text == expected


_PRONOUN = re.compile(r"(?<![\w'])(?:I|me|my|you|your|we|us|our)(?![\w'])", re.I)


@pytest.mark.parametrize(("sentence", "addressee", "expected"), CORPUS)
def test_rewrite_or_quote_never_both(sentence: str, addressee: str | None, expected: str) -> None:
    """A rewrite has no first- or second-person pronoun left outside code; a quote holds the sentence as written
    (a leading interjection aside) and attributes it to the speaker."""
    line = report(sentence, S, addressee)
    if line.rewritten:
        assert not _PRONOUN.search(re.sub(r"`[^`]*`|https?://\S+", "", line.text)), line.text
        assert line.text.endswith((".", "…"))
        assert '"' not in line.text
    else:
        assert line.text.startswith((f'{S}: "', f'{S} asks: "')) and line.text.endswith('"')
        inner = line.text.split('"', 1)[1][:-1]
        assert inner in sentence


def test_you_never_becomes_a_name_without_a_certain_addressee() -> None:
    for sentence, _, _ in CORPUS:
        line = report(sentence, S, None)
        assert A not in line.text


def test_code_and_links_are_kept_whole() -> None:
    line = report("I pinned `foo == 1.2.3` as https://pkg.example.org/foo?x=(1) says", S, None)
    assert "`foo == 1.2.3`" in line.text and "https://pkg.example.org/foo?x=(1)" in line.text


def test_quote_and_verb_helpers() -> None:
    assert quote("is it down?", "Ana") == 'Ana asks: "is it down?"'
    assert quote("it is down", "Ana") == 'Ana: "it is down"'
    assert third_person_present("try") == "tries" and third_person_present("fix") == "fixes"
    assert third_person_present("wanna", known_only=False) is None
    assert past_tense("go") == "went" and past_tense("read") == "read" and past_tense("plan") == "planned"


def test_a_blockquote_is_someone_elses_words() -> None:
    """'> I always ...' quotes another member: its "I" is never the speaker."""
    text = clean_text("> I always decode the list first\nis that a problem, though?")
    assert text == "\u201cI always decode the list first\u201d is that a problem, though?"
    line = report(text, S, A)
    assert not line.rewritten and "Mara always" not in line.text
    assert strip_filler(text) == text  # the opening quotation mark is kept
