# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""`python -m haystack_integrations.cli.aimlapi` runs the `aimlapi-haystack` command."""

import sys

from .main import main

sys.exit(main())
