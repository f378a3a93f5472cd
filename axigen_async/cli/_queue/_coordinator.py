"""The coordinator of ``audit/apply --queue``: enqueue the shards, stream the results in.

Responsibility: create a run (split ACCOUNTS, save the run's shards) or take one up
again from the report's checkpoint, have its shards enqueued, then read the run's
results stream into the report with the local run's progress display and summary,
checkpointing after every batch and having failed shards enqueued again (``_jobs``);
stop with a clear message when Redis goes away; expire the run's data when done.
Must not: read or send a secret (jobs carry a path, offsets and row numbers), or write
a record to the report twice (the checkpoint and the stream ids see to it).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import time
from typing import Any

from arq.connections import ArqRedis
from redis.exceptions import RedisError

from axigen_async.bulk import Progress
from axigen_async.cli._accounts import AccountsError, check_readable
from axigen_async.cli._apply_summary import ApplySummary
from axigen_async.cli._command_inputs import refuse_same_file
from axigen_async.cli._common import EXIT_FAILED, EXIT_OK, Streams, UsageError
from axigen_async.cli._journal import DONE, FAILED, header_entry, spec_fingerprint
from axigen_async.cli._progress import make_progress
from axigen_async.cli._queue._checkpoint import (
    Checkpoint,
    ResumableReport,
    checkpoint_path,
    load_checkpoint,
    save_checkpoint,
)
from axigen_async.cli._queue._jobs import Requeuer, enqueue
from axigen_async.cli._queue._shards import split
from axigen_async.cli._queue._store import (
    QueueError,
    RunKeys,
    connect,
)
from axigen_async.cli._spec import SpecError, load_spec
from axigen_async.cli._summary import AuditSummary, print_summary

#: Records read from the stream per round trip (and per checkpoint at most).
BATCH = 1000
#: Milliseconds one stream read waits for new records.
BLOCK_MS = 1000
#: Seconds between two looks at the shards' jobs for failures.
CHECK_INTERVAL = 2.0


class _Summary:
    """The local run's summary for the command, fed with the stream's records."""

    def __init__(self, command: str, streams: Streams, dry_run: bool) -> None:
        self.command = command
        self.streams = streams
        self.dry_run = dry_run
        self.audit = AuditSummary()
        self.apply = ApplySummary()
        self.succeeded = 0
        self.failed = 0

    def add(self, record: dict[str, Any], *, replay: bool = False) -> None:
        if self.command == "audit":
            self.audit.add(record)
            ok = bool(record["ok"])
        else:
            self.apply.count(record)
            ok = record["status"] == DONE
            if not replay and record["status"] == FAILED and record["error"] is not None:
                error = record["error"]
                print(
                    f"FAILED {record['email']}: {error['kind']}: {error['message']}",
                    file=self.streams.out,
                )
        if ok:
            self.succeeded += 1
        else:
            self.failed += 1

    def print_end(self) -> None:
        if self.command == "audit":
            print_summary(self.audit, self.streams.out)
        else:
            for line in self.apply.lines(dry_run=self.dry_run):
                print(line, file=self.streams.out)

    def exit_status(self) -> int:
        if self.command == "audit":
            return EXIT_FAILED if self.audit.failed else EXIT_OK
        return self.apply.exit_status


def _output(args: argparse.Namespace) -> str:
    return str(args.out if args.command == "audit" else args.journal)


def _check(args: argparse.Namespace) -> None:
    if args.command == "apply":
        if args.dry_run:
            raise UsageError("--queue runs no dry run: run the dry run without --queue")
        if not args.journal:
            raise UsageError("--queue needs --journal FILE: the run's journal is written there")
        if args.resume:
            raise UsageError("with --queue, continue a run with --resume-run RUN_ID")
        if not args.resume_run and os.path.exists(args.journal) and os.path.getsize(args.journal):
            # A new run writes its journal afresh: never lose an earlier run's.
            raise UsageError(
                f"--journal {args.journal} already holds entries: give a new file, or "
                "continue its run with --resume-run RUN_ID"
            )
    if not 1 <= args.shard_size <= 500:
        raise UsageError("--shard-size must be between 1 and 500")
    if args.keep_results <= 0:
        raise UsageError("--keep-results must be a positive number of hours")
    inputs = {"ACCOUNTS": args.accounts, "--ca-file": args.ca_file}
    inputs.update({"--password-file": args.password_file, "--token-file": args.token_file})
    if args.command == "apply":
        inputs["SPEC"] = args.spec
    # Before anything is opened for writing: a new run opens its report afresh ("wb").
    refuse_same_file("--out" if args.command == "audit" else "--journal", _output(args), inputs)


async def run_queued(args: argparse.Namespace, streams: Streams) -> int:
    """Run ``audit`` or ``apply`` over the queue; returns the exit status.

    Raises:
        UsageError: a bad option, an unknown run, or Redis unreachable at the start.
        AccountsError: ACCOUNTS is missing or malformed (before anything is enqueued).
    """
    _check(args)
    resume_id = args.resume if args.command == "audit" else args.resume_run
    try:
        redis = await connect(args.queue)
    except QueueError as error:
        raise UsageError(str(error)) from None
    run = resume_id or ""
    try:
        if resume_id:
            keys, meta, checkpoint = await _resumed(redis, args, resume_id)
        else:
            keys, meta, checkpoint = await _created(redis, args)
        run = keys.run_id
        print(
            f"Run {keys.run_id}: {meta['total']} accounts in {len(meta['shards'])} shards; "
            f"if this stops, run the same command with --resume"
            f"{'' if args.command == 'audit' else '-run'} {keys.run_id}",
            file=streams.err,
            flush=True,
        )
        await enqueue(redis, keys, meta)
        return await _collect(redis, keys, meta, checkpoint, args, streams)
    except (RedisError, OSError) as error:
        if isinstance(error, OSError) and not _is_connection(error):
            raise
        print(
            f"Redis connection lost ({type(error).__name__}): the run stopped; the report "
            f"holds every record up to its checkpoint. Once Redis is back, run the same "
            f"command with --resume{'' if args.command == 'audit' else '-run'} {run}",
            file=streams.err,
        )
        return EXIT_FAILED
    finally:
        await redis.aclose(close_connection_pool=True)


def _is_connection(error: OSError) -> bool:
    return isinstance(error, ConnectionError | TimeoutError)


async def _created(
    redis: ArqRedis, args: argparse.Namespace
) -> tuple[RunKeys, dict[str, Any], Checkpoint]:
    check_readable(args.accounts)
    shards = split(args.accounts, args.shard_size)
    keys = RunKeys(time.strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(4))
    meta = {
        "command": args.command,
        "accounts": _absolute(args.accounts),
        "spec": _absolute(args.spec) if args.command == "apply" else None,
        "total": sum(shard.count for shard in shards),
        "shards": [[shard.first_row, shard.count, shard.offset] for shard in shards],
        "keep_hours": args.keep_results,
    }
    await redis.set(keys.meta, json.dumps(meta))
    checkpoint = Checkpoint(keys.run_id, "0-0", 0, 0)
    # Saved before the report exists, so that a kill before the first batch can resume.
    # An apply run's journal starts with the header a local `apply --resume` checks.
    header = None
    if args.command == "apply":
        try:
            header = header_entry(spec_fingerprint(load_spec(args.spec).document))
        except SpecError as error:
            raise UsageError(f"SPEC {error}") from None
    fresh = ResumableReport(
        _output(args), resume_at=None, csv_allowed=args.command == "audit", first_line=header
    )
    with fresh as r:
        checkpoint = Checkpoint(keys.run_id, "0-0", r.sync(), 0)
    save_checkpoint(checkpoint_path(_output(args)), checkpoint)
    return keys, meta, checkpoint


async def _resumed(
    redis: ArqRedis, args: argparse.Namespace, run_id: str
) -> tuple[RunKeys, dict[str, Any], Checkpoint]:
    keys = RunKeys(run_id)
    stored = await redis.get(keys.meta)
    if stored is None:
        raise UsageError(f"run {run_id} is unknown to this Redis (or it expired)")
    meta: dict[str, Any] = json.loads(stored)
    if meta["command"] != args.command:
        raise UsageError(f"run {run_id} is an {meta['command']} run")
    checkpoint = load_checkpoint(checkpoint_path(_output(args)))
    if checkpoint is None or checkpoint.run_id != run_id:
        raise UsageError(f"{_output(args)} has no checkpoint of run {run_id}")
    return keys, meta, checkpoint


def _absolute(path: str) -> str:
    return os.path.abspath(path)


async def _collect(
    redis: ArqRedis,
    keys: RunKeys,
    meta: dict[str, Any],
    checkpoint: Checkpoint,
    args: argparse.Namespace,
    streams: Streams,
) -> int:
    total = int(meta["total"])
    summary = _Summary(args.command, streams, dry_run=False)
    await _replay(redis, keys, checkpoint, summary)
    received, last = checkpoint.records, checkpoint.stream_id
    output = _output(args)
    display = make_progress(streams.err, total, quiet=args.quiet, description=args.command)
    requeuer = Requeuer(redis, keys, meta)
    started = time.monotonic()
    last_check = started
    fresh = 0
    report = ResumableReport(
        output, resume_at=checkpoint.offset, csv_allowed=args.command == "audit"
    )
    with report, display:
        while received < total:
            answer = await redis.xread({keys.results: last}, count=BATCH, block=BLOCK_MS)
            for _stream, entries in answer or ():
                for entry_id, fields in entries:
                    record = json.loads(fields[b"r"])
                    report.write(record)
                    summary.add(record)
                    received += 1
                    fresh += 1
                    last = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
            if answer:
                save_checkpoint(
                    checkpoint_path(output), Checkpoint(keys.run_id, last, report.sync(), received)
                )
                elapsed = time.monotonic() - started
                display.update(
                    Progress(
                        done=received,
                        succeeded=summary.succeeded,
                        failed=summary.failed,
                        not_attempted=0,
                        in_flight=0,
                        elapsed=elapsed,
                        rate=fresh / elapsed if elapsed > 0 else 0.0,
                    )
                )
            if time.monotonic() - last_check >= CHECK_INTERVAL:
                last_check = time.monotonic()
                await requeuer.check()
    await _expire(redis, keys, float(meta["keep_hours"]))
    summary.print_end()
    print(f"Report: {output} ({received} records)", file=streams.out)
    streams.out.flush()
    return summary.exit_status()


async def _replay(
    redis: ArqRedis, keys: RunKeys, checkpoint: Checkpoint, summary: _Summary
) -> None:
    """Feed the summary the records the report already holds (those up to the checkpoint)."""
    start, seen = "-", 0
    while seen < checkpoint.records:
        entries = await redis.xrange(keys.results, start, checkpoint.stream_id, count=BATCH)
        if not entries:
            break
        for _entry_id, fields in entries:
            summary.add(json.loads(fields[b"r"]), replay=True)
            seen += 1
        last = entries[-1][0]
        start = "(" + (last.decode() if isinstance(last, bytes) else str(last))
    if seen != checkpoint.records:
        raise UsageError(
            f"run {keys.run_id}: Redis holds {seen} of the checkpoint's {checkpoint.records} "
            "records (its data expired or was lost); start a new run"
        )


async def _expire(redis: ArqRedis, keys: RunKeys, hours: float) -> None:
    seconds = max(1, round(hours * 3600))
    async with redis.pipeline(transaction=False) as pipe:
        for key in keys.all():
            pipe.expire(key, seconds)
        await pipe.execute()


__all__ = ["AccountsError", "run_queued"]
