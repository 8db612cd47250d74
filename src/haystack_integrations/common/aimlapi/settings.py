# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Where each component reads its AI/ML API settings from: arguments first, then the environment, then defaults."""

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from haystack import logging
from haystack.utils import Secret
from haystack.utils.auth import SecretType

from .errors import redact_url_userinfo

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.aimlapi.com/v1"
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_RETRIES = 5

API_KEY_ENV = "AIMLAPI_API_KEY"
BASE_URL_ENV = "AIMLAPI_BASE_URL"
TIMEOUT_ENV = "AIMLAPI_TIMEOUT"
MAX_RETRIES_ENV = "AIMLAPI_MAX_RETRIES"
# Haystack's OpenAI components read these; a pipeline that already sets them keeps working here.
OPENAI_TIMEOUT_ENV = "OPENAI_TIMEOUT"
OPENAI_MAX_RETRIES_ENV = "OPENAI_MAX_RETRIES"

# AI/ML API attributes traffic by these headers. They are set on the client, so every request carries them, and a
# user's own `extra_headers` replace them key by key.
ATTRIBUTION_HEADERS: Mapping[str, str] = {
    "HTTP-Referer": "https://github.com/aimlapi/aimlapi-haystack",
    "X-Title": "Haystack",
}


def default_api_key() -> Secret:
    """The key every component reads by default: the `AIMLAPI_API_KEY` environment variable."""
    return Secret.from_env_var(API_KEY_ENV)


def resolve_base_url(api_base_url: str | None) -> str:
    """
    The base URL a component talks to: the argument, else `AIMLAPI_BASE_URL`, else AI/ML API's own.

    Called at construction so that `to_dict` records the URL actually used. It does not validate: a saved pipeline
    must always load, so `validate_base_url` runs when the client is built.
    """
    if api_base_url:
        return api_base_url
    return os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL


def validate_base_url(url: str, *, from_environment: bool | None = None, given_as: str = "api_base_url") -> str:
    """
    Check that `url` is an absolute http(s) URL and return it without a trailing slash.

    The error names where the URL came from, `AIMLAPI_BASE_URL` or the argument, so that it names what to change.

    :param url: The base URL.
    :param from_environment: Whether `url` was read from `AIMLAPI_BASE_URL`. `None` (where it is no longer known)
        takes a value equal to the variable's as read from it: a component resolves its URL at construction, so that
        `to_dict` records it, but checks it only when its client is built.
    :param given_as: What the error calls the argument `url` was given as, when it did not come from the variable:
        `api_base_url` for a component, `--base-url` for the command line.
    """
    problem = None
    if not isinstance(url, str):
        problem = f"is a {type(url).__name__}, not a str"
    else:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problem = "is not an absolute http(s) URL"
        elif any(character.isspace() for character in url):
            problem = "contains whitespace (a stray space or line break, often from a copied value)"
        else:
            try:
                parts.port  # noqa: B018  # raises for a port that is not a number in range
            except ValueError:
                problem = "has a port that is not a number from 0 to 65535"
    if problem is not None:
        shown = redact_url_userinfo(url) if isinstance(url, str) else url  # a password in a URL is still a secret
        if from_environment is None:
            from_environment = isinstance(url, str) and url == os.environ.get(BASE_URL_ENV)
        if from_environment:
            raise ValueError(
                f"{BASE_URL_ENV} is {shown!r}, which {problem}. Set it to a URL like {DEFAULT_BASE_URL!r}, or unset "
                "it to use that one."
            )
        raise ValueError(
            f"{given_as} {shown!r} {problem}. Pass something like {DEFAULT_BASE_URL!r}, or set {BASE_URL_ENV} to one."
        )
    return url.rstrip("/")


def _env_number(names: tuple[str, ...], cast: type[float] | type[int]) -> tuple[str, float | int] | None:
    for name in names:
        raw = os.environ.get(name)
        if raw is None or raw.strip() == "":
            continue
        try:
            return name, cast(raw)
        except ValueError:
            kind = "a whole number" if cast is int else "a number"
            raise ValueError(f"The environment variable {name}={raw!r} is not {kind}.") from None
    return None


def resolve_timeout(timeout: float | None) -> float:
    """The request timeout in seconds: the argument, else `AIMLAPI_TIMEOUT`, else `OPENAI_TIMEOUT`, else 30."""
    source, value = "timeout", timeout
    if value is None:
        found = _env_number((TIMEOUT_ENV, OPENAI_TIMEOUT_ENV), float)
        source, value = found if found else ("default", DEFAULT_TIMEOUT_SECONDS)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{source} must be a positive number of seconds, got {value!r}.")
    return float(value)


def resolve_max_retries(max_retries: int | None) -> int:
    """How often a failed request is retried: the argument, else `AIMLAPI_MAX_RETRIES`, else `OPENAI_MAX_RETRIES`,
    else 5."""
    source, value = "max_retries", max_retries
    if value is None:
        found: tuple[str, Any] | None = _env_number((MAX_RETRIES_ENV, OPENAI_MAX_RETRIES_ENV), int)
        source, value = found if found else ("default", DEFAULT_MAX_RETRIES)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{source} must be a whole number of retries >= 0, got {value!r}.")
    return value


# The variables whose keys were already warned about, so that each is named once per process, not once per client.
_WARNED_FOREIGN_KEYS: set[str] = set()
_OPENAI_KEY_ENV = "OPENAI_API_KEY"


