"""The apply summary: counters over the journal entries of one run, and their lines.

Responsibility: count changed, unchanged, failed (by error kind), not attempted,
skipped and needing-review accounts and the changes by kind, keep a bounded list of
the accounts needing review, and render it all as plain lines.
Must not: keep per-account data beyond that bounded list, or hold a secret.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from axigen_async.cli._journal import DONE, FAILED, UNKNOWN

#: Accounts needing review listed by name in the summary; more are only counted.
REVIEW_LIST_LIMIT = 200


class ApplySummary:
    """Counters of one apply run (and the short list of accounts needing review)."""

    def __init__(self) -> None:
        self.changed = 0
        self.unchanged = 0
        self.failed_kinds: Counter[str] = Counter()
        #: Never started because the server looked down (not journaled: --resume runs them).
        self.not_attempted = 0
        self.skipped = 0
        self.review_count = 0
        self.review: list[str] = []
        self.changes: Counter[str] = Counter()

    @property
    def failed(self) -> int:
        return sum(self.failed_kinds.values())

    @property
    def all_done(self) -> bool:
        """Nothing failed, was left out, or needs review."""
        return not (self.failed or self.not_attempted or self.review_count)

    def needs_review(self, email: str, why: str) -> None:
        self.review_count += 1
        if len(self.review) < REVIEW_LIST_LIMIT:
            self.review.append(f"{email}: {why}")

    def count(self, entry: dict[str, Any]) -> None:
        """Count one account's journal entry."""
        for change in entry["changes"]:
            self.changes[change["kind"]] += 1
        email = entry["email"]
        if entry["status"] == UNKNOWN:
            self.needs_review(email, f"outcome unknown ({entry['error']['message']}); not re-sent")
        elif entry["status"] == FAILED:
            self.failed_kinds[entry["error"]["kind"]] += 1
        elif entry["conflicts"]:
            self.needs_review(email, "; ".join(entry["conflicts"]))
        if entry["status"] != FAILED:
            if entry["changes"]:
                self.changed += 1
            elif not entry["conflicts"] and entry["status"] == DONE:
                self.unchanged += 1

    def lines(self, *, dry_run: bool) -> list[str]:
        verb = "would change" if dry_run else "changed"
        not_attempted = f"{self.not_attempted} not attempted, " if self.not_attempted else ""
        out = [
            f"Accounts: {self.changed} {verb}, {self.unchanged} unchanged, "
            f"{self.failed} failed, {not_attempted}{self.review_count} need review, "
            f"{self.skipped} skipped (done in the journal)"
        ]
        if self.changes:
            out.append("Planned changes by kind:" if dry_run else "Changes by kind:")
            out.extend(f"  {kind}: {count}" for kind, count in sorted(self.changes.items()))
        if self.failed_kinds:
            out.append("Failed by error kind:")
            out.extend(f"  {kind}: {count}" for kind, count in sorted(self.failed_kinds.items()))
        if self.review_count:
            out.append("Needing review:")
            out.extend(f"  {line}" for line in self.review)
            if self.review_count > len(self.review):
                out.append(f"  ... and {self.review_count - len(self.review)} more")
        return out
