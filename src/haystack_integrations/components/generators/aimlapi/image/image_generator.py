# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0

import asyncio
import base64
import json
import threading
import weakref
from collections.abc import Mapping
from typing import Any

import httpx
from haystack import component, default_from_dict, default_to_dict, logging
from haystack.dataclasses import ImageContent
from haystack.utils import Secret
from haystack.utils.http_client import init_http_client

from haystack_integrations.common.aimlapi import (
    COST_META_KEY,
    AIMLAPIClient,
    AIMLAPIClientsMixin,
    AsyncAIMLAPIClient,
    check_api_key,
    cost_from_response,
    default_api_key,
    error_message_from_body,
)
from haystack_integrations.common.aimlapi.cost import usage_with_cost
from haystack_integrations.common.aimlapi.images import (
    COUNT_PARAMETER,
    IMAGE_GENERATIONS_PATH,
    SEED_PARAMETER,
    GeneratedImage,
    ImageAnswer,
    ImageFamily,
    ImageSize,
    check_image_family,
    check_image_size,
    download_image,
    download_image_async,
    image_mime_type,
    infer_image_family,
    read_image_answer,
    size_parameter,
)
from haystack_integrations.common.aimlapi.tracking import record_call, request_id_options, response_ids

from .conversions import decode_data_url, decode_inline_image, is_data_url
from .errors import ImageAnswerError, ImageResponseError

logger = logging.getLogger(__name__)

# Guards the pairing of `openai` clients with download clients; pairs are made once per client.
_DOWNLOAD_CLIENTS_LOCK = threading.Lock()

DEFAULT_MODEL = "flux/schnell"
DEFAULT_DOWNLOAD_TIMEOUT_SECONDS = 60.0
DEFAULT_MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024

# Keys of the request that belong to the component, not to `generation_kwargs`.
_COMPONENT_OWNED_KEYS = ("model", "prompt")
# The family whose parameter names a model no pattern recognises gets: the endpoint itself is OpenAI's.
_FALLBACK_FAMILY: ImageFamily = "openai"
# Every family's name for the number of images. A count under any of them is checked, whatever the model's family:
# `n` sent to a fal-style model is as likely a mistake as `num_images` sent to an OpenAI-style one.
_COUNT_KEYS: tuple[str, ...] = tuple(sorted(set(COUNT_PARAMETER.values())))


def _check_prompt(prompt: object) -> str:
    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a str describing the image, got {type(prompt).__name__}.")
    if not prompt.strip():
        raise ValueError("prompt is empty. Pass a description of the image to generate.")
    return prompt


def _check_count(n: object) -> None:
    if n is None:
        return
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be a whole number of images, got {type(n).__name__} {n!r}.")
    if n <= 0:
        raise ValueError(f"n must be at least 1, got {n}. Pass the number of images to generate, or leave it unset.")


def _check_count_field(key: str, value: object) -> None:
    # None is JSON null, which asks for the model's default, like leaving the key out.
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
        raise ValueError(
            f"generation_kwargs[{key!r}] must be a whole number of images, at least 1, got {type(value).__name__} "
            f"{value!r}. Pass the number of images to generate, or leave it out."
        )


def _request_fields(*layers: object) -> dict[str, Any]:
    """
    The `generation_kwargs` layers merged key by key, later ones winning, with `extra_body` merged into the top
    level. Raises `TypeError` for a layer that is not a dict and `ValueError` for a count that is not one.
    """
    fields: dict[str, Any] = {}
    for layer in layers:
        if layer is None:
            continue
        if not isinstance(layer, Mapping):
            raise TypeError(
                f"generation_kwargs must be a dict of request fields, got {type(layer).__name__}. Pass a dict, "
                "e.g. generation_kwargs={'quality': 'hd'}, or leave it unset."
            )
        fields.update(layer)
    extra_body = fields.pop("extra_body", None)
    if extra_body is not None:
        if not isinstance(extra_body, Mapping):
            raise TypeError(
                f"generation_kwargs['extra_body'] must be a dict of JSON fields, got {type(extra_body).__name__}."
            )
        fields.update(extra_body)
    for key in _COUNT_KEYS:
        _check_count_field(key, fields.get(key))
    return fields


