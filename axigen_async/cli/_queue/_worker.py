"""``axigen-async worker``: an arq worker that runs shards of accounts through the bulk engine.

Responsibility: open one ``AxigenClient`` (one connection pool) per process, run each
shard's not-yet-recorded accounts with ``fan_out`` at ``--concurrency``, record each
result exactly once, mark apply accounts as started (set if absent) before any write,
and hand a shard back to arq for a retry when the server looked down.
Must not: read a secret from Redis (jobs carry none), re-run an account the run has
recorded, or swallow a shard's failure (arq keeps it as the job's failed result, which
the coordinator re-enqueues).

arq's lock semantics, which recovery relies on: a worker that takes a job sets the
job's in-progress key for ``job_timeout + 10`` seconds and leaves the job in the queue
until it finishes; if the worker dies, the key expires and another worker takes the
job again (up to ``--max-tries`` tries). A job that runs past ``job_timeout`` is
cancelled and finished as failed. So a killed worker's shard restarts after about
``job_timeout + 10`` seconds, and a shard's time-out is seen by the coordinator.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from arq import Retry
from arq.worker import Worker, func
from redis.exceptions import RedisError

from axigen_async import AccountSession, AxigenClient
from axigen_async.bulk import BulkAccount, Outcome, fan_out
from axigen_async.cli._accounts import AccountsError, SharedSecret, load_shared_secret
from axigen_async.cli._apply import is_server_down, make_operation
from axigen_async.cli._audit import audit_account
from axigen_async.cli._common import EXIT_FAILED, EXIT_OK, Streams, UsageError, build_client
from axigen_async.cli._queue._records import input_error_record, result_record
from axigen_async.cli._queue._shards import read_shard
from axigen_async.cli._queue._store import (
    QUEUE_NAME,
    SHARD_FUNCTION,
    QueueError,
    RunKeys,
    connect,
    dumps,
    durability_warnings,
    loads,
    record_once,
)
from axigen_async.cli._spec import load_spec

T = TypeVar("T")

#: Requests of one audited account (login included), for the default job time-out.
CALLS_PER_ACCOUNT = 7
#: The largest shard the default job time-out allows for (the coordinator's maximum).
MAX_SHARD = 500
#: Seconds to wait before a shard whose server looked down is tried again.
RETRY_DEFER = 5.0
#: How long arq keeps a finished job's result (the coordinator reads failures from it).
KEEP_JOB_RESULT = 24 * 3600


def default_job_timeout(concurrency: int, deadline: float) -> float:
    """The time-out of a shard of :data:`MAX_SHARD` accounts whose calls all take ``deadline``."""
    return math.ceil(MAX_SHARD / concurrency) * CALLS_PER_ACCOUNT * deadline


class ShardRunner:
    """The state one worker process shares between its jobs: the client, the secret, specs."""

    def __init__(self, client: AxigenClient, shared: SharedSecret | None, concurrency: int) -> None:
        self.client = client
        self.shared = shared
        self.concurrency = concurrency
        # --concurrency bounds the accounts of the whole worker, whatever its --shards.
        self._slots = asyncio.Semaphore(concurrency)

    def _bounded(self, operation: Callable[[AccountSession], Awaitable[T]]) -> Any:
        async def bounded(session: AccountSession) -> T:
            async with self._slots:
                return await operation(session)

        return bounded

    async def run(self, ctx: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
        """One shard: arq's job function (``ctx["redis"]`` is the worker's pool)."""
        redis = ctx["redis"]
        keys = RunKeys(job["run"])
        command = job["command"]
        rows = list(
            read_shard(job["accounts"], job["offset"], job["count"], job["first_row"], self.shared)
        )
        recorded = await redis.smismember(keys.done, [str(row) for row, _, _ in rows])
        todo: dict[int, tuple[int, BulkAccount]] = {}
        written = 0
        for (row, account, email), done in zip(rows, recorded, strict=True):
            if done:
                continue
            if isinstance(account, AccountsError):
                record = input_error_record(command, email, str(account))
                written += await record_once(redis, keys, row, record)
            else:
                todo[id(account)] = (row, account)
        dry_run = bool(job.get("dry_run"))
        if command == "apply":
            # Read for every shard: a long-lived worker serves runs with different SPECs.
            operation: Any = make_operation(load_spec(job["spec"]), dry_run=dry_run)
            if not dry_run and todo:
                await _mark_started(redis, keys, [row for row, _ in todo.values()], ctx)
        else:
            operation = audit_account
        stopped = None
        async with fan_out(
            self.client,
            [account for _, account in todo.values()],
            self._bounded(operation),
            concurrency=self.concurrency,
            is_server_down_error=is_server_down,
        ) as results:
            async for result in results:
                if result.outcome is Outcome.NOT_ATTEMPTED:
                    continue  # not recorded: the shard's retry runs it
                row, _ = todo[id(result.account)]
                written += await record_once(redis, keys, row, result_record(command, result))
            stopped = results.stopped_reason
        if stopped is not None:
            raise Retry(defer=RETRY_DEFER)
        await redis.sadd(keys.shards_done, str(job["shard"]))
        return {"shard": job["shard"], "recorded": written, "rows": len(rows)}


async def _mark_started(redis: Any, keys: RunKeys, rows: list[int], ctx: dict[str, Any]) -> None:
    """Set each row's first-attempt mark if absent, before any write is sent.

    A row found marked by an earlier try was interrupted with its writes' outcome
    unknown: the apply operation runs again, and it reads and re-lists the current
    state before every write, so nothing already made is made twice.
    """
    mark = json.dumps({"try": ctx.get("job_try", 1), "at": round(time.time(), 3)})
    async with redis.pipeline(transaction=False) as pipe:
        for row in rows:
            pipe.hsetnx(keys.started, str(row), mark)
        await pipe.execute()


def _check(args: argparse.Namespace) -> None:
    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    if args.shards < 1:
        raise UsageError("--shards must be at least 1")
    if args.job_timeout is not None and args.job_timeout <= 0:
        raise UsageError("--job-timeout must be a positive number of seconds")
    if args.max_tries < 1:
        raise UsageError("--max-tries must be at least 1")


async def run_worker(
    args: argparse.Namespace, streams: Streams, client_options: Mapping[str, Any]
) -> int:
    """Serve shards until SIGINT/SIGTERM; 2 when Redis or an option is wrong.

    Raises:
        UsageError: a bad option, or Redis cannot be reached.
    """
    _check(args)
    try:
        shared = load_shared_secret(
            password_env=args.password_env,
            password_file=args.password_file,
            token_env=args.token_env,
            token_file=args.token_file,
        )
    except AccountsError as error:
        raise UsageError(str(error)) from None
    client = build_client(args, streams, client_options)
    try:
        redis = await connect(args.queue)
    except QueueError as error:
        await client.close()
        raise UsageError(str(error)) from None
    for warning in await durability_warnings(redis):
        print(f"warning: {warning}", file=streams.err)
    deadline = args.timeout if args.timeout is not None else 60.0
    job_timeout = args.job_timeout or default_job_timeout(args.concurrency, deadline)
    runner = ShardRunner(client, shared, args.concurrency)
    async with client:
        worker = Worker(
            functions=[func(runner.run, name=SHARD_FUNCTION)],
            redis_pool=redis,
            queue_name=QUEUE_NAME,
            max_jobs=args.shards,
            job_timeout=job_timeout,
            max_tries=args.max_tries,
            keep_result=KEEP_JOB_RESULT,
            poll_delay=0.2,
            job_serializer=dumps,
            job_deserializer=loads,
            handle_signals=True,
        )
        print(
            f"worker ready: {args.shards} shards at once, {args.concurrency} accounts per "
            f"shard at once, job time-out {job_timeout:g}s",
            file=streams.err,
            flush=True,
        )
        try:
            await worker.async_run()
        except asyncio.CancelledError:
            if worker.main_task is None or not worker.main_task.cancelled():
                raise
        except (RedisError, ConnectionError, TimeoutError) as error:
            print(
                f"Redis connection lost ({type(error).__name__}): the worker stops; its "
                "unfinished shards are taken again after their lock time-out",
                file=streams.err,
            )
            return EXIT_FAILED
        finally:
            with contextlib.suppress(RedisError, ConnectionError, TimeoutError):
                await worker.close()
    return EXIT_OK
