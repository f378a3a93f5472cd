"""One attempt over aiohttp: the only code that sends a request.

``Transport`` sends one prepared request on the shared ``aiohttp.ClientSession``
with one time limit per attempt, reads the whole answer, and turns aiohttp's
failures into an ``Attempt`` that says whether the request may have left. It
must not decide about retries, sessions or payloads.
"""

from __future__ import annotations

import asyncio
import io
import logging
import math
from collections.abc import Callable
from typing import Final

import aiohttp
from yarl import URL

from axigen_async import exceptions as exc
from axigen_async._auth import header_secrets
from axigen_async._failures import Attempt, deadline_error, transport_failure
from axigen_async._retry import Failure, Timeouts
from axigen_async._watchdog import Watchdog
from axigen_async._wire import ApiRequest, RawResponse, body_excerpt

__all__ = ["DEFAULT_MAX_RESPONSE_SIZE", "Transport"]

logger = logging.getLogger("axigen_async")

_URL_CACHE_SIZE: Final = 256
#: Request bodies above this size (aiohttp's threshold for a warning) go as a stream.
_LARGE_BODY: Final = 1024 * 1024
#: The largest answer body read by default (8 MiB): far above any Account answer,
#: an avatar included, and a bound on what a broken or hostile server can make
#: the client hold.
DEFAULT_MAX_RESPONSE_SIZE: Final = 8 * 1024 * 1024
#: How much later than its connect timer the watchdog ends an attempt, so the two
#: do not race (a call may overrun its deadline by this much, on a loop that
#: keeps up; see Watchdog._expire for one that stalls).
_TIMER_TICK: Final = 0.05


