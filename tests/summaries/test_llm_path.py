"""The LLM path with a scripted chat model (a test double): used when every sentence is supported by the
message it cites, and replaced by the local summary when a sentence is invented or uncited."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from assistant.config import Settings
from assistant.encoder import Encoder
from assistant.store import Archive, Index
from assistant.summaries import SummaryService
from tests.summaries.conftest import CHANNEL, PARENT, THREAD, ts_at


class ScriptedChatModel(BaseChatModel):
    """Answers with ``script(prompt)`` and remembers the prompts it saw."""

    script: Callable[[str], str]
    prompts: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        prompt = "\n".join(str(m.content) for m in messages)
        self.prompts.append(prompt)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.script(prompt)))])


class FailingChatModel(ScriptedChatModel):
    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        raise ConnectionError("server down")


def number_of(prompt: str, needle: str) -> int:
    """The [n] the prompt gave to the message containing ``needle``."""
    for m in re.finditer(r"^\[(\d+)\] [^:]+: (.*)$", prompt, re.M):
        if needle.lower() in m.group(2).lower():
            return int(m.group(1))
    raise AssertionError(f"{needle!r} not among the prompt's messages")


def faithful(prompt: str) -> str:
    n_parent = number_of(prompt, "laser cutter keeps stopping")
    n_decision = number_of(prompt, "Decision:")
    n_action = number_of(prompt, "order a new filter")
    n_question = number_of(prompt, "warranty")
    return "\n".join(
        [
            f"GIST: Rosa's laser cutter keeps stopping halfway through plywood cuts [{n_parent}]. "
            f"They will replace the exhaust filter this week [{n_decision}].",
            f"DECISION: Replace the exhaust filter this week and add filter checks to the monthly maintenance list [{n_decision}]",
            f"ACTION: Malik | order a new filter by Friday [{n_action}]",
            f"QUESTION: Whether the warranty covers the compressor [{n_question}]",
        ]
    )


def inventing(prompt: str) -> str:
    honest = faithful(prompt)
    return (
        honest
        + f"\nPOINT: The team agreed to buy a brand new laser cutter from Germany for 9000 euros [{number_of(prompt, 'laser cutter keeps stopping')}]"
    )


def service_with(
    store: tuple[Archive, Index], encoder: Encoder, settings: Settings, model: BaseChatModel
) -> SummaryService:
    archive, index = store
    return SummaryService(archive, index, encoder, settings, chat_model=model)


def test_supported_llm_summary_is_used(
    store: tuple[Archive, Index], encoder: Encoder, sum_settings: Settings
) -> None:
    model = ScriptedChatModel(script=faithful, prompts=[])
    s = service_with(store, encoder, sum_settings, model).thread(CHANNEL, PARENT)
    assert s.method == "llm", s.notes
    assert s.gist.startswith("Rosa's laser cutter keeps stopping")
    assert s.gist_sources == [ts_at(0), ts_at(300)]
    assert [d.ts for d in s.decisions] == [ts_at(300)]
    assert s.action_items[0].user == "U2" and s.action_items[0].ts == ts_at(360)
    assert s.open_questions[0].ts == ts_at(480)
    assert s.mood and s.participants == ["U1", "U2", "U3", "U4"]  # kept from the local analysis


def test_prompt_holds_selected_messages_as_data(
    store: tuple[Archive, Index], encoder: Encoder, sum_settings: Settings
) -> None:
    model = ScriptedChatModel(script=faithful, prompts=[])
    service_with(store, encoder, sum_settings, model).thread(CHANNEL, PARENT)
    prompt = model.prompts[0]
    assert "never instructions" in prompt
    body = prompt.rsplit("<messages>", 1)[1].split("</messages>")[0]
    shown = re.findall(r"^\[\d+\] ", body, re.M)
    assert 2 <= len(shown) <= len(THREAD)
    assert "Rosa:" in body and "Malik:" in body


def test_invented_sentence_falls_back_to_local(
    store: tuple[Archive, Index], encoder: Encoder, sum_settings: Settings
) -> None:
    s = service_with(store, encoder, sum_settings, ScriptedChatModel(script=inventing, prompts=[])).thread(
        CHANNEL, PARENT
    )
    local = SummaryService(*store, encoder, sum_settings).thread(CHANNEL, PARENT)
    assert s.method == "local-fallback"
    assert "9000 euros" in s.notes[0] and "not supported" in s.notes[0]
    assert s.gist == local.gist and s.decisions == local.decisions


def test_uncited_or_out_of_range_lines_fall_back(
    store: tuple[Archive, Index], encoder: Encoder, sum_settings: Settings
) -> None:
    uncited = ScriptedChatModel(script=lambda p: "GIST: The laser cutter keeps stopping.", prompts=[])
    s = service_with(store, encoder, sum_settings, uncited).thread(CHANNEL, PARENT)
    assert s.method == "local-fallback" and "cites no message" in s.notes[0]
    beyond = ScriptedChatModel(script=lambda p: "GIST: The laser cutter keeps stopping [99]", prompts=[])
    s = service_with(store, encoder, sum_settings, beyond).thread(CHANNEL, PARENT)
    assert s.method == "local-fallback" and "[99]" in s.notes[0]
    empty = ScriptedChatModel(script=lambda p: "Sure! Here is a summary.", prompts=[])
    assert service_with(store, encoder, sum_settings, empty).thread(CHANNEL, PARENT).method == "local-fallback"


def test_unreachable_llm_falls_back(
    store: tuple[Archive, Index], encoder: Encoder, sum_settings: Settings
) -> None:
    s = service_with(store, encoder, sum_settings, FailingChatModel(script=faithful, prompts=[])).thread(
        CHANNEL, PARENT
    )
    assert s.method == "local-fallback" and "ConnectionError" in s.notes[0]
    assert s.decisions and s.decisions[0].ts == ts_at(300)


def test_llm_can_be_switched_off(store: tuple[Archive, Index], encoder: Encoder, sum_settings: Settings) -> None:
    off = sum_settings.model_copy(update={"summary_use_llm": False})
    model = ScriptedChatModel(script=faithful, prompts=[])
    assert service_with(store, encoder, off, model).thread(CHANNEL, PARENT).method == "local"
    assert model.prompts == []


def test_cited_words_are_compared_by_their_snowball_stems() -> None:
    """Inflections of a cited word count as found; unrelated words sharing five letters do not."""
    from assistant.summaries.llm_writer import _stem

    assert _stem("printing") == _stem("prints") == "print"
    assert _stem("configuration") == _stem("configured")
    assert _stem("process") != _stem("proceeds")  # "proce": the same under 5-letter cutting
