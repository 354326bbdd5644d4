"""Reading a response body without ever holding more than the cap, compressed or not."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

import httpx

from ..errors import BodyTooLarge, BodyUndecodable

# The codings we ask for (Accept-Encoding) and inflate ourselves, bounded.
ACCEPT_ENCODING = "gzip, deflate"
_ZLIB_CODINGS = frozenset({"gzip", "x-gzip", "deflate"})


async def read_capped(response: httpx.Response, limit: int) -> bytes:
    """The decoded body of a streamed `response`, or BodyTooLarge once it passes `limit` bytes."""
    declared = response.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"body over {limit} bytes (Content-Length {declared})")
    codings = [
        c.strip().lower()
        for c in response.headers.get("content-encoding", "").split(",")
        if c.strip() and c.strip().lower() != "identity"
    ]
    if len(codings) == 1 and codings[0] in _ZLIB_CODINGS:
        # httpx would inflate each network chunk whole: 64 KiB of a gzip bomb becomes
        # ~64 MB in one call before we could count it. Inflating ourselves with
        # zlib's max_length keeps every step within the cap.
        return await _inflate_capped(response.aiter_raw(), codings[0], limit)
    # Identity, or a coding httpx decodes that we never ask for: count what comes out.
    chunks: list[bytes] = []
    total = 0
    try:
        async for chunk in response.aiter_bytes():
            total += len(chunk)
            if total > limit:
                raise BodyTooLarge(f"body over {limit} bytes")
            chunks.append(chunk)
    except httpx.DecodingError as exc:
        raise BodyUndecodable(f"undecodable body: {exc}") from None
    return b"".join(chunks)


async def _inflate_capped(raw: AsyncIterator[bytes], coding: str, limit: int) -> bytes:
    # wbits MAX_WBITS|32 accepts a gzip or a zlib header; "deflate" in the wild is
    # sometimes raw deflate without a header, so that gets one second chance.
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)
    raw_deflate_allowed = coding == "deflate"
    chunks: list[bytes] = []
    total = 0
    async for data in raw:
        try:
            # Asking for one byte more than the room left: getting it means over the cap.
            out = inflater.decompress(data, limit - total + 1)
        except zlib.error as exc:
            if not (raw_deflate_allowed and total == 0):
                raise BodyUndecodable(f"undecodable {coding} body: {exc}") from None
            inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            try:
                out = inflater.decompress(data, limit - total + 1)
            except zlib.error as exc2:
                raise BodyUndecodable(f"undecodable {coding} body: {exc2}") from None
        raw_deflate_allowed = False
        total += len(out)
        if total > limit:
            raise BodyTooLarge(f"body over {limit} bytes")
        chunks.append(out)
    try:
        out = inflater.flush()
    except zlib.error as exc:
        raise BodyUndecodable(f"undecodable {coding} body: {exc}") from None
    total += len(out)
    if total > limit:
        raise BodyTooLarge(f"body over {limit} bytes")
    chunks.append(out)
    return b"".join(chunks)
