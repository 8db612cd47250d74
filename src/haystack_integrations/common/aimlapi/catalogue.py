# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
AI/ML API's model catalogue (`GET /v1/models`): which id to pass, and what a model can do.

The catalogue's vocabulary changed in 2026 (`type: chat-completion` became `openai/chat-completions`, `features`
gave way to `capabilities`) and older bodies came as a bare array rather than `{"object": "list", "data": [...]}`.
This module reads all of them into one set of records with normalized kinds and capability names.
"""

import asyncio
import difflib
import hashlib
import threading
import time
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from haystack import logging
from haystack.utils import Secret
from haystack.utils.http_client import init_http_client

from .errors import describe_status_error, redact
from .retries import is_retryable, retry_wait
from .settings import (
    API_KEY_ENV,
    merge_headers,
    resolve_base_url,
    resolve_max_retries,
    resolve_timeout,
    validate_base_url,
)

logger = logging.getLogger(__name__)

KINDS = (
    "chat",
    "embedding",
    "image",
    "video",
    "audio",
    "speech",
    "transcription",
    "moderation",
    "completion",
    "responses",
    "ocr",
)
"""Normalized kinds. A type the catalogue reports that none of these describe is kept as the API spells it."""

# Both vocabularies, with the vendor prefix of the 2026 one (`openai/`) removed and `_` read as `-`.
_KIND_BY_TYPE: Mapping[str, str] = {
    "chat": "chat",
    "chat-completion": "chat",
    "chat-completions": "chat",
    "embedding": "embedding",
    "embeddings": "embedding",
    "image": "image",
    "images": "image",
    "image-generation": "image",
    "image-generations": "image",
    "video": "video",
    "video-generation": "video",
    "video-generations": "video",
    "audio": "audio",
    "audio-generation": "audio",
    "audio-generations": "audio",
    "music": "audio",
    "music-generation": "audio",
    "speech": "speech",
    "tts": "speech",
    "text-to-speech": "speech",
    "audio-speech": "speech",
    "speech-generation": "speech",
    "stt": "transcription",
    "speech-to-text": "transcription",
    "transcription": "transcription",
    "transcriptions": "transcription",
    "audio-transcription": "transcription",
    "audio-transcriptions": "transcription",
    "moderation": "moderation",
    "moderations": "moderation",
    "completion": "completion",
    "completions": "completion",
    "language-completion": "completion",
    "responses": "responses",
    "ocr": "ocr",
}
# For types neither table knows: the first keyword found decides. Transcription comes before speech, because
# "speech-to-text" contains both.
_KIND_KEYWORDS = (
    ("chat", "chat"),
    ("embed", "embedding"),
    ("transcri", "transcription"),
    ("speech-to-text", "transcription"),
    ("stt", "transcription"),
    ("speech", "speech"),
    ("tts", "speech"),
    ("image", "image"),
    ("video", "video"),
    ("music", "audio"),
    ("audio", "audio"),
    ("ocr", "ocr"),
)

# Capability names as the 2026 catalogue spells them (`tools`, `vision`, `structured_output`, ...), with the older
# `features` (`openai/chat-completion.function`, `...message.image`, `...response-format`) and common synonyms.
_CAPABILITY_BY_NAME: Mapping[str, str] = {
    "tools": "tools",
    "tool": "tools",
    "function": "tools",
    "functions": "tools",
    "function-calling": "tools",
    "tool-calls": "tools",
    "tool-calling": "tools",
    "tool-use": "tools",
    "parallel-tool-calls": "parallel_tool_calls",
    "parallel-function-calling": "parallel_tool_calls",
    "parallel-function-calls": "parallel_tool_calls",
    "vision": "vision",
    "image": "vision",
    "image-input": "vision",
    "images": "vision",
    "stream": "streaming",
    "streaming": "streaming",
    "structured-output": "structured_output",
    "structured-outputs": "structured_output",
    "response-format": "structured_output",
    "json-mode": "structured_output",
    "json-schema": "structured_output",
    "json": "structured_output",
    "file": "file_input",
    "files": "file_input",
    "file-input": "file_input",
    "pdf": "file_input",
    "reasoning": "reasoning",
    "thinking": "reasoning",
}

_INCLUDE = ("capabilities", "modalities")
# How alike (difflib's ratio, 0 to 1) an id must be to another to be suggested in its place.
_SUGGESTION_CUTOFF = 0.6


def normalize_kind(value: str) -> str:
    """
    A model type in either vocabulary as one of `KINDS`: `chat-completion` and `openai/chat-completions` both
    become `chat`. A type no rule covers is returned lowercased, without its vendor prefix.
    """
    text = value.strip().lower().replace("_", "-")
    text = text.rsplit("/", 1)[-1]
    if text in _KIND_BY_TYPE:
        return _KIND_BY_TYPE[text]
    for keyword, kind in _KIND_KEYWORDS:
        if keyword in text:
            return kind
    return text


def normalize_capability(value: str) -> str:
    """
    A capability or feature name in either vocabulary as the 2026 catalogue spells it:
    `openai/chat-completion.function`, `function_calling` and `tools` all become `tools`. Unknown names keep their
    last segment, in snake case.
    """
    text = value.strip().lower().replace("_", "-")
    text = text.rsplit("/", 1)[-1]
    if text not in _CAPABILITY_BY_NAME and "." in text:
        text = text.rsplit(".", 1)[-1]
    return _CAPABILITY_BY_NAME.get(text, text.replace("-", "_"))


@dataclass(frozen=True)
class ModelPricing:
    """
    A model's price as the catalogue states it (asked for with `include_pricing=True`).

    The catalogue's pricing block is not documented field by field, so the usual spellings are read (`input` /
    `prompt`, `output` / `completion`) and the whole block is kept in `raw`.

    :param input: Price of input, in the catalogue's `unit` (e.g. USD per million tokens), or `None`.
    :param output: Price of output, in the same unit, or `None`.
    :param unit: The unit the catalogue names, if it names one.
    :param raw: The pricing block as received.
    """

    input: float | None = None
    output: float | None = None
    unit: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class ModelInfo:
    """
    One model of AI/ML API's catalogue.

    :param id: The id to pass as `model`, e.g. `anthropic/claude-sonnet-4.5`.
    :param kind: What the model does, normalized: one of `KINDS`, the API's own type if none fits, or `None` when
        the catalogue does not say (an OpenAI-shaped `/models`, as from a local mock server).
    :param aliases: Older ids that reach the same model, e.g. `claude-sonnet-4-5`.
    :param name: Human-readable name.
    :param developer: Who made the model, e.g. `Anthropic`.
    :param description: The catalogue's description.
    :param context_length: Context window in tokens.
    :param max_output_tokens: Longest output in tokens.
    :param capabilities: Normalized capability names: `tools`, `vision`, `streaming`, `structured_output`,
        `parallel_tool_calls`, `file_input`, `reasoning`, ...
    :param input_modalities: What the model reads (`text`, `image`, ...), when the catalogue says.
    :param output_modalities: What the model produces, when the catalogue says.
    :param tags: The catalogue's tags.
    :param pricing: The price, when asked for and present.
    :param api_type: The type as the API spelled it (`openai/chat-completions` or `chat-completion`).
    :param raw: The catalogue entry as received.
    """

    id: str
    kind: str | None = None
    aliases: tuple[str, ...] = ()
    name: str | None = None
    developer: str | None = None
    description: str | None = None
    context_length: int | None = None
    max_output_tokens: int | None = None
    capabilities: frozenset[str] = frozenset()
    input_modalities: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    pricing: ModelPricing | None = None
    api_type: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def supports(self, capability: str) -> bool:
        """Whether the model has `capability`, in either vocabulary (`tools`, `function`, `vision`, ...)."""
        return normalize_capability(capability) in self.capabilities

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data (capabilities sorted, the raw entry left out)."""
        pricing = None
        if self.pricing is not None:
            pricing = {"input": self.pricing.input, "output": self.pricing.output, "unit": self.pricing.unit}
        return {
            "id": self.id,
            "kind": self.kind,
            "aliases": list(self.aliases),
            "name": self.name,
            "developer": self.developer,
            "description": self.description,
            "context_length": self.context_length,
            "max_output_tokens": self.max_output_tokens,
            "capabilities": sorted(self.capabilities),
            "input_modalities": list(self.input_modalities),
            "output_modalities": list(self.output_modalities),
            "tags": list(self.tags),
            "pricing": pricing,
            "api_type": self.api_type,
        }


