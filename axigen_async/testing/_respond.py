"""Fault responses of the fake Axigen server: what a decided action puts on the wire.

Responsibility: build the JSON error document, the answer of an injected ``FaultStatus``, send
a canned ``FaultAnswer`` (whole or chunked, however large), run a handler late for a ``FaultSlow``
answer, and cut a connection after the handler ran, before or in the middle of its
response.

Must not: decide which fault applies (``_faults``), touch accounts or sessions itself, or
write any credential into an answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Final

from aiohttp import web
from multidict import CIMultiDict

from ._actions import FaultAnswer, FaultStatus
from ._handlers import json_response, raw_json_response
from ._render import dump_json

# Chunks small enough that a 50 MB canned body goes out as many writes, each awaiting
# the transport's flow control, instead of one 50 MB buffer copy.
_WRITE_CHUNK: Final = 65_536
# How many bytes past the partial body a reset mid-response announces.
_MISSING_BYTES: Final = 64


def error_body(code: str, message: str) -> bytes:
    """The JSON error document in bytes."""
    return dump_json({"error": {"code": code, "message": message}})


def failure_response(failure: FaultStatus) -> web.Response:
    """The answer of an injected failure: the JSON error body unless one was given."""
    body = failure.body
    if body is None:
        payload = error_body("injectedFault", f"injected fault: HTTP {failure.status}")
        response = raw_json_response(payload, failure.status)
    elif isinstance(body, bytes | str):
        response = web.Response(body=body.encode() if isinstance(body, str) else body)
        response.set_status(failure.status)
    else:
        response = json_response(dict(body), failure.status)
    if failure.retry_after is not None:
        response.headers["Retry-After"] = str(failure.retry_after)
    return response


async def send_answer(request: web.Request, answer: FaultAnswer) -> web.StreamResponse:
    """Answer ``request`` with a canned response; a chunked one is written here."""
    headers = CIMultiDict(answer.headers)
    if not answer.chunked:
        return web.Response(status=answer.status, body=answer.body or None, headers=headers)
    stream = web.StreamResponse(status=answer.status, headers=headers)
    stream.enable_chunked_encoding()
    await stream.prepare(request)
    view = memoryview(answer.body)
    for start in range(0, len(view), _WRITE_CHUNK):  # bounded by the body's size
        await stream.write(view[start : start + _WRITE_CHUNK])
    await stream.write_eof()
    return stream


async def reset_connection(
    request: web.Request, response: web.StreamResponse, after_headers: bool
) -> web.StreamResponse:
    """Drop the connection after the handler ran; the client never gets a whole answer."""
    transport = request.transport
    if after_headers and transport is not None:
        body = response.body if isinstance(response, web.Response) else b""
        partial = bytes(body)[: len(body) // 2] if isinstance(body, bytes) else b""
        stream = web.StreamResponse(status=response.status, headers=response.headers)
        stream.content_length = len(partial) + _MISSING_BYTES
        await stream.prepare(request)
        await stream.write(partial)
        transport.close()
        return stream
    if transport is not None:
        transport.close()
    return response


def slowed(handler: Any, seconds: float) -> Callable[[web.Request], Any]:
    """``handler`` run ``seconds`` after its request's body was read, as a slow server does.

    Reading first matters when the client gives up during the wait: aiohttp then fails any
    later read of the body, so without it the write would silently never happen. A
    multipart body (the avatar) is left for its handler, which streams it.
    """

    async def run_slowly(request: web.Request) -> web.StreamResponse:
        if not request.content_type.startswith("multipart/"):
            await request.read()  # kept by aiohttp for the handler's own read
        await asyncio.sleep(seconds)
        return await handler(request)  # type: ignore[no-any-return]

    return run_slowly