class Transport:
    """Sends requests on one aiohttp session, given by :meth:`open` when the client opens."""

    def __init__(
        self,
        base_url: str,
        timeouts: Timeouts,
        clock: Callable[[], float],
        *,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
    ) -> None:
        self._base = base_url
        self._timeouts = timeouts
        self._clock = clock
        self._max_body = max_response_size
        self._attempt_timeout = _aiohttp_timeout(timeouts.attempt, timeouts.connect)
        # Full URLs of the paths called most (the fixed ones come first), built once.
        self._urls: dict[str, URL] = {}
        self.http: aiohttp.ClientSession | None = None
        self._watchdog: Watchdog | None = None
        #: Requests sent so far, and on the wire (or waiting for a connection) now.
        self.requests = 0
        self.in_flight = 0

    def open(self, http: aiohttp.ClientSession, loop: asyncio.AbstractEventLoop) -> None:
        """Send on ``http`` from now on, with attempts limited on ``loop``."""
        self.http = http
        self._watchdog = Watchdog(loop)

    async def send(
        self,
        request: ApiRequest,
        headers: dict[str, str] | None,
        deadline: float,
        attempt: int,
    ) -> RawResponse:
        """Send once and read the whole answer; map transport failures to ``Attempt``."""
        remaining = deadline - self._clock()
        if remaining <= 0:
            raise Attempt(deadline_error(request, attempt), Failure.NOT_SENT)
        # An attempt has one limit: Timeouts.attempt, or the time left of the
        # deadline if that is less. aiohttp's connect timer gets the limit for
        # waiting for a pooled connection and connecting (it is armed only when
        # no pooled connection is free), so a request still waiting when it runs
        # out is known never to have left (NOT_SENT). The client's watchdog ends
        # the whole attempt a tick later, when it may have been sent: one timer
        # for every attempt in flight, where aiohttp's total timeout would arm
        # one per request (a tenth of a request's CPU).
        timeout = self._attempt_timeout
        limit = self._timeouts.attempt
        if remaining < limit:
            limit = remaining
            timeout = _aiohttp_timeout(limit, min(self._timeouts.connect, limit))
        if request.content_type is not None:
            headers = {**(headers or {}), "Content-Type": request.content_type}
        url = self._urls.get(request.target)
        if url is None:
            url = URL(self._base + request.target, encoded=True)
            if len(self._urls) < _URL_CACHE_SIZE:
                self._urls[request.target] = url
        http, watchdog = self.http, self._watchdog
        assert http is not None
        assert watchdog is not None
        watch = watchdog.watch(limit + _TIMER_TICK)
        debug = logger.isEnabledFor(logging.DEBUG)
        started = self._clock() if debug else 0.0
        self.requests += 1
        self.in_flight += 1
        failed: Attempt | None = None
        status = 0
        # The body's blocks as they arrive: on a failure mid-body, what did arrive
        # becomes the error's excerpt.
        received: list[bytes] = []
        try:
            # Awaited and released by hand rather than used in ``async with``, whose
            # context managers cost three more coroutines a call for the same end: a
            # body read to its end has freed the connection, and a read that fails
            # or is cancelled closes it, so a half-read one is never reused.
            data: bytes | io.BytesIO | None = request.body
            if data is not None and len(data) > _LARGE_BODY:
                # aiohttp warns of a bytes body this large; a stream of its own per
                # attempt still sends a retry the very same bytes.
                data = io.BytesIO(data)
            response = await http.request(
                request.method,
                url,
                headers=headers,
                data=data,
                timeout=timeout,
                allow_redirects=False,
                raise_for_status=False,
            )
            status = response.status
            try:
                complete = await _read_body(response, self._max_body, received)
            finally:
                response.release()
            body = received[0] if len(received) == 1 else b"".join(received)
            if not complete:
                failed = self._too_large(request, status, body, headers, attempt)
            response_headers = response.headers
            raw = RawResponse(
                status,
                body,
                response_headers.get("Content-Type", ""),
                response_headers.get("Retry-After") if status >= 400 else None,
                attempt,
            )
        except aiohttp.ClientError as error:
            failed = transport_failure(
                request,
                error,
                attempt,
                status=status or None,
                body_excerpt=body_excerpt(b"".join(received), header_secrets(headers))
                if received
                else "",
            )
        except asyncio.CancelledError:
            if not watch.timed_out():
                raise  # cancelled by someone else: not ours to turn into an error
            failed = self._timed_out(request, attempt, limit, remaining)
        finally:
            watchdog.release(watch)
            self.in_flight -= 1
        if failed is not None:
            if isinstance(failed.error, exc.ConnectTimeoutError) and self._clock() >= deadline:
                # The call ran out of time, still connecting: the cause says so, and
                # fan_out's server-down test counts it as a connection that failed.
                expired = deadline_error(request, attempt)
                expired.__cause__ = failed.error
                failed = Attempt(expired, Failure.NOT_SENT)
            raise failed
        if debug:
            logger.debug(
                "%s %s -> %d (attempt %d, %.1f ms)",
                request.method,
                request.target,
                raw.status,
                attempt,
                (self._clock() - started) * 1000.0,
            )
        return raw

    def _too_large(
        self,
        request: ApiRequest,
        status: int,
        body: bytes,
        headers: dict[str, str] | None,
        attempt: int,
    ) -> Attempt | None:
        """A body cut at the size limit: an error for a success, an excerpt for an error.

        An error answer needs only its excerpt, so its status stands; a successful
        one cannot be used, and sending again would bring the same answer.
        """
        if status >= 300:
            return None
        error = exc.ResponseTooLargeError(
            f"the answer is larger than the client's max_response_size of {self._max_body} bytes",
            method=request.method,
            url=request.target,
            status=status,
            attempts=attempt,
            body_excerpt=body_excerpt(body, (*request.secrets, *header_secrets(headers))),
        )
        return Attempt(error, Failure.MAYBE_SENT, final=True)

    @staticmethod
    def _timed_out(request: ApiRequest, attempt: int, limit: float, remaining: float) -> Attempt:
        """The watchdog ended the attempt: the request may have been sent."""
        if limit < remaining:
            slow = exc.RequestTimeoutError(
                f"the attempt took longer than {limit:g} s",
                method=request.method,
                url=request.target,
                attempts=attempt,
            )
            return Attempt(slow, Failure.MAYBE_SENT)
        return Attempt(deadline_error(request, attempt), Failure.MAYBE_SENT)


async def _read_body(response: aiohttp.ClientResponse, limit: int, blocks: list[bytes]) -> bool:
    """Read the body into ``blocks``, at most ``limit`` bytes; whether it was all read.

    A body over the limit is not read on (its connection is closed, never reused):
    one announced as longer is not read at all, and one of unknown length (chunked,
    or compressed) is read up to the limit.
    """
    length = response.content_length
    if length is not None and length > limit:
        response.close()
        return False
    content = response.content
    size = 0
    # Every block holds at least one byte, so the loop ends within limit + 1 blocks.
    for _ in range(limit + 2):
        block = await content.readany()
        if not block:
            return True
        size += len(block)
        if size > limit:
            blocks.append(block[: len(block) - (size - limit)])
            response.close()
            return False
        blocks.append(block)
    raise AssertionError("unreachable: a block is never empty before the end")


def _aiohttp_timeout(limit: float, connect: float) -> aiohttp.ClientTimeout:
    """aiohttp's timers for an attempt limited to ``limit`` seconds.

    No total timer: the watchdog ends the attempt. ``ceil_threshold`` is off:
    aiohttp would otherwise round a timer longer than 5 s up to a whole second,
    past the watchdog's tick, and a request still waiting for a connection
    would look as if it may have been sent.
    """
    return aiohttp.ClientTimeout(
        total=None, connect=limit, sock_connect=connect, ceil_threshold=math.inf
    )