class CatalogueError(Exception):
    """
    The model catalogue could not be read: the API refused (with its own message), was unreachable, or answered
    with something that is not a catalogue.

    :param message: What went wrong, with AI/ML API's own message when it sent one.
    :param status_code: The HTTP status, or `None` when no response arrived or the response was unreadable.
    """

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


# --- reading entries --------------------------------------------------------------------------------------------


def _first(sources: Iterable[Mapping[str, Any]], *keys: str) -> Any:
    for source in sources:
        for key in keys:
            value = source.get(key)
            if value is not None and value != "":
                return value
    return None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value.replace(",", "").strip()))
        except ValueError:
            return None
    return None


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().lstrip("$"))
        except ValueError:
            return None
    return None


def _as_text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return tuple(item for item in value if isinstance(item, str) and item)
    return ()


def _capability_names(value: Any) -> list[str]:
    """Capability names from a list of strings, a `{name: bool}` map, or a list of `{name|type|id: ...}` objects."""
    if isinstance(value, Mapping):
        return [str(name) for name, enabled in value.items() if enabled]
    names: list[str] = []
    if isinstance(value, Iterable) and not isinstance(value, str):
        for item in value:
            if isinstance(item, str):
                names.append(item)
            elif isinstance(item, Mapping):
                name = item.get("name") or item.get("type") or item.get("id")
                if isinstance(name, str) and item.get("enabled", item.get("supported", True)):
                    names.append(name)
    return names


