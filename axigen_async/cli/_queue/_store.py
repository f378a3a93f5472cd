"""The queue's Redis side: connecting, the run's keys, and recording a result exactly once.

Responsibility: open an arq pool with a JSON serializer (never pickle), fail fast
with a clear error when Redis does not answer, name a run's keys, record one
account's result atomically once per run (a Lua script: add the row to the run's
done-set and, only if it was new, append the record to the run's stream), and tell
whether the server keeps data safely (``appendonly yes``, ``noeviction``).
Must not: put a secret into Redis, or echo a ``--queue`` URL (it may hold a password).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import attrs
from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.exceptions import RedisError

#: The arq queue every worker of this tool reads.
QUEUE_NAME = "axigen-async:queue"
#: The arq function name of one shard's job.
SHARD_FUNCTION = "axigen_shard"

# KEYS[1] the run's done-set, KEYS[2] its results stream; ARGV[1] the row, ARGV[2] the record.
_RECORD_ONCE = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  return redis.call('XADD', KEYS[2], '*', 'i', ARGV[1], 'r', ARGV[2])
end
return false
"""


class QueueError(Exception):
    """Redis cannot be reached or used; the message never quotes the URL."""


def dumps(value: Any) -> bytes:
    """arq's serializer: JSON; what JSON cannot hold (an exception) becomes its type's name."""
    return json.dumps(value, default=lambda item: f"<{type(item).__name__}>").encode()


def loads(data: bytes) -> Any:
    return json.loads(data)


def settings(url: str) -> RedisSettings:
    """arq's settings for ``redis://HOST:PORT/DB`` (or ``rediss://``), failing fast.

    Raises:
        QueueError: not a Redis URL.
    """
    if not url.startswith(("redis://", "rediss://")):
        raise QueueError("--queue: expected redis://HOST:PORT/DB")
    try:
        parsed = RedisSettings.from_dsn(url)
    except (ValueError, TypeError):
        raise QueueError("--queue: not a valid redis:// URL") from None
    # One try with a short connect time-out: a missing server is a usage error at once.
    return dataclasses.replace(parsed, conn_retries=0, conn_timeout=3)


async def connect(url: str) -> ArqRedis:
    """An arq pool on ``url`` with the JSON serializer.

    Raises:
        QueueError: Redis does not answer (the message names no credential).
    """
    try:
        return await create_pool(
            settings(url),
            job_serializer=dumps,
            job_deserializer=loads,
            default_queue_name=QUEUE_NAME,
        )
    except (RedisError, OSError) as error:
        raise QueueError(f"cannot reach Redis at --queue ({type(error).__name__})") from None


@attrs.frozen
class RunKeys:
    """The Redis keys of one run."""

    run_id: str

    @property
    def meta(self) -> str:
        return f"axigen-async:run:{self.run_id}"

    @property
    def done(self) -> str:
        return f"axigen-async:run:{self.run_id}:done"

    @property
    def results(self) -> str:
        return f"axigen-async:run:{self.run_id}:results"

    @property
    def shards_done(self) -> str:
        return f"axigen-async:run:{self.run_id}:shards"

    @property
    def started(self) -> str:
        """apply: row -> the first attempt's mark, set if absent before any write."""
        return f"axigen-async:run:{self.run_id}:started"

    def all(self) -> tuple[str, ...]:
        return (self.meta, self.done, self.results, self.shards_done, self.started)


def job_id(command: str, run_id: str, shard: int) -> str:
    return f"{command}:{run_id}:{shard}"


async def record_once(redis: ArqRedis, keys: RunKeys, row: int, record: dict[str, Any]) -> bool:
    """Record one account's result unless this run has it; True when this call recorded it."""
    added = await redis.eval(  # type: ignore[misc]
        _RECORD_ONCE, 2, keys.done, keys.results, str(row), json.dumps(record, ensure_ascii=False)
    )
    return added is not None


async def durability_warnings(redis: ArqRedis) -> list[str]:
    """What makes this server unsafe for a run: no append-only file, or an eviction policy."""
    try:
        appendonly = await redis.config_get("appendonly")
        policy = await redis.config_get("maxmemory-policy")
    except RedisError:
        return ["cannot read the Redis configuration (CONFIG GET is refused); make sure it "
                "runs with appendonly yes and maxmemory-policy noeviction"]  # fmt: skip
    warnings = []
    if _value(appendonly, "appendonly") != "yes":
        warnings.append(
            "Redis runs without appendonly yes: a Redis restart loses the run's results"
        )
    if _value(policy, "maxmemory-policy") != "noeviction":
        warnings.append(
            "Redis's maxmemory-policy is not noeviction: it may drop a run's keys under memory "
            "pressure"
        )
    return warnings


def _value(answer: Any, name: str) -> str:
    value = answer.get(name, answer.get(name.encode(), b"")) if isinstance(answer, dict) else b""
    return value.decode() if isinstance(value, bytes) else str(value)
