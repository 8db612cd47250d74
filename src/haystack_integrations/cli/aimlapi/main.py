# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
The `aimlapi-haystack` command: list AI/ML API's models, or chat with one from a terminal.

```
aimlapi-haystack models --kind chat --capability tools --search claude
aimlapi-haystack chat "What is the capital of France?" --model anthropic/claude-sonnet-4.5
```

Exit codes: 0 success (also when the reader of the output stops early), 2 usage error (bad arguments, no key, a
malformed URL or timeout), 1 the API or the network failed (with AI/ML API's own message), 130 interrupted.
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

from haystack_integrations.common.aimlapi.catalogue import (
    KINDS,
    CatalogueError,
    ModelCatalogue,
    ModelInfo,
    filter_models,
)
from haystack_integrations.common.aimlapi.errors import StreamInterruptedError
from haystack_integrations.common.aimlapi.settings import (
    API_KEY_ENV,
    BASE_URL_ENV,
    MAX_RETRIES_ENV,
    TIMEOUT_ENV,
    resolve_base_url,
)

PROG = "aimlapi-haystack"

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

_DIM = "\033[2m"
_RESET = "\033[0m"
_REASONING_PREFIX = "[reasoning] "


# Defaults of the options accepted before and after the command.
_SHARED_DEFAULTS: dict[str, Any] = {"base_url": None, "timeout": None, "max_retries": None, "debug": False}


class _UsageError(Exception):
    """A problem with the command line or the environment, found before anything is sent."""


def _use_color(stream: IO[str]) -> bool:
    # https://no-color.org: any non-empty NO_COLOR turns colour off; so does a stream that is not a terminal.
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class ReplyPrinter:
    """
    Writes a reply to the terminal as it streams: text on `out`, reasoning on `err`.

    Reasoning goes to stderr so that stdout carries only the answer (`chat ... > answer.txt` works). It is dimmed
    when stderr is a terminal and `NO_COLOR` is unset, otherwise each of its lines starts with `[reasoning] `.

    :param out: Where the text goes (stdout).
    :param err: Where reasoning goes (stderr).
    :param show_reasoning: `False` drops reasoning.
    """

    def __init__(self, out: IO[str], err: IO[str], *, show_reasoning: bool = True) -> None:
        self.out = out
        self.err = err
        self.show_reasoning = show_reasoning
        self.color = _use_color(err)
        self._in_reasoning = False
        self._reasoning_line_start = True
        self._text_ends_with_newline = True
        self._wrote_text = False

    def reasoning(self, text: str) -> None:
        """Shows a piece of reasoning."""
        if not self.show_reasoning or not text:
            return
        if not self._in_reasoning:
            self._in_reasoning = True
            self._reasoning_line_start = True
            if self.color:
                self.err.write(_DIM)
        if self.color:
            self.err.write(text)
            self._reasoning_line_start = text.endswith("\n")
        else:
            for line in text.splitlines(keepends=True):
                if self._reasoning_line_start:
                    self.err.write(_REASONING_PREFIX)
                self.err.write(line)
                self._reasoning_line_start = line.endswith("\n")
        self.err.flush()

    def _end_reasoning(self) -> None:
        if not self._in_reasoning:
            return
        self._in_reasoning = False
        if self.color:
            self.err.write(_RESET)
        if not self._reasoning_line_start:
            self.err.write("\n")
        self.err.flush()

    def text(self, text: str) -> None:
        """Shows a piece of the answer."""
        if not text:
            return
        self._end_reasoning()
        self.out.write(text)
        self.out.flush()
        self._wrote_text = True
        self._text_ends_with_newline = text.endswith("\n")

    def chunk(self, chunk: Any) -> None:
        """A streaming callback: shows what a `StreamingChunk` carries."""
        reasoning = getattr(chunk, "reasoning", None)
        if reasoning is not None:
            self.reasoning(reasoning.reasoning_text)
        self.text(chunk.content)

    def finish(self) -> None:
        """Ends the reply with a newline, so the shell prompt starts on its own line."""
        self._end_reasoning()
        if self._wrote_text and not self._text_ends_with_newline:
            self.out.write("\n")
            self.out.flush()
            self._text_ends_with_newline = True


# --- formatting ---------------------------------------------------------------------------------------------------


def _or_unknown(value: Any) -> str:
    return "?" if value is None else str(value)


def _format_usd(value: Any) -> str:
    return f"${value:.6f}" if isinstance(value, int | float) else "$?"


def summary_line(meta: dict[str, Any]) -> str:
    """One line about a reply: model, finish reason, token usage and cost."""
    parts = [f"model: {meta.get('model') or '?'}", f"finish: {meta.get('finish_reason') or '?'}"]
    usage = meta.get("usage") or {}
    if usage:
        prompt, completion, total = (usage.get(k) for k in ("prompt_tokens", "completion_tokens", "total_tokens"))
        tokens = f"tokens: {_or_unknown(prompt)} in, {_or_unknown(completion)} out"
        details = usage.get("completion_tokens_details") or {}
        reasoning_tokens = details.get("reasoning_tokens") if isinstance(details, dict) else None
        if reasoning_tokens:
            tokens += f" ({reasoning_tokens} reasoning)"
        if total is not None:
            tokens += f", {total} total"
        parts.append(tokens)
    else:
        parts.append("tokens: not reported")
    cost = meta.get("cost")
    if cost:
        parts.append(f"cost: {cost.get('credits_used', '?')} credits ({_format_usd(cost.get('usd_spent'))})")
    else:
        parts.append("cost: not reported")
    return " | ".join(parts)


def _price_text(model: ModelInfo) -> str:
    pricing = model.pricing
    if pricing is None:
        return "-"
    if pricing.input is not None or pricing.output is not None:
        text = f"{_or_unknown(pricing.input)} / {_or_unknown(pricing.output)}"
    else:
        text = ", ".join(
            f"{key}={value}" for key, value in pricing.raw.items() if key != "unit" and isinstance(value, int | float)
        )
    return f"{text} {pricing.unit}".strip() if pricing.unit else text or "-"


def models_table(models: Sequence[ModelInfo], *, show_pricing: bool = False) -> str:
    """The models as an aligned text table, one per line, under a header."""
    header = ["ID", "KIND", "DEVELOPER", "CONTEXT", "CAPABILITIES"]
    if show_pricing:
        header.append("PRICE (IN / OUT)")
    rows = [header]
    for model in models:
        row = [
            model.id,
            model.kind or "-",
            model.developer or "-",
            str(model.context_length) if model.context_length else "-",
            ",".join(sorted(model.capabilities)) or "-",
        ]
        if show_pricing:
            row.append(_price_text(model))
        rows.append(row)
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if header[i] == "CONTEXT" else cell.ljust(widths[i]) for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


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
            kinds = sorted({model.kind for model in every_model if model.kind})
            if kinds:
                err.write(f"Kinds in this catalogue: {', '.join(kinds)}.\n")
            else:
                err.write("This catalogue does not say what kind each model is (an OpenAI-shaped /models).\n")
        return EXIT_OK
    if args.json:
        for model in models:
            out.write(json.dumps(model.to_dict(), ensure_ascii=False) + "\n")
    else:
        out.write(models_table(models, show_pricing=args.pricing) + "\n")
        err.write(f"{len(models)} model{'s' if len(models) != 1 else ''}\n")
    out.flush()
    return EXIT_OK


def _read_prompt(prompt: str) -> str:
    if prompt == "-":
        prompt = sys.stdin.read()
    if not prompt.strip():
        raise _UsageError("The prompt is empty. Pass the text to send, or '-' to read it from stdin.")
    return prompt


def _run_chat(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    prompt = _read_prompt(args.prompt)
    if not os.environ.get(API_KEY_ENV):
        raise _UsageError(
            f"No API key: export {API_KEY_ENV}=<your key> (create one at https://aimlapi.com/app/keys), then run "
            "this again."
        )
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
        out.write(json.dumps(document, ensure_ascii=False, default=str) + "\n")
        out.flush()
        return EXIT_OK
    if not streaming:
        printer.reasoning(reasoning or "")
        printer.text(reply.text or "")
        printer.finish()
    line = summary_line(reply.meta)
    err.write(f"{_DIM}{line}{_RESET}\n" if printer.color else f"{line}\n")
    err.flush()
    return EXIT_OK


def _ignore_chunk(chunk: Any) -> None:
    """Streams without showing anything: `--json` prints the whole reply at the end."""


# --- errors -------------------------------------------------------------------------------------------------------


def _failure_message(error: BaseException, args: argparse.Namespace) -> str | None:  # noqa: PLR0911
    """The one-line message for an expected failure, or `None` for anything else (a bug, shown with a traceback)."""
    import openai  # noqa: PLC0415  # only needed once something failed

    base_url = getattr(args, "base_url", None) or resolve_base_url(None)
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
        description="AI/ML API from the terminal: list its models, or chat with one through Haystack.",
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
    return parser


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
    command = _run_models if args.command == "models" else _run_chat
    try:
        return command(args, out, err)
    except _UsageError as error:
        if args.debug:
            traceback.print_exc(file=err)
        err.write(f"{PROG}: error: {error}\n")
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
        err.write(f"{PROG}: error: {message}\n")
        return EXIT_API_ERROR


if __name__ == "__main__":
    sys.exit(main())