def _check_seed(seed: object) -> None:
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__} {seed!r}.")


def _check_download_settings(download_timeout: object, max_download_bytes: object) -> None:
    if isinstance(download_timeout, bool) or not isinstance(download_timeout, int | float) or download_timeout <= 0:
        raise ValueError(f"download_timeout must be a positive number of seconds, got {download_timeout!r}.")
    if isinstance(max_download_bytes, bool) or not isinstance(max_download_bytes, int) or max_download_bytes <= 0:
        raise ValueError(f"max_download_bytes must be a positive whole number of bytes, got {max_download_bytes!r}.")


def _image_meta(image: GeneratedImage, index: int, answer: ImageAnswer) -> dict[str, Any]:
    meta: dict[str, Any] = {"index": index}
    if answer.is_flagged(index):
        meta["nsfw"] = True
    if image.url and not is_data_url(image.url):
        meta["url"] = image.url
    if image.revised_prompt:
        meta["revised_prompt"] = image.revised_prompt
    if image.width:
        meta["width"] = image.width
    if image.height:
        meta["height"] = image.height
    return meta


def _image_content(data: bytes, mime_type: str | None, meta: dict[str, Any]) -> ImageContent:
    if mime_type is None:
        logger.warning(
            "Could not tell the format of generated image {index}: its bytes match no known image format and the "
            "server declared none. It is returned without a MIME type, which vision models may refuse.",
            index=meta.get("index"),
        )
    # The bytes were decoded and their type read here already. Haystack's validation would decode them a second
    # time and refuse formats outside its list (SVG, AVIF) that image models do produce.
    return ImageContent(
        base64_image=base64.b64encode(data).decode("ascii"), mime_type=mime_type, meta=meta, validation=False
    )


def _cost(body: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, Any] | None:
    # A cost figure too large for a float (an integer such as 10**400) makes the shared reader overflow; the images
    # were generated and paid for all the same, so an unreadable cost is left out rather than failing the call.
    try:
        return cost_from_response(body, headers)
    except (OverflowError, ValueError):
        return None


