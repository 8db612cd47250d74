# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
The `aimlapi-haystack` command: list AI/ML API's models, chat with one from a terminal, or show the balance.

```
aimlapi-haystack models --kind chat --capability tools --search claude
aimlapi-haystack chat "What is the capital of France?" --model anthropic/claude-sonnet-4.5
aimlapi-haystack balance
```

Exit codes: 0 success (also when the reader of the output stops early), 2 usage error (bad arguments, no key, a
malformed URL or timeout, a URL with a password in it, a prompt that is not UTF-8), 1 the API or the network failed
(with AI/ML API's own message), 130 interrupted.
Expected failures print one line, no traceback; `--debug` adds it.
"""

import argparse
import json
import os
import sys
import traceback
from collections.abc import Sequence
from importlib import metadata
from typing import IO, Any
from urllib.parse import urlsplit

from haystack_integrations.common.aimlapi.catalogue import (
    KINDS,
    CatalogueError,
    ModelCatalogue,
    filter_models,
)
from haystack_integrations.common.aimlapi.errors import StreamInterruptedError, redact_url_userinfo
from haystack_integrations.common.aimlapi.settings import (
    API_KEY_ENV,
    BASE_URL_ENV,
    MAX_RETRIES_ENV,
    TIMEOUT_ENV,
    resolve_base_url,
    validate_base_url,
)

from .output import ReplyPrinter, dimmed, is_terminal, json_line, models_table, one_line, summary_line

PROG = "aimlapi-haystack"

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# Defaults of the options accepted before and after the command.
_SHARED_DEFAULTS: dict[str, Any] = {"base_url": None, "timeout": None, "max_retries": None, "debug": False}


class _UsageError(Exception):
    """A problem with the command line or the environment, found before anything is sent."""


# --- checks before anything is sent ------------------------------------------------------------------------------

# The options whose text is sent or used as given; each must be valid UTF-8 (argv is decoded with surrogateescape, so
# a byte that is not UTF-8 arrives as a lone surrogate, which no request can carry).
_TEXT_OPTIONS = {
    "prompt": "The prompt",
    "system": "--system",
    "model": "--model",
    "base_url": "--base-url",
    "kind": "--kind",
    "search": "--search",
}


def _not_utf8(what: str, text: str) -> _UsageError | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        bad = text[error.start : error.end]
        # surrogateescape maps a stray byte 0xNN to U+DCNN; show the byte as the user's file or terminal has it.
        shown = " ".join(f"0x{ord(c) - 0xDC00:02x}" if 0xDC80 <= ord(c) <= 0xDCFF else f"U+{ord(c):04X}" for c in bad)
        return _UsageError(
            f"{what} is not valid UTF-8 ({shown} at character {error.start + 1}). Convert it to UTF-8 first, for "
            "example with `iconv -f latin1 -t utf-8`, and run this again."
        )
    return None


def _check_text_options(args: argparse.Namespace) -> None:
    for name, what in _TEXT_OPTIONS.items():
        value = getattr(args, name, None)
        problem = _not_utf8(what, value) if isinstance(value, str) else None
        if problem is not None:
            raise problem
    for capability in getattr(args, "capability", None) or []:
        problem = _not_utf8("--capability", capability)
        if problem is not None:
            raise problem


def _check_base_url(args: argparse.Namespace) -> None:
    """
    Refuses a base URL with a user name or password in it (`http://user:pass@host/v1`).

    httpx would send them as HTTP Basic credentials, which replace the `Authorization: Bearer <key>` header: the
    server would get the password and never the key. Nothing in the command line names another credential, so a URL
    that carries one is a mistake (or a proxy setting pasted into the wrong place), and it is refused without being
    printed.
    """
    source = "--base-url" if args.base_url else BASE_URL_ENV
    url = args.base_url or os.environ.get(BASE_URL_ENV)
    if not url:
        return
    problem = _not_utf8(source, url)
    if problem is not None:
        raise problem
    parts = urlsplit(url.strip())
    if parts.username is not None or parts.password is not None:
        raise _UsageError(
            f"{source} has a user name or password in it ({redact_url_userinfo(url)}). They would be sent instead "
            f"of the AI/ML API key, so the URL is refused: remove the 'user:password@' part. The key is read from "
            f"{API_KEY_ENV}; a proxy that needs a login goes in HTTPS_PROXY."
        )
    try:  # here rather than when the component is built, so that the error names the option the URL came from
        validate_base_url(url, from_environment=not args.base_url, given_as="--base-url")
    except ValueError as error:
        raise _UsageError(str(error)) from None


def _require_key() -> None:
    if not os.environ.get(API_KEY_ENV):
        raise _UsageError(
            f"No API key: export {API_KEY_ENV}=<your key> (create one at https://aimlapi.com/app/keys), then run "
            "this again."
        )


# --- commands -----------------------------------------------------------------------------------------------------


def _catalogue(args: argparse.Namespace) -> ModelCatalogue:
    try:
        return ModelCatalogue(api_base_url=args.base_url, timeout=args.timeout, max_retries=args.max_retries)
    except ValueError as error:
        raise _UsageError(str(error)) from error


def _run_models(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    catalogue = _catalogue(args)
    filters = {"kind": args.kind, "capability": args.capability or None, "search": args.search}
    try:
        filter_models((), **filters)
    except TypeError as error:
        raise _UsageError(str(error)) from error
    every_model = catalogue.fetch(include_pricing=args.pricing)
    models = sorted(filter_models(every_model, **filters), key=lambda model: model.id.lower())
    if not models:
        wanted = ", ".join(
            f"{name} {value!r}"
            for name, value in (("kind", args.kind), ("capability", args.capability), ("search", args.search))
            if value
        )
        err.write(f"No model in the catalogue at {catalogue.url} matches {wanted or 'the filters'}.\n")
        if args.kind:
            kinds = sorted({one_line(model.kind) for model in every_model if model.kind})
            if kinds:
                err.write(f"Kinds in this catalogue: {', '.join(kinds)}.\n")
            else:
                err.write("This catalogue does not say what kind each model is (an OpenAI-shaped /models).\n")
        return EXIT_OK
    to_terminal = is_terminal(out)
    if args.json:
        for model in models:
            out.write(json_line(model.to_dict(), for_terminal=to_terminal) + "\n")
    else:
        out.write(models_table(models, show_pricing=args.pricing, for_terminal=to_terminal) + "\n")
        err.write(f"{len(models)} model{'s' if len(models) != 1 else ''}\n")
    out.flush()
    return EXIT_OK


def _read_stdin() -> str:
    """stdin as text, read as bytes and decoded here, so that a byte that is not UTF-8 is a usage error."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:  # a stream replaced by text (an embedding program, a test)
        return sys.stdin.read()
    data = buffer.read()
    try:
        return data.decode("utf-8-sig")  # a byte-order mark from a Windows editor is not part of the prompt
    except UnicodeDecodeError as error:
        raise _UsageError(
            f"The prompt read from stdin is not valid UTF-8 (byte 0x{data[error.start]:02x} at byte "
            f"{error.start + 1}). Convert it to UTF-8 first, for example with `iconv -f latin1 -t utf-8`, and run "
            "this again."
        ) from None


def _read_prompt(prompt: str) -> str:
    if prompt == "-":
        prompt = _read_stdin()
        problem = _not_utf8("The prompt read from stdin", prompt)
        if problem is not None:
            raise problem
    if not prompt.strip():
        raise _UsageError("The prompt is empty. Pass the text to send, or '-' to read it from stdin.")
    return prompt


class _UnreadableAnswerError(Exception):
    """The server's answer broke something that expected a chat reply; the cause is the error it raised."""


def _run_chat(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    prompt = _read_prompt(args.prompt)
    _require_key()
    # Imported here so that `models` and `--help` do not pay for importing the generator.
    from haystack.dataclasses import ChatMessage  # noqa: PLC0415

    from haystack_integrations.components.generators.aimlapi import AIMLAPIChatGenerator  # noqa: PLC0415

    generation_kwargs: dict[str, Any] = {}
    if args.max_tokens is not None:
        generation_kwargs["max_tokens"] = args.max_tokens
    if args.temperature is not None:
        generation_kwargs["temperature"] = args.temperature
    init: dict[str, Any] = {
        "api_base_url": args.base_url,
        "timeout": args.timeout,
        "max_retries": args.max_retries,
        "generation_kwargs": generation_kwargs,
    }
    if args.model:
        init["model"] = args.model
    try:
        generator = AIMLAPIChatGenerator(**init)
        generator.warm_up()  # checks the key, URL, timeout and retries before anything is sent
    except (ValueError, TypeError) as error:
        raise _UsageError(str(error)) from error

    messages = [ChatMessage.from_system(args.system)] if args.system else []
    messages.append(ChatMessage.from_user(prompt))
    printer = ReplyPrinter(out, err, show_reasoning=not args.hide_reasoning)
    streaming = not args.no_stream
    callback = None
    if streaming:
        callback = printer.chunk if not args.json else _ignore_chunk
    try:
        reply = generator.run(messages, streaming_callback=callback)["replies"][0]
    except Exception as error:
        unknown = _failure_message(error, args) is None and not isinstance(error, BrokenPipeError)
        if unknown or isinstance(error, json.JSONDecodeError):
            # Not an error the generator documents: an answer it could not read. Still one line, not a traceback.
            raise _UnreadableAnswerError(f"{type(error).__name__}: {error}") from error
        raise
    finally:
        if not args.json:
            printer.finish()

    reasoning = reply.reasoning.reasoning_text if reply.reasoning is not None else None
    if args.hide_reasoning:
        reasoning = None
    if args.json:
        document = {
            "text": reply.text,
            "reasoning": reasoning,
            "model": reply.meta.get("model"),
            "finish_reason": reply.meta.get("finish_reason"),
            "usage": reply.meta.get("usage"),
            "cost": reply.meta.get("cost"),
        }
        out.write(json_line(document, for_terminal=is_terminal(out)) + "\n")
        out.flush()
        return EXIT_OK
    if not streaming:
        printer.reasoning(reasoning or "")
        printer.text(reply.text or "")
        printer.finish()
    err.write(dimmed(one_line(summary_line(reply.meta)), color=printer.color) + "\n")
    err.flush()
    return EXIT_OK


def _ignore_chunk(chunk: Any) -> None:
    """Streams without showing anything: `--json` prints the whole reply at the end."""


def _format_amount(value: float | None, unit: str) -> str:
    if value is None:
        return "?"
    if unit == "credits":
        return f"{value:,.0f} credits"
    return f"{value:,.2f} {unit}"


def _run_balance(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    _require_key()
    from haystack_integrations.common.aimlapi.billing import fetch_balance  # noqa: PLC0415

    try:
        balance = fetch_balance(api_base_url=args.base_url, timeout=args.timeout, max_retries=args.max_retries)
    except (ValueError, TypeError) as error:
        raise _UsageError(str(error)) from error
    if args.json:
        out.write(json_line(balance.to_dict(), for_terminal=is_terminal(out)) + "\n")
        out.flush()
        return EXIT_OK
    if balance.usd is not None:
        text = f"{_format_amount(balance.usd, 'USD')} ({_format_amount(balance.credits, 'credits')})"
    else:
        # A currency other than USD: shown as stated, with no conversion to credits.
        raw_amount = balance.raw.get("current_balance")
        text = one_line(f"{raw_amount} {balance.currency}")
    out.write(f"{text}\n")
    out.flush()
    if balance.low_balance:
        err.write("The balance is below the account's low-balance threshold.\n")
    return EXIT_OK


# --- errors -------------------------------------------------------------------------------------------------------


def _failure_message(error: BaseException, args: argparse.Namespace) -> str | None:  # noqa: PLR0911
    """The one-line message for an expected failure, or `None` for anything else (a bug, shown with a traceback)."""
    import openai  # noqa: PLC0415  # only needed once something failed

    base_url = getattr(args, "base_url", None) or resolve_base_url(None)
    if isinstance(error, _UnreadableAnswerError):
        return f"The answer from {base_url} could not be read as a chat reply ({error}). --debug shows where it failed."
    if isinstance(error, StreamInterruptedError):
        return f"{error.message} The text above is incomplete."
    if isinstance(error, CatalogueError):
        return error.message
    if isinstance(error, openai.AuthenticationError):
        return f"{error.message} Check the key in {API_KEY_ENV} (keys are at https://aimlapi.com/app/keys)."
    if isinstance(error, openai.APIStatusError):
        return error.message
    if isinstance(error, openai.APITimeoutError):
        return (
            f"No answer from {base_url} within the timeout. Raise it with --timeout (or {TIMEOUT_ENV}), or check "
            "the server."
        )
    if isinstance(error, openai.APIConnectionError):
        cause = error.__cause__
        detail = f": {cause}" if cause is not None and str(cause) else ""
        return (
            f"Could not connect to {base_url}{detail}. Check --base-url (or {BASE_URL_ENV}) and the network; "
            f"{MAX_RETRIES_ENV} sets how often a failed connection is retried."
        )
    if isinstance(error, openai.APIError):
        return error.message
    if isinstance(error, ValueError):  # e.g. a reply with no choices: the request succeeded but gave nothing
        return str(error)
    return None


# --- the parser ---------------------------------------------------------------------------------------------------


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number of seconds")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _version() -> str:
    try:
        return metadata.version("aimlapi-haystack")
    except metadata.PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The command line: `models` and `chat`, each taking the connection options too."""
    # The connection options are accepted before and after the command. They default to SUPPRESS, so that a value
    # given before the command is not overwritten by the sub-command's default; `main` fills in the real defaults.
    # (The parsers share these action objects, so `set_defaults` on one would change them for all.)
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument(
        "--base-url",
        default=argparse.SUPPRESS,
        help=f"API base URL (default: ${BASE_URL_ENV}, then https://api.aimlapi.com/v1). Any OpenAI-compatible "
        "server works.",
    )
    shared.add_argument(
        "--timeout",
        type=_positive_float,
        default=argparse.SUPPRESS,
        help=f"seconds to wait for an answer (default: ${TIMEOUT_ENV}, then $OPENAI_TIMEOUT, then 30)",
    )
    shared.add_argument(
        "--max-retries",
        type=_non_negative_int,
        default=argparse.SUPPRESS,
        help=f"retries of a request failing with 408, 409, 429, 5xx or a connection error (default: "
        f"${MAX_RETRIES_ENV}, then $OPENAI_MAX_RETRIES, then 5)",
    )
    shared.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks of failures")

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="AI/ML API from the terminal: list its models, chat with one through Haystack, or show the "
        "account's balance.",
        epilog=f"The key is read from ${API_KEY_ENV}. Exit codes: 0 success, 1 API or network error, 2 usage "
        "error, 130 interrupted.",
        parents=[shared],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    models = commands.add_parser(
        "models",
        parents=[shared],
        help="list the models of the catalogue",
        description="List AI/ML API's models. No key is needed; the key is sent when set.",
    )
    models.add_argument("--kind", help=f"only models of this kind ({', '.join(KINDS[:7])}, ...)")
    models.add_argument(
        "--capability",
        action="append",
        metavar="NAME",
        help="only models with this capability (tools, vision, streaming, structured_output, ...); repeatable",
    )
    models.add_argument("--search", help="only models whose id, alias, name or developer contains this text")
    models.add_argument("--pricing", action="store_true", help="ask for and show each model's price")
    models.add_argument("--json", action="store_true", help="print one JSON object per model (JSON lines)")

    chat = commands.add_parser(
        "chat",
        parents=[shared],
        help="send a prompt and stream the reply",
        description="Send one prompt through AIMLAPIChatGenerator and stream the reply. Model, finish reason, "
        "token usage and cost follow on stderr.",
    )
    chat.add_argument("prompt", help="the prompt; '-' reads it from stdin")
    chat.add_argument("--model", help="model id (default: the generator's, openai/gpt-5-chat-latest)")
    chat.add_argument("--system", help="a system message sent before the prompt")
    chat.add_argument("--no-stream", action="store_true", help="wait for the whole reply instead of streaming it")
    chat.add_argument("--json", action="store_true", help="print one JSON object: text, reasoning, model, ...")
    chat.add_argument("--hide-reasoning", action="store_true", help="do not show the model's reasoning")
    chat.add_argument("--max-tokens", type=_positive_int, help="upper bound on the reply's tokens")
    chat.add_argument("--temperature", type=float, help="sampling temperature")

    balance = commands.add_parser(
        "balance",
        parents=[shared],
        help="show the account's balance",
        description="Show the account's balance in US dollars and credits, from GET /v2/billing (or the older "
        "GET /v1/billing/balance). Needs the key.",
    )
    balance.add_argument("--json", action="store_true", help="print one JSON object: usd, credits, currency, ...")
    return parser


_COMMANDS = {"models": _run_models, "chat": _run_chat, "balance": _run_balance}


def main(argv: Sequence[str] | None = None) -> int:
    """
    Runs the command line and returns its exit code.

    :param argv: The arguments, without the program name; `sys.argv[1:]` by default.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits 2 on a usage error, 0 after --help / --version
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    for name, default in _SHARED_DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, default)
    out, err = sys.stdout, sys.stderr
    for stream in (out, err):
        # A reply can hold a lone surrogate (JSON's "\\ud800"), which UTF-8 cannot encode: write U+FFFD for it
        # rather than fail after the answer arrived.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    command = _COMMANDS[args.command]
    try:
        _check_text_options(args)
        _check_base_url(args)
        return command(args, out, err)
    except _UsageError as error:
        if args.debug:
            traceback.print_exc(file=err)
        err.write(f"{PROG}: error: {one_line(str(error))}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.write(f"\n{PROG}: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): it had what it wanted, so stop quietly and succeed, as when the output
        # fits the pipe's buffer. Pointing stdout at devnull keeps Python from complaining at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:
        message = _failure_message(error, args)
        if message is None:
            raise
        if args.debug:
            traceback.print_exc(file=err)
        err.write(f"{PROG}: error: {one_line(message)}\n")
        return EXIT_API_ERROR


if __name__ == "__main__":
    sys.exit(main())