def warn_if_openai_key(api_key: Secret, api_base_url: str) -> None:
    """
    Warn, once per process, when the key is read from `OPENAI_API_KEY` alone and goes to AI/ML API.

    That is what a pipeline saved by Haystack's OpenAI components carries once its `type:` is changed to ours: the
    `api_key` still names `OPENAI_API_KEY`. If that variable holds an OpenAI key, the key would be sent to another
    service (which refuses it); a user who keeps an AI/ML API key there on purpose can ignore the warning, or name
    it in `AIMLAPI_API_KEY` instead.

    :param api_key: The component's key.
    :param api_base_url: Where its requests go.
    """
    if not isinstance(api_key, Secret) or api_key.type is not SecretType.ENV_VAR:
        return
    if (api_key.to_dict().get("env_vars") or []) != [_OPENAI_KEY_ENV]:
        return
    if urlsplit(api_base_url).hostname != urlsplit(DEFAULT_BASE_URL).hostname:
        return  # a gateway or proxy of the user's own: its keys are its business
    if _OPENAI_KEY_ENV in _WARNED_FOREIGN_KEYS:
        return
    _WARNED_FOREIGN_KEYS.add(_OPENAI_KEY_ENV)
    logger.warning(
        "api_key is read from {env_var}, and will be sent to AI/ML API at {url}. A pipeline saved by Haystack's "
        "OpenAI components keeps that reference when only its type is changed; if {env_var} holds an OpenAI key, "
        "AI/ML API refuses it. Use api_key=Secret.from_env_var('{own_env_var}') (in YAML: env_vars: [{own_env_var}]).",
        env_var=_OPENAI_KEY_ENV,
        url=redact_url_userinfo(api_base_url),
        own_env_var=API_KEY_ENV,
    )


def resolve_api_key(api_key: Secret) -> str:
    """The key's value, or a `ValueError` that says where the component looked for it."""
    if not isinstance(api_key, Secret):
        raise TypeError(
            f"api_key must be a haystack.utils.Secret, got {type(api_key).__name__}. "
            f"Use Secret.from_env_var({API_KEY_ENV!r}) or Secret.from_token(...)."
        )
    try:
        value = api_key.resolve_value()
    except ValueError:
        # A strict env-var Secret raises its own terse error when the variable is unset; ours says what to do.
        value = None
    if not value:
        # The first words are Haystack's own for this case, which users search for; the guidance follows.
        if api_key.type is SecretType.ENV_VAR:
            env_vars = ", ".join(api_key.to_dict().get("env_vars") or [API_KEY_ENV])
            problem = f"None of the following authentication environment variables are set: {env_vars}."
        else:
            problem = "The Secret passed as api_key holds no AI/ML API key."
        raise ValueError(
            f"{problem} Create a key at https://aimlapi.com/app/keys and export {API_KEY_ENV}=<your key>, or pass "
            "api_key=Secret.from_token(...)."
        )
    if not isinstance(value, str):
        raise TypeError("api_key must resolve to a string.")
    return value


def check_api_key(api_key: object) -> None:
    """
    Raise a `TypeError` unless `api_key` is a Haystack `Secret`.

    Checked at construction, unlike the rest of the configuration: a plain string would be written verbatim by
    `to_dict` and into pipeline YAML before any warm-up could refuse it.
    """
    if not isinstance(api_key, Secret):
        raise TypeError(
            f"api_key must be a haystack.utils.Secret, got {type(api_key).__name__}. "
            f"Use Secret.from_env_var({API_KEY_ENV!r}) or Secret.from_token(...); a plain string would be saved in "
            "clear text with the pipeline."
        )


def check_organization(organization: object) -> None:
    """
    Accept the `organization` parameter of Haystack's OpenAI components, which AI/ML API has no use for.

    `None` (what the parents write into every saved pipeline) passes quietly. A value is kept, so `to_dict` writes
    it back, but a warning says it has no effect: AI/ML API has no organizations, and bills every request to the
    account of its key. A value that is not a str is refused, as no OpenAI organization id could be one.
    """
    if organization is None:
        return
    if not isinstance(organization, str):
        raise TypeError(f"organization must be a str or None, got {type(organization).__name__}. Leave it unset.")
    logger.warning(
        "organization={organization!r} has no effect: AI/ML API has no organizations and bills every request to "
        "the account of its API key. Leave organization unset to silence this warning.",
        organization=organization,
    )


def check_extra_headers(extra_headers: object) -> None:
    """Raise a `TypeError` naming `extra_headers` unless it is `None` or a dict of header names to values."""
    if extra_headers is not None and not isinstance(extra_headers, Mapping):
        raise TypeError(
            "extra_headers must be a dict of header names to values, e.g. {'X-Title': 'My app'}, "
            f"got {type(extra_headers).__name__}."
        )


def merge_headers(extra_headers: Mapping[str, Any] | None) -> dict[str, str]:
    """
    Attribution headers with the user's `extra_headers` on top, compared without regard to case. A header given
    the value `None` is not sent, which is how an attribution header is turned off.
    """
    check_extra_headers(extra_headers)
    merged = dict(ATTRIBUTION_HEADERS)
    for name, value in (extra_headers or {}).items():
        for existing in [key for key in merged if key.lower() == str(name).lower()]:
            del merged[existing]
        if value is not None:
            merged[str(name)] = str(value)
    return merged
