# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Speak a sentence with AI/ML API's text-to-speech models and save the audio; print its type, size and cost.

    export AIMLAPI_API_KEY=...            # https://aimlapi.com/app/keys
    python examples/text_to_speech.py "Your order has shipped." --voice nova --out answer.mp3
    python examples/text_to_speech.py "Hello!" --model "#g1_aura-2-thalia-en" --out hello.wav
    python examples/text_to_speech.py "Hello!" --model minimax/speech-2.8-hd --voice Wise_Woman --out hello.mp3

Set AIMLAPI_BASE_URL to talk to another AI/ML API-compatible server instead.
"""

import argparse

from _common import describe_cost, run

from haystack_integrations.components.audio.aimlapi import AIMLAPITextToSpeech


def main(args: argparse.Namespace) -> None:
    tts = AIMLAPITextToSpeech(model=args.model, voice=args.voice)
    result = tts.run(args.text)
    audio, meta = result["audio"], result["meta"]
    audio.to_file(args.out)
    print(f"saved {meta['size']} bytes of {audio.mime_type} to {args.out}")
    if meta.get("audio_url"):
        print(f"source: {meta['audio_url']}")
    print(describe_cost(meta))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("text")
    parser.add_argument("--model", default="openai/tts-1")
    parser.add_argument("--voice")
    parser.add_argument("--out", default="speech.audio", help="where to save the audio")
    arguments = parser.parse_args()
    run(lambda: main(arguments))