@component
class AIMLAPIImageGenerator(AIMLAPIClientsMixin):
    """
    Generates images with any of AI/ML API's image models (OpenAI, Flux, Stable Diffusion, Recraft, Imagen, ...).

    Usage example:
    ```python
    from haystack_integrations.components.generators.aimlapi import AIMLAPIImageGenerator

    generator = AIMLAPIImageGenerator(model="flux/schnell")  # reads AIMLAPI_API_KEY
    result = generator.run("A lighthouse on a cliff at dawn, watercolor", size="1024x768", seed=7)
    image = result["images"][0]       # haystack.dataclasses.ImageContent: base64 plus MIME type
    print(image.mime_type)            # image/jpeg
    print(result["urls"])             # ['https://...']: where the server put the image
    print(result["meta"].get("cost"))  # {'credits_used': 6300, 'usd_spent': 0.00315}; None if the server reports none
    ```

    The images are `ImageContent`s, so they go straight into a multimodal `ChatMessage` for a vision model:
    `ChatMessage.from_user(content_parts=["Describe this image.", result["images"][0]])`.

    AI/ML API serves several model families on `POST /v1/images/generations`, each with its own parameter names.
    The family is inferred from the model id (or set with `model_family`) and the component's `n`, `size` and
    `seed` are sent under that family's names:

    - `openai` (`dall-e-3`, `openai/gpt-image-1`, `x-ai/grok-2-image`, `bytedance/seedream-*`): `n`, and
      `size: "1024x768"`;
    - `fal` (`flux/schnell`, `flux-pro/v1.1`, `stable-diffusion-v35-large`, `recraft-v3`): `num_images`, and
      `image_size: {"width": 1024, "height": 768}` or a preset such as `"landscape_4_3"`;
    - `google` (`google/imagen-4.0-*`, `google/nano-banana-*`): `num_images`, and `aspect_ratio: "4:3"`.

    Only what the caller asks for is sent; everything else in `generation_kwargs` travels as is.

    Answers come in three shapes (`data[]`, `images[]`, `output.choices[]`), as base64, as a `data:` URL, or as an
    http(s) URL. Images given by URL are downloaded through the component's HTTP client (without the API key) unless
    `download_images=False`, in which case only their URLs are returned.

    This is a standalone component rather than a subclass of Haystack's `OpenAIImageGenerator`, which reads only
    the base64 of the first image of an OpenAI-shaped answer and always sends `quality` and `size`.
    """

    def __init__(
        self,
        *,
        api_key: Secret = default_api_key(),  # noqa: B008
        model: str = DEFAULT_MODEL,
        model_family: ImageFamily | None = None,
        n: int | None = None,
        size: ImageSize | None = None,
        seed: int | None = None,
        generation_kwargs: dict[str, Any] | None = None,
        download_images: bool = True,
        download_timeout: float = DEFAULT_DOWNLOAD_TIMEOUT_SECONDS,
        max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
        api_base_url: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        extra_headers: dict[str, Any] | None = None,
        http_client_kwargs: dict[str, Any] | None = None,
    ) -> None:
        """
        Creates an AIMLAPIImageGenerator. Nothing is sent and no client is built until the first run or `warm_up()`.

        :param api_key: The AI/ML API key. Read from the `AIMLAPI_API_KEY` environment variable by default. A
            missing key fails at warm-up with a `ValueError` naming the variable.
        :param model: The image model id, e.g. `flux/schnell`, `dall-e-3`, `openai/gpt-image-1`,
            `stable-diffusion-v35-large`, `recraft-v3`, `google/imagen-4.0-generate-001`.
        :param model_family: The parameter conventions the model follows: `"openai"`, `"fal"` or `"google"`.
            Inferred from `model` when not given; set it for a model the inference does not know. A model with no
            known family gets OpenAI's parameter names.
        :param n: How many images to generate. Sent as `n` or `num_images`, depending on the family. Not sent
            when unset, so the model's default applies.
        :param size: The size of the images: `"1024x768"`, `(1024, 768)`, `{"width": 1024, "height": 768}`, a fal
            preset (`"landscape_4_3"`), an aspect ratio (`"16:9"`) or `"auto"`. Sent as `size`, `image_size` or
            `aspect_ratio`, depending on the family; a size the family cannot express raises a `ValueError`.
        :param seed: A seed for reproducible images, sent as `seed`, on models that take one.
        :param generation_kwargs: Further request fields, sent as they are: `quality`, `style`, `response_format`,
            `output_format`, `background`, `guidance_scale`, `num_inference_steps`, `negative_prompt`,
            `enable_safety_checker`, `resolution`, ... `extra_body` is merged into the JSON body. `model` and
            `prompt` are the component's own. Must be a dict; a count given here (`n` or `num_images`, whatever the
            family) must be a whole number of at least 1, and may not contradict `n`.
        :param download_images: Download images the server gives only as an http(s) URL, so that every image comes
            back as `ImageContent`. When `False`, such images appear only in the `urls` output. `data:` URLs are
            always decoded, without a request.
        :param download_timeout: Seconds one attempt at an image download may take in all; an attempt that runs
            out of time is not retried.
        :param max_download_bytes: The largest image downloaded; a larger one raises `ImageDownloadError`.
        :param api_base_url: The API's base URL. Defaults to the `AIMLAPI_BASE_URL` environment variable, then
            `https://api.aimlapi.com/v1`. Resolved here, so `to_dict` records the URL in use.
        :param timeout: Seconds before a generation request times out. Defaults to `AIMLAPI_TIMEOUT`, then
            `OPENAI_TIMEOUT`, then 30. Large models can need more.
        :param max_retries: How often a generation request failing with 408, 409, 429 or 5xx, or a connection
            error, is retried. Defaults to `AIMLAPI_MAX_RETRIES`, then `OPENAI_MAX_RETRIES`, then 5. An image
            download is retried as often on a refused or dropped connection or a 408, 409, 429 or 5xx answer.
        :param extra_headers: Headers added to every generation request. They replace the attribution headers
            (`HTTP-Referer`, `X-Title`) of the same name.
        :param http_client_kwargs: Keyword arguments for the `httpx.Client` / `httpx.AsyncClient` that carries both
            the generation requests and the downloads (proxies, limits, a transport, ...).
        """
        if model_family is not None:
            check_image_family(model_family)
        _check_count(n)
        check_image_size(size)
        _check_seed(seed)
        _check_download_settings(download_timeout, max_download_bytes)
        _request_fields(generation_kwargs)  # a list, or a count of 0, fails here rather than at the first run
        check_api_key(api_key)
        self.api_key = api_key
        self.model = model
        self.model_family = model_family
        self.n = n
        self.size = size
        self.seed = seed
        self.generation_kwargs = dict(generation_kwargs) if generation_kwargs is not None else {}
        self.download_images = download_images
        self.download_timeout = download_timeout
        self.max_download_bytes = max_download_bytes
        self._store_connection_settings(
            api_base_url=api_base_url,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            http_client_kwargs=http_client_kwargs,
        )
        if size is not None:
            size_parameter(self.family or _FALLBACK_FAMILY, size)  # a size the model cannot take fails here already
        self._http_client: httpx.Client | None = None
        self._async_http_client: httpx.AsyncClient | None = None

    @property
    def family(self) -> ImageFamily | None:
        """The family whose parameter names requests use: `model_family` if set, else inferred from `model`."""
        return self.model_family or infer_image_family(self.model)

    # --- clients -----------------------------------------------------------------------------------------------
    # The component builds the httpx client and hands it to the `openai` client, so that downloads go through the
    # same connection pool, proxies and (in tests) transport as the generation requests. The API key is added by
    # the `openai` client per request, so downloads through the bare httpx client never carry it.
    #
    # Each `openai` client is paired with its download client in `_download_clients`, and a call looks the pair up
    # once, from the client it took: with one async client per event loop, `_async_http_client` names only the one
    # built last, which another thread's loop may replace at any time. A client the user assigned to `client` /
    # `async_client` gets a bare download client of its own the first time it is used.

    _transient_attributes = (
        *AIMLAPIClientsMixin._transient_attributes,
        "_http_client",
        "_async_http_client",
        "_download_clients",
    )

    def _remember_download_client(self, client: Any, http_client: Any) -> None:
        with _DOWNLOAD_CLIENTS_LOCK:
            pairs: weakref.WeakKeyDictionary[Any, Any] | None = self.__dict__.get("_download_clients")
            if pairs is None:
                pairs = weakref.WeakKeyDictionary()
                self._download_clients = pairs
            pairs[client] = http_client

    def _download_client(self, client: Any, *, asynchronous: bool) -> Any:
        """The httpx client that downloads for a call made with `client`."""
        pairs = self.__dict__.get("_download_clients")
        http_client = pairs.get(client) if pairs is not None else None
        if http_client is None:
            if asynchronous:
                http_client = init_http_client(self.http_client_kwargs, async_client=True) or httpx.AsyncClient()
            else:
                http_client = init_http_client(self.http_client_kwargs, async_client=False) or httpx.Client()
            self._remember_download_client(client, http_client)
        return http_client

    def _make_client(self, options: Mapping[str, Any]) -> AIMLAPIClient:
        http_client = init_http_client(self.http_client_kwargs, async_client=False) or httpx.Client()
        # openai>=3 annotates http_client as httpx2's client; it accepts httpx's at runtime.
        client = AIMLAPIClient(http_client=http_client, **options)  # type: ignore[arg-type]
        self._remember_download_client(client, http_client)
        self._http_client = http_client
        return client

    def _make_async_client(self, options: Mapping[str, Any]) -> AsyncAIMLAPIClient:
        http_client = init_http_client(self.http_client_kwargs, async_client=True) or httpx.AsyncClient()
        client = AsyncAIMLAPIClient(http_client=http_client, **options)  # type: ignore[arg-type]
        self._remember_download_client(client, http_client)
        self._async_http_client = http_client
        return client

    def close(self) -> None:
        """Releases the synchronous client and its connections."""
        if self.client is not None:
            self.client.close()
            self.client = None
            self._http_client = None

    async def close_async(self) -> None:
        """Releases the asynchronous client and its connections."""
        if self.async_client is not None:
            await self.async_client.close()
            self.async_client = None
            self._async_http_client = None

    # --- serialization -----------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """
        Serializes the component. The key is stored as a reference to its environment variable, never its value.

        :returns: The component as a dictionary.
        """
        return default_to_dict(
            self,
            api_key=self.api_key,
            model=self.model,
            model_family=self.model_family,
            n=self.n,
            size=self.size,
            seed=self.seed,
            generation_kwargs=self.generation_kwargs,
            download_images=self.download_images,
            download_timeout=self.download_timeout,
            max_download_bytes=self.max_download_bytes,
            **self._connection_init_parameters(),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "AIMLAPIImageGenerator":
        """
        Deserializes the component.

        :param data: The dictionary `to_dict` produced.
        :returns: The component.
        """
        return default_from_dict(cls, data)

    # --- requests ------------------------------------------------------------------------------------------------

    def _request_body(
        self,
        prompt: object,
        n: int | None,
        size: ImageSize | None,
        seed: int | None,
        generation_kwargs: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """The JSON body of a generation request. Raises `ValueError`/`TypeError` for bad input."""
        prompt = _check_prompt(prompt)
        n = n if n is not None else self.n
        size = size if size is not None else self.size
        seed = seed if seed is not None else self.seed
        _check_count(n)
        _check_seed(seed)

        fields = _request_fields(self.generation_kwargs, generation_kwargs)
        for key in _COMPONENT_OWNED_KEYS:
            if key in fields:
                fields.pop(key)
                logger.warning("generation_kwargs['{key}'] is ignored: the component sets it.", key=key)

        family = self.family
        if family is None and (n is not None or size is not None):
            logger.warning(
                "The image model {model} belongs to no known family, so n and size are sent under OpenAI's names "
                "(n, size). If the model takes other names, pass model_family='fal' or 'google'.",
                model=self.model,
            )
        # Two different counts contradict each other whatever the family; the hint about names needs a known one.
        self._check_foreign_counts(family or _FALLBACK_FAMILY, n, fields, warn=family is not None)
        family = family or _FALLBACK_FAMILY

        mapped: dict[str, tuple[str, Any]] = {}
        if n is not None:
            mapped[COUNT_PARAMETER[family]] = ("n", n)
        if size is not None:
            key, value = size_parameter(family, size)
            mapped[key] = ("size", value)
        if seed is not None:
            mapped[SEED_PARAMETER[family]] = ("seed", seed)
        for key, (parameter, value) in mapped.items():
            if key in fields and fields[key] != value:
                raise ValueError(
                    f"{parameter}={value!r} and generation_kwargs[{key!r}]={fields[key]!r} ask for different things. "
                    f"Pass only one of them."
                )
            fields[key] = value
        return {"model": self.model, "prompt": prompt, **fields}

    @staticmethod
    def _check_foreign_counts(family: ImageFamily, n: int | None, fields: Mapping[str, Any], *, warn: bool) -> None:
        """
        Refuse a count under another family's name that contradicts `n`; with `warn`, warn about one sent without
        `n`, which the model most likely ignores.
        """
        own = COUNT_PARAMETER[family]
        for key in _COUNT_KEYS:
            if key == own or fields.get(key) is None:
                continue
            if n is not None and fields[key] != n:
                raise ValueError(
                    f"n={n!r} and generation_kwargs[{key!r}]={fields[key]!r} ask for different things. {family}-style "
                    f"models take the number of images as {own!r}, which n is sent as: pass only n (or, if this model "
                    f"does take {key!r}, set model_family accordingly)."
                )
            if n is None and warn:
                logger.warning(
                    "generation_kwargs['{key}'] is sent as is, but {family}-style models take the number of images "
                    "as '{own}', so the model may ignore it. Pass n instead.",
                    key=key,
                    family=family,
                    own=own,
                )

    # --- responses -----------------------------------------------------------------------------------------------

    def _read_response(
        self, response: httpx.Response, secrets: tuple[str, ...] = ()
    ) -> tuple[dict[str, Any], ImageAnswer]:
        """
        The body of a 2xx answer and what it says about its images. Raises `ImageAnswerError` if it has no
        readable image; warns about entries that hold none and about images the safety checker flagged.
        """
        content_type = response.headers.get("content-type", "")
        if content_type.split(";", 1)[0].strip().lower().startswith("image/"):
            # An upstream that answers with the image itself rather than JSON.
            if not response.content:
                raise ImageAnswerError(response, f"with an empty {content_type} body, not an image", secrets)
            encoded = base64.b64encode(response.content).decode("ascii")
            self._report(cost_from_response(None, response.headers), response)
            return {}, ImageAnswer(images=((0, GeneratedImage(base64=encoded, mime_type=content_type)),))
        if not response.content.strip():
            raise ImageAnswerError(response, f"with an empty body (model {self.model!r})", secrets)
        try:
            body = json.loads(response.content)
        except (ValueError, RecursionError):
            excerpt = error_message_from_body(response.content) or "an unreadable body"
            raise ImageAnswerError(
                response,
                f"with {content_type or 'no content type'} rather than JSON (model {self.model!r}): {excerpt}",
                secrets,
            ) from None
        if not isinstance(body, dict):
            raise ImageAnswerError(
                response, f"with a JSON {type(body).__name__} rather than an object (model {self.model!r})", secrets
            )
        self._report(cost_from_response(body, response.headers), response)
        answer = read_image_answer(body)
        flagged = answer.flagged_indexes
        missing = "; ".join(f"entry {entry.index}: {entry.reason}" for entry in answer.missing)
        if not answer.images:
            message = error_message_from_body(body)
            raise ImageAnswerError(
                response,
                f"without an image (model {self.model!r})"
                + (f": {message}" if message else f"; the answer has the keys {sorted(body)[:20]}")
                + (f"; none of its {len(answer.missing)} image entries holds one ({missing})" if answer.missing else "")
                + (f"; has_nsfw_concepts flags images {flagged} as refused by the safety checker" if flagged else "")
                + ". Check the model id, the prompt (it may have been refused by a safety filter) and the parameters",
                secrets,
            )
        if answer.missing:
            logger.warning(
                "{count} of the {total} image entries in AI/ML API's answer (model {model}) hold no readable image; "
                "they are missing from the result and listed in meta['missing_images']: {missing}",
                model=self.model,
                count=len(answer.missing),
                total=len(answer.missing) + len(answer.images),
                missing=missing,
            )
        if flagged:
            logger.warning(
                "The safety checker flagged the generated images at indexes {indexes} (model {model}, "
                "has_nsfw_concepts). Such an image is usually a black placeholder. Flagged images are not dropped: "
                "they carry meta['nsfw'] = True.",
                indexes=flagged,
                model=self.model,
            )
        return body, answer

    @staticmethod
    def _decode_without_request(image: GeneratedImage, index: int) -> tuple[bytes, str | None] | None:
        """
        The bytes and declared type of an image that needs no download, or `None` if it does. Raises
        `ImageResponseError` for inline data that is not base64 or that decodes to no bytes at all: an empty image
        is never returned as one.
        """
        if image.base64:
            data, declared = decode_inline_image(image.base64)
        elif image.url and is_data_url(image.url):
            data, declared = decode_data_url(image.url)
        else:
            return None
        if not data:
            raise ImageResponseError(
                f"The response's image {index} is inline data that decodes to no bytes, not an image."
            )
        return data, declared or image.mime_type

    def _report(self, cost: dict[str, Any] | None, response: httpx.Response) -> None:
        # Charged once answered, whether or not the images can then be read or downloaded.
        record_call(cost, model=self.model, component="AIMLAPIImageGenerator", **response_ids(response))

    def _meta(self, body: Mapping[str, Any], answer: ImageAnswer, headers: Mapping[str, str]) -> dict[str, Any]:
        images = [image for _, image in answer.images]
        meta: dict[str, Any] = {"model": self.model, "model_family": self.family, "image_count": len(images)}
        if any(image.revised_prompt for image in images):
            meta["revised_prompts"] = [image.revised_prompt for image in images]
        if answer.missing:
            meta["missing_images"] = []
            for missing in answer.missing:
                record: dict[str, Any] = {"index": missing.index, "reason": missing.reason}
                if answer.is_flagged(missing.index):  # the safety checker may be why the entry is empty
                    record["nsfw"] = True
                meta["missing_images"].append(record)
        if answer.nsfw_flags is not None:
            meta["nsfw_flags"] = list(answer.nsfw_flags)
        usage = body.get("usage")
        cost = _cost(body, headers)
        if isinstance(usage, Mapping):  # anything else is no usage a caller could add up
            meta["usage"] = usage_with_cost(usage, cost)
        if cost is not None:
            meta[COST_META_KEY] = cost
        return meta

    @staticmethod
    def _source_urls(answer: ImageAnswer) -> list[str]:
        return [image.url for _, image in answer.images if image.url and not is_data_url(image.url)]

    def _should_download(self, image: GeneratedImage) -> bool:
        return self.download_images and not image.base64 and bool(image.url) and not is_data_url(image.url or "")

    @component.output_types(images=list[ImageContent], urls=list[str], meta=dict[str, Any])
    def run(
        self,
        prompt: str,
        n: int | None = None,
        size: ImageSize | None = None,
        seed: int | None = None,
        generation_kwargs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """
        Generates images for `prompt`.

        :param prompt: What the image should show.
        :param n: How many images; overrides the one given at init.
        :param size: The size; overrides the one given at init. See `__init__` for the forms it takes.
        :param seed: The seed; overrides the one given at init.
        :param generation_kwargs: Further request fields, merged key by key over those given at init.
        :returns: A dictionary with:
            - `images`: the images as `ImageContent` (base64 and MIME type), in the order the server gave them;
              each one's `meta` holds its `index` (its position in the server's list of images), and its source
              `url`, `revised_prompt`, `width` and `height` where the server gave them, and `nsfw: True` when the
              safety checker flagged it (usually a black placeholder; it is returned all the same). With
              `download_images=False`, images given only by URL are left out.
            - `urls`: the http(s) URLs the server gave, in order (`data:` URLs are not repeated here).
            - `meta`: `model`, `model_family`, `image_count` (the readable images in the answer, including those
              given only by URL; entries in `missing_images` are not counted), `revised_prompts` (one per counted
              image, when the model rewrote the prompt), `usage` (when reported) and `cost`. When some entries of
              the answer hold no readable image, `missing_images` lists them as `{"index", "reason"}` (plus
              `"nsfw": True` if flagged), and a warning is logged. When the server sent `has_nsfw_concepts`
              (fal-style models), `nsfw_flags` is that list as sent, one flag per `index`; flagged images are
              also logged as a warning.
        :raises ValueError / TypeError: Bad input, before any request is sent.
        :raises openai.APIStatusError: The API refused the request; the text is AI/ML API's own message.
        :raises ImageAnswerError: The answer is not an image answer (empty, not JSON, not an object) or holds no
            readable image at all; an `ImageResponseError` and an `openai.APIResponseValidationError`.
        :raises ImageResponseError: An inline image is not base64, or decodes to no bytes.
        :raises ImageDownloadError: An image given by URL could not be downloaded.
        """
        body = self._request_body(prompt, n, size, seed, generation_kwargs)
        client = self._client_for_call()
        http_client = self._download_client(client, asynchronous=False)
        response = client.post(
            IMAGE_GENERATIONS_PATH,
            body=body,
            cast_to=httpx.Response,
            options=request_id_options(client.default_headers),
        )
        body, answer = self._read_response(response, (client.api_key,))

        contents = []
        for index, image in answer.images:
            decoded = self._decode_without_request(image, index)
            if decoded is None and self._should_download(image):
                decoded = download_image(
                    http_client,
                    image.url or "",
                    timeout=self.download_timeout,
                    max_bytes=self.max_download_bytes,
                    max_retries=client.max_retries,
                )
            if decoded is not None:
                data, declared = decoded
                contents.append(
                    _image_content(data, image_mime_type(data, declared), _image_meta(image, index, answer))
                )
        return {
            "images": contents,
            "urls": self._source_urls(answer),
            "meta": {**self._meta(body, answer, response.headers), **response_ids(response)},
        }

    @component.output_types(images=list[ImageContent], urls=list[str], meta=dict[str, Any])
    async def run_async(
        self,
        prompt: str,
        n: int | None = None,
        size: ImageSize | None = None,
        seed: int | None = None,
        generation_kwargs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """
        Generates images for `prompt` without blocking the event loop; images given by URL download concurrently.

        :param prompt: What the image should show.
        :param n: How many images; overrides the one given at init.
        :param size: The size; overrides the one given at init. See `__init__` for the forms it takes.
        :param seed: The seed; overrides the one given at init.
        :param generation_kwargs: Further request fields, merged key by key over those given at init.
        :returns: The same as `run`: `images`, `urls` and `meta`.
        :raises ValueError / TypeError: Bad input, before any request is sent.
        :raises openai.APIStatusError: The API refused the request; the text is AI/ML API's own message.
        :raises ImageAnswerError: The answer is not an image answer (empty, not JSON, not an object) or holds no
            readable image at all; an `ImageResponseError` and an `openai.APIResponseValidationError`.
        :raises ImageResponseError: An inline image is not base64, or decodes to no bytes.
        :raises ImageDownloadError: An image given by URL could not be downloaded.
        """
        body = self._request_body(prompt, n, size, seed, generation_kwargs)
        # The client and its download client are taken once, before any further await: another thread's event
        # loop may replace `async_client` meanwhile.
        client = await self._async_client_for_call()
        http_client = self._download_client(client, asynchronous=True)
        max_retries = client.max_retries
        response = await client.post(
            IMAGE_GENERATIONS_PATH,
            body=body,
            cast_to=httpx.Response,
            options=request_id_options(client.default_headers),
        )
        body, answer = self._read_response(response, (client.api_key,))

        async def resolve(index: int, image: GeneratedImage) -> tuple[bytes, str | None] | None:
            decoded = self._decode_without_request(image, index)
            if decoded is None and self._should_download(image):
                return await download_image_async(
                    http_client,
                    image.url or "",
                    timeout=self.download_timeout,
                    max_bytes=self.max_download_bytes,
                    max_retries=max_retries,
                )
            return decoded

        resolved = await asyncio.gather(*(resolve(index, image) for index, image in answer.images))
        contents = [
            _image_content(decoded[0], image_mime_type(*decoded), _image_meta(image, index, answer))
            for (index, image), decoded in zip(answer.images, resolved, strict=True)
            if decoded is not None
        ]
        return {
            "images": contents,
            "urls": self._source_urls(answer),
            "meta": {**self._meta(body, answer, response.headers), **response_ids(response)},
        }
