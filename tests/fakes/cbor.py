"""A small CBOR codec (RFC 8949) for the fakes of services that speak Smithy RPC v2 CBOR: no CBOR
library is installed here, and the fake must not borrow botocore's own codec, which is what it tests.

Decodes every major type, definite and indefinite lengths, floats of 16/32/64 bits and tags (a tag 1
epoch time stays a number). Encodes dict, list, str, bytes, int, bool, None, float and
datetime (tag 1 with epoch seconds, as Smithy RPC v2 CBOR sends timestamps:
https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html).
"""

from __future__ import annotations

import datetime as dt
import struct
from typing import Any

_BREAK = object()


def decode(data: bytes) -> Any:
    value, end = _item(data, 0)
    if end != len(data):
        raise ValueError("trailing bytes after the CBOR item")
    return value


def _length(data: bytes, pos: int, info: int) -> tuple[int | None, int]:
    if info < 24:
        return info, pos
    if info == 31:
        return None, pos  # indefinite
    size = {24: 1, 25: 2, 26: 4, 27: 8}.get(info)
    if size is None:
        raise ValueError(f"reserved additional information {info}")
    return int.from_bytes(data[pos : pos + size], "big"), pos + size


def _item(data: bytes, pos: int) -> tuple[Any, int]:
    initial = data[pos]
    major, info = initial >> 5, initial & 0x1F
    pos += 1
    if major == 7:
        if info == 20:
            return False, pos
        if info == 21:
            return True, pos
        if info in (22, 23):
            return None, pos
        if info == 25:
            return struct.unpack(">e", data[pos : pos + 2])[0], pos + 2
        if info == 26:
            return struct.unpack(">f", data[pos : pos + 4])[0], pos + 4
        if info == 27:
            return struct.unpack(">d", data[pos : pos + 8])[0], pos + 8
        if info == 31:
            return _BREAK, pos
        raise ValueError(f"unsupported simple value {info}")
    length, pos = _length(data, pos, info)
    if major == 0:
        return length, pos
    if major == 1:
        return -1 - (length or 0), pos
    if major in (2, 3):
        if length is None:
            chunks = []
            while data[pos] != 0xFF:
                chunk, pos = _item(data, pos)
                chunks.append(chunk)
            joined = (b"" if major == 2 else "").join(chunks)
            return joined, pos + 1
        raw = data[pos : pos + length]
        return (raw if major == 2 else raw.decode("utf-8")), pos + length
    if major == 4:
        items = []
        while length is None or len(items) < length:
            item, pos = _item(data, pos)
            if item is _BREAK:
                break
            items.append(item)
        return items, pos
    if major == 5:
        mapping: dict[Any, Any] = {}
        while length is None or len(mapping) < length:
            key, pos = _item(data, pos)
            if key is _BREAK:
                break
            mapping[key], pos = _item(data, pos)
        return mapping, pos
    if major == 6:
        return _item(data, pos)  # the tagged value itself (tag 1: epoch seconds)
    raise ValueError(f"unknown major type {major}")


def encode(value: Any) -> bytes:
    if value is None:
        return b"\xf6"
    if value is True:
        return b"\xf5"
    if value is False:
        return b"\xf4"
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, dt.datetime):
        return _head(6, 1) + encode(value.timestamp())
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _head(3, len(raw)) + raw
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(encode(v) for v in value)
    if isinstance(value, dict):
        return _head(5, len(value)) + b"".join(encode(k) + encode(v) for k, v in value.items())
    raise TypeError(f"cannot encode {type(value).__name__}")


def _head(major: int, argument: int) -> bytes:
    if argument < 24:
        return bytes([major << 5 | argument])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * size):
            return bytes([major << 5 | info]) + argument.to_bytes(size, "big")
    raise ValueError("argument too large")