def _pricing(value: Any) -> ModelPricing | None:
    if not isinstance(value, Mapping) or not value:
        return None
    return ModelPricing(
        input=_as_float(_first([value], "input", "prompt", "input_tokens", "inputTokens", "input_price")),
        output=_as_float(_first([value], "output", "completion", "output_tokens", "outputTokens", "output_price")),
        unit=_as_text(_first([value], "unit", "per")),
        raw=dict(value),
    )


def _modalities(value: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if isinstance(value, Mapping):
        return _strings(value.get("input")), _strings(value.get("output"))
    return (), ()


def _is_endpoint_name(feature: str) -> bool:
    return "/" in feature and "." not in feature.rsplit("/", 1)[-1]


def _model_from_entry(entry: Mapping[str, Any]) -> ModelInfo | None:
    model_id = entry.get("id")
    if not isinstance(model_id, str) or not model_id.strip():
        return None
    info = entry.get("info")
    # Blocks added by `include=` and the older fields appear at the top level or inside `info`.
    sources = [entry, info] if isinstance(info, Mapping) else [entry]
    api_type = _as_text(_first(sources, "type"))
    names = _capability_names(_first(sources, "capabilities") or [])
    # An older feature without a `.suffix` (`openai/chat-completion`) names the endpoint the model serves, which
    # `type` already says; the suffixed ones (`openai/chat-completion.function`) are the capabilities.
    names += [name for name in _capability_names(_first(sources, "features") or []) if not _is_endpoint_name(name)]
    capabilities = frozenset(normalize_capability(name) for name in names if name.strip())
    input_modalities, output_modalities = _modalities(_first(sources, "modalities"))
    return ModelInfo(
        id=model_id.strip(),
        kind=normalize_kind(api_type) if api_type else None,
        aliases=_strings(_first(sources, "aliases")),
        name=_as_text(_first(sources, "name")),
        developer=_as_text(_first(sources, "developer", "owned_by", "provider")),
        description=_as_text(_first(sources, "description")),
        context_length=_as_int(_first(sources, "contextLength", "context_length", "context_window", "contextWindow")),
        max_output_tokens=_as_int(_first(sources, "outputMax", "max_output_tokens", "maxOutputTokens", "maxTokens")),
        capabilities=capabilities,
        input_modalities=input_modalities,
        output_modalities=output_modalities,
        tags=_strings(_first(sources, "tags")),
        pricing=_pricing(_first(sources, "pricing")),
        api_type=api_type,
        raw=dict(entry),
    )


def models_from_body(body: Any) -> list[ModelInfo]:
    """
    The records of a `/models` body: `{"object": "list", "data": [...]}` or, as older bodies came, a bare array.

    Entries without an id are skipped, with a warning that says how many.

    :raises CatalogueError: The body is neither shape.
    """
    entries = body.get("data") if isinstance(body, Mapping) else body
    if not isinstance(entries, list):
        shape = f"an object with keys {sorted(body)[:8]}" if isinstance(body, Mapping) else type(body).__name__
        raise CatalogueError(
            f"The model catalogue answered with {shape}, not a list of models (expected "
            '{"object": "list", "data": [...]} or a JSON array).'
        )
    models = []
    skipped = 0
    for entry in entries:
        model = _model_from_entry(entry) if isinstance(entry, Mapping) else None
        if model is None:
            skipped += 1
        else:
            models.append(model)
    if skipped:
        logger.warning(
            "The model catalogue held {skipped} entries without a model id; they are left out.", skipped=skipped
        )
    return models


# --- filtering --------------------------------------------------------------------------------------------------


def _check_filter(name: str, value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise TypeError(f"{name} must be a non-empty str or None, got {value!r}.")


def _capability_filter(capability: str | Iterable[str] | None) -> frozenset[str]:
    if capability is None:
        return frozenset()
    values = [capability] if isinstance(capability, str) else list(capability)
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise TypeError(
                f"capability must be a name such as 'tools' or 'vision', or a list of names, got {capability!r}."
            )
    return frozenset(normalize_capability(value) for value in values)


def filter_models(
    models: Iterable[ModelInfo],
    *,
    kind: str | None = None,
    capability: str | Iterable[str] | None = None,
    search: str | None = None,
) -> list[ModelInfo]:
    """
    The models that match every filter given.

    :param models: Records to filter.
    :param kind: A kind in either vocabulary (`chat`, `chat-completion`, `openai/chat-completions`).
    :param capability: A capability, or several that must all be present (`tools`, `vision`, ...).
    :param search: Text found, ignoring case, in the id, an alias, the name or the developer.
    """
    _check_filter("kind", kind)
    _check_filter("search", search)
    wanted_capabilities = _capability_filter(capability)
    wanted_kind = normalize_kind(kind) if kind else None
    needle = search.strip().lower() if search else None
    selected = []
    for model in models:
        if wanted_kind is not None and model.kind != wanted_kind:
            continue
        if not wanted_capabilities <= model.capabilities:
            continue
        if needle is not None:
            haystack = [model.id, *model.aliases, model.name or "", model.developer or ""]
            if not any(needle in text.lower() for text in haystack):
                continue
        selected.append(model)
    return selected


# --- the catalogue ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CacheEntry:
    etag: str
    models: tuple[ModelInfo, ...]


class ModelCatalogue:
    """
    AI/ML API's model catalogue, read from `GET /v1/models`, sync or async.

    Usage example:
    ```python
    from haystack_integrations.common.aimlapi import ModelCatalogue

    catalogue = ModelCatalogue()  # sends AIMLAPI_API_KEY when it is set; the endpoint does not need it
    for model in catalogue.list_models(kind="chat", capability="tools", search="claude"):
        print(model.id, model.context_length, sorted(model.capabilities))
    ```

    Bodies in the 2026 vocabulary (`openai/chat-completions`, `capabilities`) and the older one (`chat-completion`,
    `features`, a bare array) give the same records. Filters are applied here rather than sent as `type=` /
    `capabilities=`: the server's spelling of a type depends on which vocabulary it speaks, while a normalized kind
    does not, and the whole list is cached anyway.

    Within a process, each answer is cached by its ETag: later calls send `If-None-Match` and reuse the cached
    records when the server answers 304 Not Modified.
    """

    _cache: dict[tuple[str, str | None], _CacheEntry] = {}  # noqa: RUF012  # shared by every instance on purpose
    _cache_lock = threading.Lock()

    def __init__(
        self,
        *,
        api_key: Secret | None = None,
        api_base_url: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, Any] | None = None,
        http_client_kwargs: dict[str, Any] | None = None,
    ) -> None:
        """
        Creates a catalogue reader. Settings are checked here; nothing is sent until a `list_models` call.

        :param api_key: Sent as `Authorization: Bearer ...` when it resolves to a value. Defaults to the
            `AIMLAPI_API_KEY` environment variable, read at each call; without a key, no header is sent.
        :param api_base_url: Defaults to `AIMLAPI_BASE_URL`, then `https://api.aimlapi.com/v1`.
        :param timeout: Seconds per request. Defaults to `AIMLAPI_TIMEOUT`, then `OPENAI_TIMEOUT`, then 30.
        :param max_retries: How often a request failing with 408, 409, 429 or 5xx, a timeout or a connection error
            is retried, honouring `Retry-After`, as the components' requests are. Defaults to
            `AIMLAPI_MAX_RETRIES`, then `OPENAI_MAX_RETRIES`, then 5.
        :param extra_headers: Headers added to each request; they replace attribution headers of the same name.
        :param http_client_kwargs: Keyword arguments for the `httpx.Client` / `httpx.AsyncClient` (proxies, a
            transport, ...).
        :raises ValueError: The base URL is not an absolute http(s) URL, the timeout is not a positive number, or
            `max_retries` is not a whole number >= 0.
        :raises TypeError: `api_key` is not a `Secret`, or `http_client_kwargs` is not a dict.
        """
        if api_key is not None and not isinstance(api_key, Secret):
            raise TypeError(
                f"api_key must be a haystack.utils.Secret or None, got {type(api_key).__name__}. "
                f"Use Secret.from_env_var({API_KEY_ENV!r}) or Secret.from_token(...)."
            )
        if http_client_kwargs is not None and not isinstance(http_client_kwargs, dict):
            raise TypeError(
                f"http_client_kwargs must be a dict of httpx.Client arguments, got {type(http_client_kwargs).__name__}."
            )
        self.api_key = api_key if api_key is not None else Secret.from_env_var(API_KEY_ENV, strict=False)
        self.api_base_url = validate_base_url(resolve_base_url(api_base_url), from_environment=not api_base_url)
        self.timeout = resolve_timeout(timeout)
        self.max_retries = resolve_max_retries(max_retries)
        self.extra_headers = dict(extra_headers) if extra_headers else None
        self.http_client_kwargs = http_client_kwargs

    def __repr__(self) -> str:
        return (
            f"ModelCatalogue(api_base_url={self.api_base_url!r}, timeout={self.timeout}, "
            f"max_retries={self.max_retries})"
        )

    @classmethod
    def clear_cache(cls) -> None:
        """Forget every cached catalogue, so the next call fetches the whole list again."""
        with cls._cache_lock:
            cls._cache.clear()

    # --- requests ---------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The catalogue's URL."""
        return f"{self.api_base_url}/models"

    def _key_value(self) -> str | None:
        value = self.api_key.resolve_value()
        return value if isinstance(value, str) and value else None

    def _request(self, include_pricing: bool) -> tuple[dict[str, str], dict[str, str], tuple[str, str | None], str]:
        include = [*_INCLUDE, "pricing"] if include_pricing else list(_INCLUDE)
        params = {"include": ",".join(include)}
        key = self._key_value()
        headers = {"Accept": "application/json", **merge_headers(self.extra_headers)}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        # Keyed by a digest, so the cache never holds a key; a different key may see a different catalogue.
        key_digest = hashlib.sha256(key.encode()).hexdigest()[:16] if key else None
        cache_key = (f"{self.url}?include={params['include']}", key_digest)
        with self._cache_lock:
            cached = self._cache.get(cache_key)
        if cached is not None:
            headers["If-None-Match"] = cached.etag
        return params, headers, cache_key, key or ""

    def _read(self, response: httpx.Response, cache_key: tuple[str, str | None], key: str) -> list[ModelInfo]:
        if response.status_code == 304:
            with self._cache_lock:
                cached = self._cache.get(cache_key)
            if cached is None:  # the cache was cleared while the request was in flight
                raise CatalogueError(
                    "The model catalogue answered 304 Not Modified, but nothing is cached; call again.",
                    status_code=304,
                )
            return list(cached.models)
        content_type = response.headers.get("content-type", "")
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
            if response.is_success:
                excerpt = describe_status_error(response.status_code, body, content_type=content_type)
                raise CatalogueError(
                    redact(f"The model catalogue at {self.url} did not answer with JSON ({excerpt}).", (key,)),
                    status_code=response.status_code,
                ) from None
        if not response.is_success:
            text = describe_status_error(response.status_code, body, content_type=content_type)
            raise CatalogueError(redact(text, (key,)), status_code=response.status_code)
        models = models_from_body(body)
        etag = response.headers.get("etag")
        if etag:
            with self._cache_lock:
                self._cache[cache_key] = _CacheEntry(etag=etag, models=tuple(models))
        return models

    def _transport_error(self, error: httpx.HTTPError, key: str) -> CatalogueError:
        if isinstance(error, httpx.TimeoutException):
            text = f"The model catalogue at {self.url} did not answer within {self.timeout:g} s."
        else:
            text = f"Could not reach the model catalogue at {self.url}: {type(error).__name__}: {error}"
        return CatalogueError(redact(text, (key,)))

    def _retry_wait(self, outcome: httpx.Response | httpx.HTTPError, attempt: int) -> float | None:
        """The wait before another attempt, or `None` when `outcome` is final or the retries are spent."""
        if attempt >= self.max_retries or not is_retryable(outcome):
            return None
        wait = retry_wait(outcome.headers if isinstance(outcome, httpx.Response) else None, attempt)
        logger.info(
            "Retrying the model catalogue request in {wait:.2f} s (retry {retry} of {max_retries}): {outcome}",
            wait=wait,
            retry=attempt + 1,
            max_retries=self.max_retries,
            outcome=f"HTTP {outcome.status_code}" if isinstance(outcome, httpx.Response) else type(outcome).__name__,
        )
        return wait

    def _outcome(
        self, outcome: httpx.Response | httpx.HTTPError, cache_key: tuple[str, str | None], key: str
    ) -> list[ModelInfo]:
        if isinstance(outcome, httpx.HTTPError):
            raise self._transport_error(outcome, key) from outcome
        return self._read(outcome, cache_key, key)

    def _client_kwargs(self) -> dict[str, Any]:
        return dict(self.http_client_kwargs) if self.http_client_kwargs else {}

    def fetch(self, *, include_pricing: bool = False) -> list[ModelInfo]:
        """
        Every model in the catalogue, unfiltered.

        :param include_pricing: Ask for each model's price (`include=pricing`).
        :raises CatalogueError: The API refused, could not be reached, or did not answer with a catalogue.
        """
        params, headers, cache_key, key = self._request(include_pricing)
        client = init_http_client(self._client_kwargs(), async_client=False) or httpx.Client()
        outcome: httpx.Response | httpx.HTTPError
        with client:
            attempt = 0
            while True:
                try:
                    outcome = client.get(self.url, params=params, headers=headers, timeout=self.timeout)
                except httpx.HTTPError as error:
                    outcome = error
                wait = self._retry_wait(outcome, attempt)
                if wait is None:
                    return self._outcome(outcome, cache_key, key)
                time.sleep(wait)
                attempt += 1

    async def afetch(self, *, include_pricing: bool = False) -> list[ModelInfo]:
        """
        Every model in the catalogue, unfiltered, without blocking the event loop.

        :param include_pricing: Ask for each model's price (`include=pricing`).
        :raises CatalogueError: The API refused, could not be reached, or did not answer with a catalogue.
        """
        params, headers, cache_key, key = self._request(include_pricing)
        client = init_http_client(self._client_kwargs(), async_client=True) or httpx.AsyncClient()
        outcome: httpx.Response | httpx.HTTPError
        async with client:
            attempt = 0
            while True:
                try:
                    outcome = await client.get(self.url, params=params, headers=headers, timeout=self.timeout)
                except httpx.HTTPError as error:
                    outcome = error
                wait = self._retry_wait(outcome, attempt)
                if wait is None:
                    return self._outcome(outcome, cache_key, key)
                await asyncio.sleep(wait)
                attempt += 1

    def list_models(
        self,
        *,
        kind: str | None = None,
        capability: str | Iterable[str] | None = None,
        search: str | None = None,
        include_pricing: bool = False,
    ) -> list[ModelInfo]:
        """
        The models that match every filter given, in the catalogue's order.

        :param kind: `chat`, `embedding`, `image`, `video`, `audio`, `speech`, `transcription`, ... (either
            vocabulary is understood).
        :param capability: A capability, or several that must all be present: `tools`, `vision`, `streaming`,
            `structured_output`, `parallel_tool_calls`, `file_input`, ...
        :param search: Text found, ignoring case, in the id, an alias, the name or the developer.
        :param include_pricing: Ask for each model's price.
        :raises TypeError: A filter is not a non-empty str (or, for `capability`, a list of them).
        :raises CatalogueError: The API refused, could not be reached, or did not answer with a catalogue.
        """
        filter_models((), kind=kind, capability=capability, search=search)  # bad filters fail before the request
        models = self.fetch(include_pricing=include_pricing)
        return filter_models(models, kind=kind, capability=capability, search=search)

    async def alist_models(
        self,
        *,
        kind: str | None = None,
        capability: str | Iterable[str] | None = None,
        search: str | None = None,
        include_pricing: bool = False,
    ) -> list[ModelInfo]:
        """
        The async twin of `list_models`.

        :param kind: See `list_models`.
        :param capability: See `list_models`.
        :param search: See `list_models`.
        :param include_pricing: See `list_models`.
        :raises TypeError: A filter is not a non-empty str.
        :raises CatalogueError: The API refused, could not be reached, or did not answer with a catalogue.
        """
        filter_models((), kind=kind, capability=capability, search=search)
        models = await self.afetch(include_pricing=include_pricing)
        return filter_models(models, kind=kind, capability=capability, search=search)


def list_models(
    *,
    kind: str | None = None,
    capability: str | Iterable[str] | None = None,
    search: str | None = None,
    include_pricing: bool = False,
    api_key: Secret | None = None,
    api_base_url: str | None = None,
    timeout: float | None = None,
    extra_headers: Mapping[str, Any] | None = None,
    http_client_kwargs: dict[str, Any] | None = None,
) -> list[ModelInfo]:
    """
    AI/ML API's models matching the filters: `ModelCatalogue(...).list_models(...)` in one call.

    ```python
    from haystack_integrations.common.aimlapi import list_models

    vision_chat = list_models(kind="chat", capability=["tools", "vision"])
    ```

    See `ModelCatalogue` for the connection parameters and `ModelCatalogue.list_models` for the filters.
    """
    catalogue = ModelCatalogue(
        api_key=api_key,
        api_base_url=api_base_url,
        timeout=timeout,
        extra_headers=extra_headers,
        http_client_kwargs=http_client_kwargs,
    )
    return catalogue.list_models(kind=kind, capability=capability, search=search, include_pricing=include_pricing)


async def alist_models(
    *,
    kind: str | None = None,
    capability: str | Iterable[str] | None = None,
    search: str | None = None,
    include_pricing: bool = False,
    api_key: Secret | None = None,
    api_base_url: str | None = None,
    timeout: float | None = None,
    extra_headers: Mapping[str, Any] | None = None,
    http_client_kwargs: dict[str, Any] | None = None,
) -> list[ModelInfo]:
    """The async twin of `list_models`; same parameters."""
    catalogue = ModelCatalogue(
        api_key=api_key,
        api_base_url=api_base_url,
        timeout=timeout,
        extra_headers=extra_headers,
        http_client_kwargs=http_client_kwargs,
    )
    return await catalogue.alist_models(
        kind=kind, capability=capability, search=search, include_pricing=include_pricing
    )


# --- the soft model check ---------------------------------------------------------------------------------------


class UnknownModelWarning(UserWarning):
    """A model id is not in AI/ML API's catalogue, or is there under another kind."""


def _short_name(model_id: str) -> str:
    return model_id.lower().rsplit("/", 1)[-1]


def closest_model_ids(model_id: str, models: Iterable[ModelInfo], *, limit: int = 3) -> list[str]:
    """
    The ids (and aliases) in `models` that look most like `model_id`, best first.

    Names are compared whole and without their vendor prefix, so `openai/gpt-4o-mni` finds `gpt-4o-mini`, and an id
    that only lacks the prefix (`claude-sonnet-4.5` for `anthropic/claude-sonnet-4.5`) comes first.
    """
    wanted = model_id.strip()
    candidates: dict[str, None] = {}
    for model in models:
        for name in (model.id, *model.aliases):
            if name != wanted:
                candidates.setdefault(name)
    scored = []
    for name in candidates:
        if _short_name(name) == _short_name(wanted):
            score = 2.0
        else:
            score = max(
                difflib.SequenceMatcher(None, wanted.lower(), name.lower()).ratio(),
                difflib.SequenceMatcher(None, _short_name(wanted), _short_name(name)).ratio(),
            )
        if score >= _SUGGESTION_CUTOFF:
            scored.append((score, name))
    scored.sort(key=lambda pair: -pair[0])  # stable: equal scores keep the catalogue's order
    return [name for _, name in scored[:limit]]


def check_model(
    model_id: str,
    *,
    kind: str | None = None,
    catalogue: ModelCatalogue | None = None,
) -> bool | None:
    """
    Warns if `model_id` is not in AI/ML API's catalogue, suggesting the closest ids. Never raises on the catalogue's
    account: a catalogue that cannot be read is logged and the check gives up.

    ```python
    from haystack_integrations.common.aimlapi import check_model

    check_model("anthropic/claude-sonet-4.5", kind="chat")
    # UnknownModelWarning: 'anthropic/claude-sonet-4.5' is not in the model catalogue at
    # https://api.aimlapi.com/v1/models (... models). Did you mean: anthropic/claude-sonnet-4.5?
    ```

    Components never call this themselves (they send nothing at construction); call it where a model id comes from
    configuration or a user.

    :param model_id: The id to check; an alias counts as known.
    :param kind: Also warn when the model is of another kind (`chat`, `embedding`, `image`, ...).
    :param catalogue: The catalogue to read; by default one built from the environment that makes a single attempt
        (`max_retries=0`), since a check that only advises should not hold its caller up through retries.
    :returns: `True` if the id is known (and of the kind given), `False` if a warning was issued, `None` if the
        catalogue could not be read.
    :raises TypeError: `model_id` is not a non-empty str (a programming error, not a catalogue failure).
    """
    if not isinstance(model_id, str) or not model_id.strip():
        raise TypeError(f"model_id must be a non-empty str, got {model_id!r}.")
    _check_filter("kind", kind)
    try:
        catalogue = catalogue or ModelCatalogue(max_retries=0)
        models = catalogue.fetch()
    except Exception as error:  # a soft check must never break the caller, whatever went wrong
        logger.warning(
            "Could not check the model id {model_id} against AI/ML API's catalogue: {error}",
            model_id=model_id,
            error=str(error),
        )
        return None
    wanted = model_id.strip()
    match = next((model for model in models if wanted == model.id or wanted in model.aliases), None)
    wanted_kind = normalize_kind(kind) if kind else None
    if match is not None:
        if wanted_kind is None or match.kind is None or match.kind == wanted_kind:
            return True
        same_kind = [model for model in models if model.kind == wanted_kind]
        suggestions = closest_model_ids(wanted, same_kind)
        hint = f" Similar {wanted_kind} models: {', '.join(suggestions)}." if suggestions else ""
        warnings.warn(
            f"{wanted!r} is listed as kind {match.kind!r} in the model catalogue at {catalogue.url}, not "
            f"{wanted_kind!r}.{hint}",
            UnknownModelWarning,
            stacklevel=2,
        )
        return False
    pool = [model for model in models if model.kind == wanted_kind] if wanted_kind else models
    suggestions = closest_model_ids(wanted, pool or models)
    hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
    warnings.warn(
        f"{wanted!r} is not in the model catalogue at {catalogue.url} ({len(models)} models).{hint} "
        "`aimlapi-haystack models --search ...` lists the ids.",
        UnknownModelWarning,
        stacklevel=2,
    )
    return False
