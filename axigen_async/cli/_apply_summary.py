"""The apply summary: counters over the journal entries of one run, and their lines.

Responsibility: put every ACCOUNTS row in exactly one bucket (changed, unchanged,
failed, need review, not attempted, skipped as done in the journal, duplicate row), so
the counts add up to the rows read; count the changes by kind and the failures by
error kind; keep bounded lists of the accounts needing review, of the restrictions met
and of what a re-read after an unknown outcome found; render them as plain lines;
give the exit status.
Must not: keep per-account data beyond those bounded lists, or hold a secret.

Exit status: 0 every account converged or had nothing to do (restrictions the account
has are reported, not reviewed); 1 some account failed or was not attempted; 3 some
account needs review and none failed.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from axigen_async.cli._common import EXIT_FAILED, EXIT_OK
from axigen_async.cli._journal import DONE, FAILED, UNKNOWN

#: Some account needs review (an unknown outcome, a conflict) and none failed.
EXIT_REVIEW = 3
#: Lines listed by name in each list of the summary; more are only counted.
REVIEW_LIST_LIMIT = 200


class _Listing:
    """A count and the first :data:`REVIEW_LIST_LIMIT` lines."""

    def __init__(self) -> None:
        self.count = 0
        self.lines: list[str] = []

    def add(self, line: str) -> None:
        self.count += 1
        if len(self.lines) < REVIEW_LIST_LIMIT:
            self.lines.append(line)

    def render(self, title: str) -> list[str]:
        if not self.count:
            return []
        out = [title, *(f"  {line}" for line in self.lines)]
        if self.count > len(self.lines):
            out.append(f"  ... and {self.count - len(self.lines)} more")
        return out


class ApplySummary:
    """Counters of one apply run (and the short lists of notable accounts)."""

    def __init__(self) -> None:
        self.changed = 0
        self.unchanged = 0
        self.failed_kinds: Counter[str] = Counter()
        #: Never started (the server looked down, or a stop): not journaled, --resume runs them.
        self.not_attempted = 0
        self.skipped = 0
        self.duplicates = 0
        self._review = _Listing()
        self._restricted = _Listing()
        self._resolved = _Listing()
        self.changes: Counter[str] = Counter()

    @property
    def failed(self) -> int:
        return sum(self.failed_kinds.values())

    @property
    def review_count(self) -> int:
        return self._review.count

    @property
    def total(self) -> int:
        """The rows accounted for: each in exactly one bucket."""
        return (
            self.changed
            + self.unchanged
            + self.failed
            + self.review_count
            + self.not_attempted
            + self.skipped
            + self.duplicates
        )

    @property
    def exit_status(self) -> int:
        if self.failed or self.not_attempted:
            return EXIT_FAILED
        return EXIT_REVIEW if self.review_count else EXIT_OK

    def needs_review(self, email: str, why: str) -> None:
        self._review.add(f"{email}: {why}")

    def resolved(self, email: str, what: str) -> None:
        """Note what the re-read of an account with an earlier unknown outcome found."""
        self._resolved.add(f"{email}: {what}")

    def count(self, entry: dict[str, Any]) -> None:
        """Count one account's journal entry in one bucket."""
        for change in entry["changes"]:
            self.changes[change["kind"]] += 1
        email = entry["email"]
        for restriction in entry.get("restricted", ()):
            self._restricted.add(f"{email}: {restriction}")
        if entry["status"] == UNKNOWN:
            self.needs_review(
                email,
                f"outcome unknown ({entry['error']['message']}); not re-sent blindly: "
                "the next run re-reads it once the call's deadline has passed",
            )
        elif entry["status"] == FAILED:
            self.failed_kinds[entry["error"]["kind"]] += 1
        elif entry["conflicts"]:
            self.needs_review(email, "; ".join(entry["conflicts"]))
        elif entry["status"] == DONE and entry["changes"]:
            self.changed += 1
        else:
            self.unchanged += 1

    def lines(self, *, dry_run: bool) -> list[str]:
        verb = "would change" if dry_run else "changed"
        not_attempted = f"{self.not_attempted} not attempted, " if self.not_attempted else ""
        duplicates = f", {self.duplicates} duplicate rows" if self.duplicates else ""
        out = [
            f"Accounts: {self.changed} {verb}, {self.unchanged} unchanged, "
            f"{self.failed} failed, {not_attempted}{self.review_count} need review, "
            f"{self.skipped} skipped (done in the journal){duplicates}; "
            f"{self.total} rows in all"
        ]
        if self.changes:
            out.append("Planned changes by kind:" if dry_run else "Changes by kind:")
            out.extend(f"  {kind}: {count}" for kind, count in sorted(self.changes.items()))
        if self.failed_kinds:
            out.append("Failed by error kind:")
            out.extend(f"  {kind}: {count}" for kind, count in sorted(self.failed_kinds.items()))
        out.extend(self._resolved.render("Re-read after an unknown outcome:"))
        out.extend(self._restricted.render("Left as the account's restrictions allow:"))
        out.extend(self._review.render("Needing review:"))
        return out
