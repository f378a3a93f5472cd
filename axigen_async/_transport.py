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
from axigen_async._failures import Attempt, ambiguous_write, deadline_error, transport_failure
from axigen_async._retry import Failure, Timeouts
from axigen_async._watchdog import Watchdog
from axigen_async._wire import ApiRequest, RawResponse, RetryClass, redacted_excerpt

__all__ = ["DEFAULT_MAX_RESPONSE_SIZE", "Transport"]

logger = logging.getLogger("axigen_async")

_URL_CACHE_SIZE: Final = 256
#: Request bodies above this size (aiohttp's threshold for a warning) go as a stream.
_LARGE_BODY: Final = 1024 * 1024
#: The most of an error answer's body read: enough for its excerpt and for the
#: error pages of servers and proxies, whose connection then stays reusable.
_ERROR_BODY_LIMIT: Final = 64 * 1024
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
        self._max_error_body = min(max_response_size, _ERROR_BODY_LIMIT)
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
        response: aiohttp.ClientResponse | None = None
        # The body's blocks as they arrive: on a failure mid-body, what did arrive
        # serves for the excerpt.
        received: list[bytes] = []
        try:
            body = request.body
            data: bytes | io.BytesIO | None = body
            if body is not None and len(body) > _LARGE_BODY:
                # aiohttp warns of a bytes body this large; a stream of its own per
                # attempt still sends a retry the very same bytes.
                data = io.BytesIO(body)
            # Awaited and released by hand rather than used in ``async with``, whose
            # context managers cost three more coroutines a call for the same end: a
            # body read to its end has freed the connection, and a read that fails
            # or is cancelled closes it, so a half-read one is never reused.
            response = await http.request(
                request.method,
                url,
                headers=headers,
                data=data,
                timeout=timeout,
                allow_redirects=False,
                raise_for_status=False,
            )
            # An error answer is read for its excerpt only, so not far.
            size = self._max_body if response.status < 300 else self._max_error_body
            try:
                complete = await _read_body(response, size, received)
            finally:
                response.release()
            raw = _answer(response, received, attempt, headers)
            if not complete and raw.status < 300:
                failed = self._too_large(request, raw, attempt)
        except aiohttp.ClientError as error:
            if response is not None and response.status >= 300:
                # The status arrived, then the body broke off: the server's answer is
                # known all the same, and what came of the body makes its excerpt.
                raw = _answer(response, received, attempt, headers)
            else:
                excerpt = redacted_excerpt(request, b"".join(received), headers)
                status = response.status if response is not None else None
                failed = transport_failure(
                    request, error, attempt, status=status, body_excerpt=excerpt
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

    def _too_large(self, request: ApiRequest, raw: RawResponse, attempt: int) -> Attempt:
        """A successful answer cut at the size limit: it cannot be used, and sending
        again would bring the same answer, so the error is final.

        A write that would act twice did act (its status says so) yet cannot be
        confirmed from its answer: that is reported as such.
        """
        error: exc.AxigenError = exc.ResponseTooLargeError(
            f"the answer is larger than the client's max_response_size of {self._max_body} bytes",
            method=request.method,
            url=request.target,
            status=raw.status,
            attempts=attempt,
            body_excerpt=redacted_excerpt(request, raw.body, raw.sent_headers),
        )
        if request.retry_class is RetryClass.NOT_IDEMPOTENT:
            cause, error = error, ambiguous_write(request, attempt, error)
            error.__cause__ = cause
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


def _answer(
    response: aiohttp.ClientResponse,
    blocks: list[bytes],
    attempt: int,
    sent_headers: dict[str, str] | None,
) -> RawResponse:
    """The answer as the client's other layers take it."""
    status = response.status
    headers = response.headers
    return RawResponse(
        status,
        blocks[0] if len(blocks) == 1 else b"".join(blocks),
        headers.get("Content-Type", ""),
        headers.get("Retry-After") if status >= 400 else None,
        attempt,
        sent_headers,
    )


async def _read_body(response: aiohttp.ClientResponse, limit: int, blocks: list[bytes]) -> bool:
    """Read the body into ``blocks``, at most ``limit`` bytes; whether it was all read.

    A body over the limit is not read on (its connection is closed, never reused). A
    successful answer announced as longer is not read at all; any other is read up
    to the limit (an error answer, for the start its excerpt shows; one of unknown
    length, chunked or compressed, to find out).
    """
    length = response.content_length
    if length is not None and length > limit and response.status < 300:
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
