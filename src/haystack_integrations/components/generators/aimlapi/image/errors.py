# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""What the image generator raises when a request succeeded but produced no usable image."""

from openai import OpenAIError


class ImageResponseError(OpenAIError):
    """
    AI/ML API accepted the request (a 2xx status) but its answer holds no image that can be read.

    :param message: What was wrong with the answer, in words.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ImageDownloadError(ImageResponseError):
    """
    AI/ML API answered with the address of an image, and fetching it failed.

    :param url: The address that could not be fetched.
    :param reason: Why: the HTTP status, the connection error, the size limit, or what came back instead of an image.
    """

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            f"Could not download the generated image at {url}: {reason}. Pass download_images=False to receive "
            "the URL instead of the image."
        )
        self.url = url
        self.reason = reason
