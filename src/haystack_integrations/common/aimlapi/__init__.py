# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""Everything about AI/ML API that is not about Haystack: settings, clients, errors, finish reasons, cost and the
model catalogue."""

# `openai` first, before the modules below pull in `httpx` and the whole of `haystack`. Measured on CPython 3.11 with
# glibc, the same modules imported in this order take 4,000-6,000 fewer page faults: the chat generator's import fell
# from 1.07x to 1.03x the CPU of Haystack's own generator (`benchmarks/run.py --only import`), the embedders' by about
# a tenth. Each entry package of `haystack_integrations` starts the same way; the modules import `openai` again
# where they use it. `tests/common/test_import_order.py` keeps the order.
import openai  # noqa: F401

from .catalogue import (
    CatalogueError,
    ModelCatalogue,
    ModelInfo,
    ModelPricing,
    UnknownModelWarning,
    alist_models,
    check_model,
    list_models,
)
from .clients import (
    AIMLAPIClient,
    AIMLAPIClientsMixin,
    AsyncAIMLAPIClient,
    build_async_client,
    build_client,
    client_options,
)
from .cost import (
    COST_META_KEY,
    CREDITS_PER_USD,
    CallCost,
    add_costs,
    cost_from_body,
    cost_from_headers,
    cost_from_model,
    cost_from_response,
    usage_with_cost,
)
from .errors import StreamInterruptedError, describe_status_error, error_body_status, error_message_from_body
from .finish_reasons import PROVIDER_FINISH_REASON_META_KEY, normalize_finish_reason
from .quirks import chat_request_defaults
from .settings import (
    API_KEY_ENV,
    ATTRIBUTION_HEADERS,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    MAX_RETRIES_ENV,
    TIMEOUT_ENV,
    check_api_key,
    check_extra_headers,
    check_organization,
    default_api_key,
    merge_headers,
    resolve_api_key,
    resolve_base_url,
    resolve_max_retries,
    resolve_timeout,
    validate_base_url,
)
from .tracking import CostTracker, client_request_id, record_call

__all__ = [
    "API_KEY_ENV",
    "ATTRIBUTION_HEADERS",
    "BASE_URL_ENV",
    "COST_META_KEY",
    "CREDITS_PER_USD",
    "DEFAULT_BASE_URL",
    "MAX_RETRIES_ENV",
    "PROVIDER_FINISH_REASON_META_KEY",
    "TIMEOUT_ENV",
    "AIMLAPIClient",
    "AIMLAPIClientsMixin",
    "AsyncAIMLAPIClient",
    "CallCost",
    "CatalogueError",
    "CostTracker",
    "ModelCatalogue",
    "ModelInfo",
    "ModelPricing",
    "StreamInterruptedError",
    "UnknownModelWarning",
    "add_costs",
    "alist_models",
    "build_async_client",
    "build_client",
    "chat_request_defaults",
    "check_api_key",
    "check_extra_headers",
    "check_model",
    "check_organization",
    "client_options",
    "client_request_id",
    "cost_from_body",
    "cost_from_headers",
    "cost_from_model",
    "cost_from_response",
    "default_api_key",
    "describe_status_error",
    "error_body_status",
    "error_message_from_body",
    "list_models",
    "merge_headers",
    "normalize_finish_reason",
    "record_call",
    "resolve_api_key",
    "resolve_base_url",
    "resolve_max_retries",
    "resolve_timeout",
    "usage_with_cost",
    "validate_base_url",
]
