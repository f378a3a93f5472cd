"""The terminal forms of the output: rich tables and the rich progress bar."""

from __future__ import annotations

import io

from axigen_async.bulk import Progress
from axigen_async.cli._progress import PlainProgress, RichProgress, make_progress
from axigen_async.cli._summary import FLAGS, AuditSummary, print_summary


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as stdout does in a shell."""

    def isatty(self) -> bool:
        return True


def _record(percent: float | None, *, flagged: bool) -> dict[str, object]:
    checks: dict[str, object] = {key: flagged for key, _ in FLAGS}
    checks["quota_used_percent"] = percent
    return {"ok": True, "outcome": "ok", "checks": checks}


def _summary() -> AuditSummary:
    summary = AuditSummary()
    summary.add(_record(95.0, flagged=True))
    summary.add(_record(12.0, flagged=False))
    summary.add({"ok": False, "outcome": "failed", "error": {"kind": "LoginError"}})
    return summary


def test_on_a_terminal_the_summary_is_drawn_as_tables() -> None:
    terminal = Terminal()
    print_summary(_summary(), terminal)
    text = terminal.getvalue()
    assert "Audited 3 accounts: 2 succeeded, 1 failed" in text
    for title in ("Failed by error kind", "Quota use", "Findings"):
        assert title in text
    assert "LoginError" in text
    assert "█" in text


def test_elsewhere_the_summary_is_plain_lines() -> None:
    plain = io.StringIO()
    print_summary(_summary(), plain)
    text = plain.getvalue()
    assert "Over their quota threshold: 1" in text
    assert "█" not in text
    assert "\x1b[" not in text


def test_on_a_terminal_progress_is_a_rich_bar() -> None:
    terminal = Terminal()
    display = make_progress(terminal, 10, quiet=False, description="auditing")
    assert isinstance(display, RichProgress)
    with display:
        display.update(
            Progress(
                done=10,
                succeeded=9,
                failed=1,
                not_attempted=0,
                in_flight=0,
                elapsed=1.0,
                rate=10.0,
            )
        )
    text = terminal.getvalue()
    assert "auditing" in text
    assert "10/10" in text
    assert "failed 1" in text


def test_progress_is_plain_when_not_a_terminal_and_absent_when_quiet() -> None:
    assert isinstance(make_progress(io.StringIO(), 10, quiet=False, description="x"), PlainProgress)
    quiet = make_progress(Terminal(), 10, quiet=True, description="x")
    assert not isinstance(quiet, PlainProgress | RichProgress)


def test_with_no_account_audited_no_empty_table_is_drawn() -> None:
    summary = AuditSummary()
    summary.add({"ok": False, "outcome": "failed", "error": {"kind": "LoginError"}})
    terminal, plain = Terminal(), io.StringIO()

    print_summary(summary, terminal)
    print_summary(summary, plain)

    for text in (terminal.getvalue(), plain.getvalue()):
        assert "Audited 1 accounts: 0 succeeded, 1 failed" in text
        assert "LoginError" in text
        assert "Quota use" not in text
        assert "Findings" not in text
        assert "No account was audited" in text
