"""The worker protocol, version 1: length-prefixed JSON headers followed by binary blobs.

Every message, in both directions, is::

    uint32 big-endian   length of the header in bytes
    header              UTF-8 JSON object: {"protocol": 1, "id": <int>, ..., "blobs": [{"name", "bytes"}]}
    blob bytes          the blobs listed in the header, back to back, in order

Requests carry ``cmd`` (``hello``, ``fit``, ``predict``, ``predict_proba``, ``shutdown``);
replies carry the request's ``id`` and ``ok``, plus ``error: {type, message}`` when ``ok`` is
false. Table data travels as an Arrow IPC stream blob named ``table``; model state as a blob
named ``state``. The TypeScript side is src/runtimes/python/protocol.ts.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from mpipe_runtime.errors import ProtocolError

PROTOCOL_VERSION = 1
COMMANDS = ("hello", "fit", "predict", "predict_proba", "shutdown")
MAX_HEADER_BYTES = 16 * 1024 * 1024
MAX_BLOB_BYTES = 4 * 1024 * 1024 * 1024
_LENGTH = struct.Struct(">I")


@dataclass
class Message:
    """A decoded message: its JSON header and its named blobs."""

    header: dict[str, Any]
    blobs: dict[str, bytes] = field(default_factory=dict)


def encode(header: dict[str, Any], blobs: dict[str, bytes] | None = None) -> bytes:
    """Frames a header and blobs; ``protocol`` and ``blobs`` are filled in."""
    blobs = blobs or {}
    full = {**header, "protocol": PROTOCOL_VERSION, "blobs": [{"name": n, "bytes": len(b)} for n, b in blobs.items()]}
    head = json.dumps(full, separators=(",", ":"), allow_nan=False).encode("utf-8")
    return b"".join([_LENGTH.pack(len(head)), head, *blobs.values()])


def _read_exact(stream: BinaryIO, size: int, what: str) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = stream.read(remaining)
        if not chunk:
            raise ProtocolError(f"The stream ended inside a message ({what}: {size - remaining} of {size} bytes).")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_message(stream: BinaryIO) -> Message | None:
    """Reads one message; ``None`` when the stream ends cleanly between messages.

    Raises:
        ProtocolError: on a truncated frame, oversized parts, a header that is not a JSON object,
            or a protocol version other than :data:`PROTOCOL_VERSION`.
    """
    prefix = stream.read(_LENGTH.size)
    if not prefix:
        return None
    if len(prefix) < _LENGTH.size:
        prefix += _read_exact(stream, _LENGTH.size - len(prefix), "length prefix")
    (length,) = _LENGTH.unpack(prefix)
    if length > MAX_HEADER_BYTES:
        raise ProtocolError(f"A message header of {length} bytes exceeds the limit of {MAX_HEADER_BYTES}.")
    try:
        header = json.loads(_read_exact(stream, length, "header").decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProtocolError(f"A message header is not JSON ({error}).") from error
    if not isinstance(header, dict):
        raise ProtocolError("A message header must be a JSON object.")
    if header.get("protocol") != PROTOCOL_VERSION:
        raise ProtocolError(
            f"This worker speaks protocol {PROTOCOL_VERSION}; the message says {header.get('protocol')!r}."
        )
    blobs: dict[str, bytes] = {}
    for info in header.get("blobs") or []:
        name, size = info.get("name"), info.get("bytes")
        if not isinstance(name, str) or not isinstance(size, int) or not 0 <= size <= MAX_BLOB_BYTES:
            raise ProtocolError(f"A blob entry is malformed: {info!r}.")
        blobs[name] = _read_exact(stream, size, f"blob {name}")
    return Message(header, blobs)


def write_message(stream: BinaryIO, header: dict[str, Any], blobs: dict[str, bytes] | None = None) -> None:
    """Writes and flushes one message."""
    stream.write(encode(header, blobs))
    stream.flush()
