"""BM25's view of claims and messages (issue 18): links, tweet markup and Slack markup out, hashtags and handles
split into words, stop words dropped, plurals and -ed/-ing folded; claims and messages read the same way."""

from __future__ import annotations

from assistant.claims.matrix import SparseBM25, normalize_message, plain_tokenize, tokenize


def test_tweet_markup_is_normalised_into_words() -> None:
    text = (
        "The drone attack on #Soleimani caught on camera.#IranUsapic.twitter.com/TvRkHvlgby "
        "https://t.co/zwLPPXniQh &amp; more — Olaudah (@RealOlaudah) January 6, 2020"
    )
    got = normalize_message(text)
    assert "http" not in got and "pic.twitter" not in got and "TvRkHvlgby" not in got
    assert "Soleimani" in got and "Iran Usa" in got and "&" in got and "Real Olaudah" in got
    assert "Olaudah (" in got  # the quoted tweet's author line is kept (names help BM25)


def test_slack_markup_keeps_labels_and_drops_ids() -> None:
    got = normalize_message("hi <@U123ABC> read <https://ex.org/a|this story> in <#C1|general> <https://x.y/z>")
    assert got == "hi read this story in general"


def test_tokens_drop_stop_words_and_fold_suffixes() -> None:
    assert tokenize("The vaccines were banned in #NewYork") == ["vaccine", "bann", "new", "york"]
    assert tokenize("a vaccine is banned") == tokenize("vaccines banned") == ["vaccine", "bann"]
    assert tokenize("churches stories kiss") == ["church", "story", "kiss"]
    assert plain_tokenize("The vaccines") == ["the", "vaccines"]
    assert tokenize("the the the") == []


def test_a_hashtag_meets_the_claims_words() -> None:
    docs = ("fake news about the moon landing", "cheese is good", "towers spread the virus", "bleach cures it")
    bm = SparseBM25.build([tokenize(d) for d in docs])
    scores = bm.scores(tokenize("#FakeNews again"))
    assert scores[0] > 0 and not scores[1:].any()
