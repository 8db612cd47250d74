# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Generate images with any AI/ML API image model and save them to files.

    export AIMLAPI_API_KEY=...            # https://aimlapi.com/app/keys
    python examples/image_generation.py "A red fox in the snow" [--model flux/schnell] [--n 2] [--size 1024x768]
        [--seed 7] [--out-dir images]

The same `--size` works for every family: it is sent as `size` to OpenAI-style models (dall-e-3, openai/gpt-image-1),
as `image_size` to fal-style ones (flux/*, stable-diffusion-*, recraft-v3) and as `aspect_ratio` to Google's.
"""

import argparse
import base64
import mimetypes
from pathlib import Path

from _common import describe_cost, run

from haystack_integrations.components.generators.aimlapi import AIMLAPIImageGenerator


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prompt", nargs="?", default="A red fox in the snow, watercolor")
    parser.add_argument("--model", default="flux/schnell")
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--size", default=None, help="1024x768, a fal preset such as landscape_4_3, or 16:9")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--out-dir", type=Path, default=Path("images"))
    return parser.parse_args()


def main(args: argparse.Namespace) -> None:
    generator = AIMLAPIImageGenerator(model=args.model, timeout=120)
    result = generator.run(args.prompt, n=args.n, size=args.size, seed=args.seed)

    args.out_dir.mkdir(parents=True, exist_ok=True)
    for number, image in enumerate(result["images"], start=1):
        extension = mimetypes.guess_extension(image.mime_type or "") or ".bin"
        path = args.out_dir / f"image-{number}{extension}"
        path.write_bytes(base64.b64decode(image.base64_image))
        print(f"{path}  {image.mime_type}  {image.meta.get('url', '')}")
    meta = result["meta"]
    print(f"[{meta['model']} ({meta['model_family']})] images={meta['image_count']} {describe_cost(meta)}")
    for revised in filter(None, meta.get("revised_prompts", [])):
        print(f"revised prompt: {revised}")


if __name__ == "__main__":
    arguments = parse_arguments()
    run(lambda: main(arguments))
