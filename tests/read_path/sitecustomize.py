# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Puts every Python that a test starts (an example script, the command line, a bash block of the docs) on the chat
generator's standard read path. Under `pytest --read-path=standard`, tests/conftest.py puts this folder first on
`PYTHONPATH`, and Python imports this module at start-up. The generator's module is not imported here: it is
patched when the program itself imports it, so a program that never chats starts as fast as ever.
"""

import importlib.abc
import importlib.util
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

CHAT_MODULE = "haystack_integrations.components.generators.aimlapi.chat.chat_generator"


class _StandardReadPath(importlib.abc.MetaPathFinder):
    """Finds nothing itself: when the chat generator's module is first imported, it wraps the module's loader."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != CHAT_MODULE:
            return None
        sys.meta_path.remove(self)  # once is enough, and the search below must not come back here
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_on_the_standard_path(module: ModuleType) -> None:
            exec_module(module)
            module._is_sdk_create = _never_the_sdks_own  # type: ignore[attr-defined]

        spec.loader.exec_module = exec_on_the_standard_path  # type: ignore[method-assign]
        return spec


def _never_the_sdks_own(_create: Any) -> bool:
    return False


sys.meta_path.insert(0, _StandardReadPath())
