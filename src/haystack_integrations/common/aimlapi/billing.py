# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
The account balance: `GET /v2/billing`, or the older `GET /v1/billing/balance` where the newer one is missing.

<!-- not-run: llmock has no billing endpoint; tests/test_docstring_examples.py runs it on loopback -->
```python
from haystack_integrations.common.aimlapi.billing import fetch_balance

balance = fetch_balance()  # reads AIMLAPI_API_KEY and AIMLAPI_BASE_URL
print(balance.usd, balance.credits)
```

Both endpoints' answers read into one `AccountBalance`:

```python
from haystack_integrations.common.aimlapi.billing import balance_from_body

balance = balance_from_body({"balance": 10000000, "lowBalance": False}, url="https://api.aimlapi.com/v1/billing/balance")
print(balance.usd, balance.credits, balance.low_balance)  # -> 5.0 10000000.0 False
```
"""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from haystack.utils import Secret
from openai import APIResponseValidationError, NotFoundError

from .clients import build_client, client_options
from .cost import CREDITS_PER_USD
from .errors import error_message_from_body, redact
from .explained_errors import name_every_request_not_found
from .settings import default_api_key, resolve_base_url, validate_base_url

BILLING_PATH = "/v2/billing"
LEGACY_BALANCE_PATH = "/v1/billing/balance"

# The version segment that ends an OpenAI-style base URL (`.../v1`); the billing paths start at the host's root.
_VERSION_SEGMENT = re.compile(r"/v\d+$")
_EXCERPT = 200


@dataclass(frozen=True)
class AccountBalance:
    """
    What an account has left, read from either billing endpoint.

    `/v2/billing` states US dollars (`current_balance`, `currency`); `/v1/billing/balance` states credits
    (`balance`) and whether the balance is low. The missing figure is derived at 2,000,000 credits to the dollar,
    and only for a balance in USD.

    :param usd: The balance in US dollars, or `None` when the answer gave another currency.
    :param credits: The balance in credits, or `None` when it could not be derived.
    :param currency: The currency the answer named (`"USD"`; the legacy endpoint states credits, read as USD).
    :param low_balance: The legacy endpoint's `lowBalance` flag; `None` from `/v2/billing`.
    :param url: The URL the balance was read from.
    :param raw: The answer's JSON object, as received.
    """

    usd: float | None
    credits: float | None
    currency: str | None
    low_balance: bool | None
    url: str
    raw: dict[str, Any] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The balance as a JSON-ready dict (`raw` included)."""
        return {
            "usd": self.usd,
            "credits": self.credits,
            "currency": self.currency,
            "low_balance": self.low_balance,
            "url": self.url,
            "raw": self.raw,
        }


def api_root(base_url: str) -> str:
    """
    The root the billing paths hang from: `base_url` without its final version segment (`/v1`) or trailing slash.

    :param base_url: An OpenAI-style base URL, such as `https://api.aimlapi.com/v1`.
    :returns: `https://api.aimlapi.com` for that example; a proxy's prefix (`https://proxy/aimlapi/v1`) is kept.
    """
    parts = urlsplit(base_url.rstrip("/"))
    return urlunsplit(parts._replace(path=_VERSION_SEGMENT.sub("", parts.path), query="", fragment=""))


