"""The shards' arq jobs: enqueueing them, and enqueueing again those that failed.

Responsibility: enqueue one job per shard not done, with the deterministic id
``{command}:{run_id}:{shard}`` (arq leaves an existing id alone), and find shards whose
job failed (a time-out, a worker error) or vanished, to enqueue them again a bounded
number of times; then record their remaining rows as failed so that the run can end.
Must not: put a secret in a job (jobs carry a path, offsets and row numbers).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from arq.connections import ArqRedis
from arq.constants import job_key_prefix, result_key_prefix

from axigen_async.cli._queue._records import input_error_record
from axigen_async.cli._queue._shards import Shard, read_shard
from axigen_async.cli._queue._store import (
    QUEUE_NAME,
    SHARD_FUNCTION,
    RunKeys,
    job_id,
    record_once,
)

#: Times a failed shard is enqueued again before its remaining rows are recorded as failed.
MAX_REQUEUES = 3
#: How long an enqueued shard may wait for a worker before arq drops it.
JOB_EXPIRY = timedelta(days=7)


def shards(meta: dict[str, Any]) -> Iterator[Shard]:
    for number, (first_row, count, offset) in enumerate(meta["shards"]):
        yield Shard(number, first_row, count, offset)


def _job(keys: RunKeys, meta: dict[str, Any], shard: Shard) -> dict[str, Any]:
    return {
        "run": keys.run_id,
        "command": meta["command"],
        "accounts": meta["accounts"],
        "spec": meta["spec"],
        "shard": shard.number,
        "first_row": shard.first_row,
        "count": shard.count,
        "offset": shard.offset,
    }


async def enqueue(redis: ArqRedis, keys: RunKeys, meta: dict[str, Any]) -> None:
    """Enqueue every shard not done; a job id that exists (or has a result) is left alone."""
    done = {int(item) for item in await redis.smembers(keys.shards_done)}  # type: ignore[misc]
    for shard in shards(meta):
        if shard.number not in done:
            await redis.enqueue_job(
                SHARD_FUNCTION,
                _job(keys, meta, shard),
                _job_id=job_id(meta["command"], keys.run_id, shard.number),
                _queue_name=QUEUE_NAME,
                _expires=JOB_EXPIRY,
            )


class Requeuer:
    """Finds shards whose job failed (or vanished) and enqueues them again, a bounded number."""

    def __init__(self, redis: ArqRedis, keys: RunKeys, meta: dict[str, Any]) -> None:
        self.redis = redis
        self.keys = keys
        self.meta = meta
        self.requeued: dict[int, int] = {}

    async def check(self) -> None:
        done = {int(item) for item in await self.redis.smembers(self.keys.shards_done)}  # type: ignore[misc]
        pending = [shard for shard in shards(self.meta) if shard.number not in done]
        if not pending:
            return
        ids = [job_id(self.meta["command"], self.keys.run_id, s.number) for s in pending]
        async with self.redis.pipeline(transaction=False) as pipe:
            for item in ids:
                pipe.exists(job_key_prefix + item)
                pipe.exists(result_key_prefix + item)
            answers = await pipe.execute()
        for index, shard in enumerate(pending):
            queued, finished = answers[2 * index], answers[2 * index + 1]
            if queued and not finished:
                continue  # waiting or running
            if await self.redis.sismember(self.keys.shards_done, str(shard.number)):  # type: ignore[misc]
                continue  # it finished between the two reads
            await self._again(shard, ids[index])

    async def _again(self, shard: Shard, item: str) -> None:
        tries = self.requeued.get(shard.number, 0) + 1
        self.requeued[shard.number] = tries
        await self.redis.delete(result_key_prefix + item)
        if tries > MAX_REQUEUES:
            await self._give_up(shard)
            return
        await self.redis.enqueue_job(
            SHARD_FUNCTION,
            _job(self.keys, self.meta, shard),
            _job_id=item,
            _queue_name=QUEUE_NAME,
            _expires=JOB_EXPIRY,
        )

    async def _give_up(self, shard: Shard) -> None:
        """Record the shard's rows not yet done as failed, so that the run can end."""
        message = (
            f"its shard failed {MAX_REQUEUES + 1} times (a time-out or a worker error: "
            "see the workers' logs)"
        )
        command = self.meta["command"]
        rows = read_shard(self.meta["accounts"], shard.offset, shard.count, shard.first_row, None)
        for row, _account, email in rows:
            await record_once(
                self.redis,
                self.keys,
                row,
                input_error_record(command, email, message, "ShardFailed"),
            )
        await self.redis.sadd(self.keys.shards_done, str(shard.number))  # type: ignore[misc]
