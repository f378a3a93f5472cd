"""The account's avatar: the image as read, and an image to upload, checked on
construction (type, size, format, filename) so nothing the server refuses is sent.

No I/O, no wire names: the endpoint functions encode the upload as multipart.
"""

from __future__ import annotations

import re
from typing import Any, Final

import attrs

__all__ = ["Avatar", "AvatarUpload"]

#: Signatures of the image formats an avatar is most often sent in.
_MAGIC: Final = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
}
#: Characters an HTTP header value (the avatar's part headers) cannot carry.
_CONTROL_CHARACTERS: Final = re.compile(r"[\x00-\x1f\x7f]")
#: The longest filename sent: as on most file systems, far below the header line
#: limits of HTTP servers (8 KiB is common).
_MAX_FILENAME: Final = 255


def _image_bytes(value: object) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise TypeError(f"the avatar must be bytes, not {type(value).__name__}")
    return bytes(value)


def _not_empty(_: object, __: attrs.Attribute[Any], value: bytes) -> None:
    if not value:
        raise ValueError("the avatar image is empty")


def _image_type(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise TypeError(f"the avatar's content type must be a str, not {type(value).__name__}")
    media_type = value.split(";", 1)[0].strip().lower()
    if (
        not media_type.startswith("image/")
        or len(media_type) <= len("image/")
        or not media_type.isascii()
        or not media_type.isprintable()
        or " " in media_type
    ):
        raise ValueError(f"the avatar's content type must be image/*, got {value!r}")


def _filename(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise TypeError(f"the avatar's filename must be a str, not {type(value).__name__}")
    if _CONTROL_CHARACTERS.search(value):
        raise ValueError(f"the avatar's filename must not hold control characters: {value!r}")
    if len(value) > _MAX_FILENAME:
        raise ValueError(f"the avatar's filename is longer than {_MAX_FILENAME} characters")


def _fits(upload: AvatarUpload, _: attrs.Attribute[Any], max_size: int) -> None:
    # Checked last, once every other field is known good.
    if len(upload.data) > max_size:
        raise ValueError(
            f"the avatar is {len(upload.data)} bytes, more than the limit of {max_size}"
        )
    magic = _MAGIC.get(upload.media_type)
    if magic is not None and not upload.data.startswith(magic):
        raise ValueError(f"the avatar's bytes are not a {upload.media_type} image")


@attrs.frozen(repr=False)
class Avatar:
    data: bytes
    content_type: str

    def __repr__(self) -> str:
        return f"Avatar(content_type={self.content_type!r}, size={len(self.data)})"


@attrs.frozen(repr=False)
class AvatarUpload:
    """An image to upload as the avatar, checked on construction.

    ``data`` must not be empty nor larger than ``max_size``, ``content_type`` is an
    ``image/*`` type (the bytes of a PNG, JPEG or GIF must be one), and
    ``filename`` holds no control characters and at most 255 characters.
    """

    data: bytes = attrs.field(converter=_image_bytes, validator=_not_empty)
    content_type: str = attrs.field(validator=_image_type)
    filename: str = attrs.field(default="avatar", validator=_filename)
    max_size: int = attrs.field(default=1024 * 1024, validator=_fits)

    @property
    def media_type(self) -> str:
        """The content type without parameters, in lower case: ``image/png``."""
        return self.content_type.split(";", 1)[0].strip().lower()

    def __repr__(self) -> str:
        return f"AvatarUpload(content_type={self.content_type!r}, size={len(self.data)})"