def _number(value: object) -> float | None:
    """A finite number from a JSON number or a numeric string; `None` for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, int):
        try:
            value = float(value)
        except OverflowError:  # 10**400 is an int JSON can carry, and no float
            return None
    if isinstance(value, float) and math.isfinite(value):
        return value
    return None


def balance_from_body(body: object, *, url: str) -> AccountBalance | None:
    """
    The balance an answer's JSON states, or `None` when it is not a balance.

    Accepts `/v2/billing` (`current_balance`, `currency`), `/v2/billing/detail` (the same plus account fields) and
    `/v1/billing/balance` (`balance` in credits, `lowBalance`). Numbers may arrive as numeric strings.

    :param body: The decoded JSON.
    :param url: Where it came from.
    """
    currency = body.get("currency") if isinstance(body, Mapping) else None
    if not isinstance(body, Mapping) or not isinstance(currency, str | None):
        return None  # not an object; or a currency we cannot read, which makes the amount unreadable too
    raw = dict(body)
    currency = currency.strip().upper() if currency and currency.strip() else None
    low = body.get("lowBalance")
    low_balance = low if isinstance(low, bool) else None
    if "current_balance" in body:
        amount = _number(body["current_balance"])
        is_usd = currency in (None, "USD")
        # A dollar amount whose credits overflow a float (1e302) is no balance, as an unreadable one is not.
        if amount is None or (is_usd and not math.isfinite(amount * CREDITS_PER_USD)):
            return None
        usd = amount if is_usd else None
        in_credits = amount * CREDITS_PER_USD if is_usd else None
        return AccountBalance(usd, in_credits, currency or "USD", low_balance, url, raw)
    if "balance" in body:
        in_credits = _number(body["balance"])
        if in_credits is None:
            return None
        return AccountBalance(in_credits / CREDITS_PER_USD, in_credits, currency or "USD", low_balance, url, raw)
    return None


def _excerpt(response: Any) -> str:
    text = error_message_from_body(response.content) or "an empty body"
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "…"


def _read_balance(response: Any, url: str, secrets: tuple[str | None, ...]) -> AccountBalance:
    content_type = response.headers.get("content-type", "")
    try:
        body = response.json()
    except ValueError:
        body = None
    balance = balance_from_body(body, url=url)
    if balance is not None:
        return balance
    message = redact(
        f"GET {url} answered {response.status_code} ({content_type or 'no content type'}) with something that is "
        f"not an account balance: {_excerpt(response)}",
        secrets,
    )
    # The SDK's own type for a 2xx answer that is not what the endpoint promises.
    raise APIResponseValidationError(response=response, body=body, message=message)


def fetch_balance(
    *,
    api_key: Secret | None = None,
    api_base_url: str | None = None,
    timeout: float | None = None,
    max_retries: int | None = None,
    http_client_kwargs: dict[str, Any] | None = None,
) -> AccountBalance:
    """
    Reads the account balance from `GET /v2/billing`, falling back to `GET /v1/billing/balance` on a 404.

    Settings are read as the components read them; requests go through the same client, so failures raise the same
    `openai` exceptions, with AI/ML API's own message.

    :param api_key: Defaults to the `AIMLAPI_API_KEY` environment variable. The billing endpoints need a key.
    :param api_base_url: The API's base URL (`https://api.aimlapi.com/v1` by default, or `AIMLAPI_BASE_URL`); the
        billing paths are taken from its root.
    :param timeout: Seconds to wait; defaults as for the components.
    :param max_retries: Retries of a failed request; defaults as for the components.
    :param http_client_kwargs: Keyword arguments for the `httpx.Client` (a test's `transport`, a proxy).
    :returns: The balance.
    :raises ValueError: A missing key or a malformed setting, before anything is sent.
    :raises openai.APIStatusError: The API refused (401 for a bad key; `NotFoundError` when neither endpoint exists,
        naming both URLs tried).
    :raises openai.APIConnectionError: The server could not be reached or did not answer in time.
    :raises openai.APIResponseValidationError: A 2xx answer that is not a balance.
    """
    options = client_options(
        api_key=api_key if api_key is not None else default_api_key(),
        # Checked here, where it is known whether the URL came from the argument or from AIMLAPI_BASE_URL.
        api_base_url=validate_base_url(resolve_base_url(api_base_url), from_environment=not api_base_url),
        timeout=timeout,
        max_retries=max_retries,
        extra_headers=None,
    )
    root = api_root(options["base_url"])
    secrets = (options["api_key"],)
    with build_client(options, http_client_kwargs) as client:
        url = root + BILLING_PATH
        try:
            response = client.get(url, cast_to=httpx.Response)
        except NotFoundError as newer_missing:
            # Servers that predate /v2/billing answer 404 there; the older endpoint states the same in credits.
            url = root + LEGACY_BALANCE_PATH
            try:
                response = client.get(url, cast_to=httpx.Response)
            except NotFoundError as older_missing:
                # The first 404 carries the server's message; its text names both URLs, so the fallback shows.
                name_every_request_not_found(newer_missing, [older_missing])
                raise newer_missing from None
        return _read_balance(response, url, secrets)
