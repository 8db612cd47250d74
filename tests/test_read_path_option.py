# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
`pytest --read-path=standard` puts the chat generator on its standard read path, in the test process and in every
Python a test starts; the default, `lean`, leaves it as users get it.

The two paths are told apart on the wire: through `create()` the parent's defaults `n: 1` and `stream: false` are
sent, while the lean path leaves both to the API.
"""

import json
import subprocess
import sys

import pytest

from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator
from tests.support import MockAPI, fixture_json, json_response

_ANSWER = fixture_json("chat_openai_route.json")

# A program of its own: one call through a mock transport, then the keys of the JSON body it sent.
_PROGRAM = f"""
import json
import httpx
from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator

sent = []
def answer(request):
    sent.append(json.loads(request.content))
    return httpx.Response(200, json=json.loads({json.dumps(_ANSWER)!r}))

generator = AIMLAPIChatGenerator(http_client_kwargs={{"transport": httpx.MockTransport(answer)}}, max_retries=0)
reply = generator.run("hi")["replies"][0]
print(json.dumps({{"keys": sorted(sent[0]), "text": reply.text}}))
"""


def _expected_defaults(read_path: str) -> dict[str, object]:
    return {"n": 1, "stream": False} if read_path == "standard" else {}


@pytest.mark.parametrize("use_async", [False, True])
async def test_the_generator_reads_on_the_path_the_run_asked_for(read_path: str, use_async: bool) -> None:
    api = MockAPI(json_response(_ANSWER))
    transport = api.async_transport() if use_async else api.transport()
    generator = AIMLAPIChatGenerator(http_client_kwargs={"transport": transport}, max_retries=0)
    if use_async:
        (reply,) = (await generator.run_async("hi"))["replies"]
    else:
        (reply,) = generator.run("hi")["replies"]
    body = api.body()
    assert {key: body[key] for key in ("n", "stream") if key in body} == _expected_defaults(read_path)
    assert reply.text == _ANSWER["choices"][0]["message"]["content"]


def test_a_python_a_test_starts_reads_on_the_same_path(read_path: str) -> None:
    result = subprocess.run([sys.executable, "-c", _PROGRAM], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    sent = json.loads(result.stdout.splitlines()[-1])
    assert {"n", "stream"} & set(sent["keys"]) == set(_expected_defaults(read_path))
    assert sent["text"] == _ANSWER["choices"][0]["message"]["content"]
