"""Audit and apply sharded over arq workers on a Redis queue (``--queue``, ``worker``).

The coordinator (``audit/apply --queue``) splits ACCOUNTS into shards of rows and
enqueues one arq job per shard with the id ``{command}:{run_id}:{shard}``; each
worker (``axigen-async worker``) runs a shard through the bulk engine and records
every account's result exactly once in the run's Redis stream; the coordinator
streams the records into the report, checkpointing so that ``--resume RUN_ID``
goes on after a crash. Credentials never go through Redis: jobs carry the
ACCOUNTS path, a byte offset and the rows' addresses; workers read secrets from
the file and their own ``--password-*``/``--token-*`` options.
"""
