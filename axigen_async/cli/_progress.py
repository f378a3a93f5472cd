"""Showing a fan-out's progress: a rich bar on a terminal, periodic plain lines otherwise.

Responsibility: turn the engine's ``Progress`` snapshots (from ``on_progress``) into
output on one stream, throttled, with a final line at the end.
Must not: print anything about an account (progress is counts only).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TextIO

from axigen_async.bulk import Progress

#: Seconds between two plain progress lines.
PLAIN_INTERVAL = 2.0


def format_progress(progress: Progress, total: int | None) -> str:
    """``done 500/1000, failed 3, in flight 50, 812.4 accounts/s``."""
    done = f"{progress.done}/{total}" if total is not None else f"{progress.done}"
    failed = progress.failed + progress.not_attempted
    return (
        f"done {done}, failed {failed}, in flight {progress.in_flight}, "
        f"{progress.rate:.1f} accounts/s"
    )


class ProgressDisplay:
    """A context manager whose ``update`` is the ``on_progress`` hook."""

    def update(self, progress: Progress) -> None:
        """Called after every result."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None


class PlainProgress(ProgressDisplay):
    """A line every ``interval`` seconds and one at the end."""

    def __init__(
        self,
        stream: TextIO,
        total: int | None,
        *,
        interval: float = PLAIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._total = total
        self._interval = interval
        self._clock = clock
        self._last_line = clock()
        self._latest: Progress | None = None

    def update(self, progress: Progress) -> None:
        self._latest = progress
        now = self._clock()
        if now - self._last_line >= self._interval:
            self._last_line = now
            self._emit(progress)

    def _emit(self, progress: Progress) -> None:
        print(format_progress(progress, self._total), file=self._stream, flush=True)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._latest is not None:
            self._emit(self._latest)


class RichProgress(ProgressDisplay):
    """A rich progress bar (a spinner and counts when the total is unknown)."""

    def __init__(self, stream: TextIO, total: int | None, description: str) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import (
            Progress as RichBar,
        )

        self._bar = RichBar(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=Console(file=stream),
            transient=False,
        )
        self._task: Any = self._bar.add_task(description, total=total, status="")
        self._total = total

    def update(self, progress: Progress) -> None:
        failed = progress.failed + progress.not_attempted
        status = f"failed {failed}, in flight {progress.in_flight}, {progress.rate:.0f}/s"
        self._bar.update(self._task, completed=progress.done, status=status)

    def __enter__(self) -> Self:
        self._bar.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._bar.stop()


def rich_available() -> bool:
    """Whether rich can be imported (it is the optional ``cli`` extra)."""
    try:
        import rich  # noqa: F401
    except ImportError:
        return False
    return True


def make_progress(
    stream: TextIO, total: int | None, *, quiet: bool, description: str
) -> ProgressDisplay:
    """No display when quiet; rich on a terminal when rich is installed; plain lines otherwise."""
    if quiet:
        return ProgressDisplay()
    if stream.isatty() and rich_available():
        return RichProgress(stream, total, description)
    return PlainProgress(stream, total)
