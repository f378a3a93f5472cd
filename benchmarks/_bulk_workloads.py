"""The three bulk workloads that ``bench_bulk`` measures, and the accounts they run over.

Every workload runs the same five requests per account, at the same concurrency:

    POST /api/v1/login -> GET info -> GET aliases -> GET vacation -> POST /api/v1/logout

with ``Authorization`` (Basic) and ``X-Axigen-Session`` headers, decoding each JSON body:

* :func:`run_library`: ``fan_out`` over one ``AxigenClient`` (the sessions log in and out);
* :func:`run_raw`: hand-written aiohttp on one shared ``ClientSession`` (the same kind of
  pool as the library's), ``json.loads`` of each body;
* :func:`run_naive`: one ``aiohttp.ClientSession`` per account, logging in again on a 401.

The accounts come from generators, never lists, so a run holds only what is in flight.
Each workload returns the number of accounts it completed and raises on the first failure.
:func:`status_kib` reads a process's memory figures for the benchmarks that watch them.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable, Iterator
from ssl import SSLContext
from typing import Any, Final, TypeVar

import aiohttp

from axigen_async import AccountSession, AxigenClient
from axigen_async.api import account
from axigen_async.bulk import BulkAccount, fan_out

__all__ = [
    "CONCURRENCY",
    "PASSWORD",
    "bulk_accounts",
    "emails",
    "raw_http_session",
    "run_library",
    "run_naive",
    "run_raw",
    "status_kib",
]

T = TypeVar("T")

#: Accounts in flight at once, in every workload.
CONCURRENCY: Final = 100
#: The password of every account the fake server seeds.
PASSWORD: Final = "demo"
_DOMAIN: Final = "example.com"

_LOGIN: Final = "/api/v1/login"
_LOGOUT: Final = "/api/v1/logout"
_READS: Final = ("/api/v1/account/info", "/api/v1/account/aliases", "/api/v1/account/vacation")


# --- accounts ---------------------------------------------------------------------


def emails(count: int) -> Iterator[str]:
    """``user1@example.com`` .. ``user<count>@example.com``, generated one at a time."""
    for index in range(1, count + 1):
        yield f"user{index}@{_DOMAIN}"


def bulk_accounts(count: int) -> Iterator[BulkAccount]:
    """The same accounts as :func:`emails`, as the fan-out engine takes them."""
    for email in emails(count):
        yield BulkAccount.basic(email, PASSWORD)


def _basic(email: str) -> str:
    return "Basic " + base64.b64encode(f"{email}:{PASSWORD}".encode()).decode("ascii")


async def _pull_workers(
    items: Iterator[T], work: Callable[[T], Awaitable[None]], concurrency: int
) -> None:
    """Run ``work`` on every item, ``concurrency`` workers pulling from one shared iterator."""

    async def worker() -> None:
        for item in items:  # the iterator is shared: each step takes the next account
            await work(item)

    async with asyncio.TaskGroup() as group:
        for _ in range(concurrency):
            group.create_task(worker())


# --- (a) the library ----------------------------------------------------------------


async def _three_reads(session: AccountSession) -> None:
    await account.get_info(session)
    await account.list_aliases(session)
    await account.get_vacation(session)


async def run_library(client: AxigenClient, count: int) -> int:
    """``fan_out`` over ``count`` generated accounts; login and logout come with the session."""
    done = 0
    accounts = bulk_accounts(count)
    async with fan_out(client, accounts, _three_reads, concurrency=CONCURRENCY) as results:
        async for result in results:
            if not result.ok:
                raise RuntimeError(f"{result.account.email} failed: {result.error!r}")
            done += 1
    return done


# --- (b) hand-written aiohttp on one shared pool ----------------------------------------


def raw_http_session(ssl: SSLContext | bool = True) -> aiohttp.ClientSession:
    """The raw side's pool: the same limit, TLS and cookie jar as the library's."""
    connector = aiohttp.TCPConnector(limit=CONCURRENCY, ssl=ssl)
    return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())


async def _decode(response: aiohttp.ClientResponse) -> Any:
    if response.status != 200:
        raise RuntimeError(f"{response.method} {response.url.path} answered {response.status}")
    return json.loads(await response.read())


async def run_raw(http: aiohttp.ClientSession, base_url: str, count: int) -> int:
    """The five requests per account, by hand, over ``http``'s one pool."""
    login, logout = base_url + _LOGIN, base_url + _LOGOUT
    reads = [base_url + path for path in _READS]
    done = 0

    async def one(email: str) -> None:
        nonlocal done
        basic = _basic(email)
        async with http.post(login, headers={"Authorization": basic}) as response:
            sessid = (await _decode(response))["sessid"]
        headers = {"Authorization": basic, "X-Axigen-Session": sessid}
        for url in reads:
            async with http.get(url, headers=headers) as response:
                await _decode(response)
        async with http.post(logout, headers=headers) as response:
            if response.status != 200:
                raise RuntimeError(f"logout answered {response.status}")
            await response.read()
        done += 1

    await _pull_workers(emails(count), one, CONCURRENCY)
    return done


# --- (c) naive: one aiohttp session per account ---------------------------------------


async def _naive_login(http: aiohttp.ClientSession, url: str, basic: str) -> dict[str, str]:
    async with http.post(url, headers={"Authorization": basic}) as response:
        sessid = (await _decode(response))["sessid"]
    return {"Authorization": basic, "X-Axigen-Session": sessid}


async def run_naive(base_url: str, count: int, ssl: SSLContext | bool = True) -> int:
    """A new ``aiohttp.ClientSession`` (and so a new connection) for every account."""
    login, logout = base_url + _LOGIN, base_url + _LOGOUT
    reads = [base_url + path for path in _READS]
    done = 0

    async def one(email: str) -> None:
        nonlocal done
        basic = _basic(email)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ssl)) as http:
            headers = await _naive_login(http, login, basic)
            for url in reads:
                async with http.get(url, headers=headers) as response:
                    expired = response.status == 401
                    if not expired:
                        await _decode(response)
                if expired:  # log in again and retry once
                    headers = await _naive_login(http, login, basic)
                    async with http.get(url, headers=headers) as response:
                        await _decode(response)
            async with http.post(logout, headers=headers) as response:
                await response.read()
        done += 1

    await _pull_workers(emails(count), one, CONCURRENCY)
    return done


# --- memory, for the benchmarks that watch it --------------------------------------


def status_kib(field: str, pid: int | None = None) -> int | None:
    """A ``Vm*`` line (``VmRSS``, ``VmHWM``) of ``/proc/<pid>/status`` in KiB.

    ``pid`` None reads this process. None when the file or the line is missing
    (off Linux, or the process has ended).
    """
    path = f"/proc/{'self' if pid is None else pid}/status"
    try:
        with open(path, encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None
