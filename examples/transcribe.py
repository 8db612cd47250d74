# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Transcribe recordings with AI/ML API's speech-to-text models; print each transcript, its speakers and the job id.

    export AIMLAPI_API_KEY=...            # https://aimlapi.com/app/keys
    python examples/transcribe.py meeting.wav https://example.com/interview.mp3 [--model "#g1_nova-2-general"]
    python examples/transcribe.py call.mp3 --model openai/gpt-4o-transcribe --language en
    python examples/transcribe.py panel.wav --diarize

Each recording is submitted once, then polled until done; a job that fails or runs past --job-timeout is listed
with its generation id. Set AIMLAPI_BASE_URL to talk to another AI/ML API-compatible server instead.
"""

import argparse
import sys

from _common import describe_cost, run

from haystack_integrations.components.audio.aimlapi import AIMLAPITranscriber


def main(args: argparse.Namespace) -> int:
    transcriber = AIMLAPITranscriber(
        model=args.model,
        language=args.language,
        generation_kwargs={"diarize": True} if args.diarize else None,
        poll_interval=args.poll_interval,
        job_timeout=args.job_timeout,
    )
    result = transcriber.run(sources=args.sources)
    for document in result["documents"]:
        meta = document.meta
        duration = f", {meta['duration']} s" if meta.get("duration") is not None else ""
        print(f"--- {meta['source']} (generation {meta['generation_id']}{duration}; {describe_cost(meta)})")
        if meta.get("speakers"):
            print(f"speakers: {meta['speakers']}")
        print(document.content)
    for failure in result["meta"]["failed_sources"]:
        job = f" (generation {failure['generation_id']})" if failure.get("generation_id") else ""
        print(f"failed: {failure['source']}{job}: {failure['reason']}", file=sys.stderr)
    return 1 if result["meta"]["failed_sources"] else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sources", nargs="+", help="audio file paths or http(s) URLs")
    parser.add_argument("--model", default="#g1_nova-2-general")
    parser.add_argument("--language")
    parser.add_argument("--diarize", action="store_true", help="speaker labels (Deepgram models)")
    parser.add_argument("--poll-interval", type=float, default=2.0)
    parser.add_argument("--job-timeout", type=float, default=600.0)
    arguments = parser.parse_args()
    run(lambda: main(arguments))
