# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
The `aimlapi-haystack` command line: an application over the components, so it sits beside them rather than in
`common/`, which the components import.

```
python -m haystack_integrations.cli.aimlapi models --kind chat
```
"""

from .main import main

__all__ = ["main"]
