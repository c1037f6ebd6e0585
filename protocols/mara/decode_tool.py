"""The decode tool: hex text in, one JSON object per frame out.

Engineers paste frames copied from logs, so every line is handled on its own and no
input (non-hex text, odd digit counts, binary junk, endless lines) stops the tool.
"""

import json
import re
from collections.abc import Iterator
from typing import IO, Any

from .decode import decode_frame
from .errors import MaraError
from .jsonform import error_as_dict, frame_as_dict

MAX_LINE_LENGTH = 64 * 1024
"""Longer lines cannot be a frame (a frame is at most 253 bytes) and are not read whole."""

_SEPARATORS = re.compile(r"[\s:]+")
_HEX_TOKEN = re.compile(r"[0-9A-Fa-f]+")


class HexTextError(ValueError):
    """A line that is not a frame written in hex."""


def parse_hex_line(text: str) -> bytes:
    """Bytes of one line of hex: byte pairs separated by spaces, colons or nothing."""
    data = bytearray()
    for token in filter(None, _SEPARATORS.split(text)):
        if not _HEX_TOKEN.fullmatch(token):
            raise HexTextError(f"not hexadecimal: {_shorten(token)}")
        if len(token) % 2:
            raise HexTextError(f"odd number of hex digits in {_shorten(token)}")
        data += bytes.fromhex(token)
    return bytes(data)


def _shorten(token: str, limit: int = 24) -> str:
    return repr(token if len(token) <= limit else token[:limit] + "...")


def decode_line(text: str) -> dict[str, Any]:
    """What the tool prints for one frame line."""
    try:
        return frame_as_dict(decode_frame(parse_hex_line(text)))
    except (HexTextError, MaraError) as error:
        return error_as_dict(str(error))


def frame_lines(stream: IO[bytes]) -> Iterator[str | None]:
    """The frame lines of ``stream`` (blank and ``#`` lines skipped); ``None`` stands for
    a line too long to be a frame, which is skipped without being held in memory."""
    while line := stream.readline(MAX_LINE_LENGTH + 1):
        if len(line) > MAX_LINE_LENGTH:
            while line and not line.endswith(b"\n"):
                line = stream.readline(MAX_LINE_LENGTH)
            yield None
            continue
        text = line.decode("latin-1").strip()
        if text and not text.startswith("#"):
            yield text


def run_decode(source: IO[bytes], output: IO[str]) -> int:
    """Decode every frame line of ``source`` to ``output``; 0 if all decoded, else 1."""
    status = 0
    for text in frame_lines(source):
        if text is None:
            result = error_as_dict(f"line longer than {MAX_LINE_LENGTH} characters")
        else:
            result = decode_line(text)
        if not result["ok"]:
            status = 1
        output.write(json.dumps(result, separators=(",", ":")) + "\n")
    return status
