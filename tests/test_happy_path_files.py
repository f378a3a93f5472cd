"""One ``get_info`` on a fresh session runs code from at most six library files.

Issue 13's measure of a request path a newcomer can read in one sitting: login,
GET and decode pass through the endpoint, the chain, the policy, the session's
state, the codec and the model. ``sys.setprofile`` records the file of every
Python frame run (a coroutine's resumption included) while the call is awaited.
The fake server runs in the same event loop, so its files are left out by path.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import FrameType

import axigen_async
from axigen_async import AccountSession, AxigenClient, BasicAuth, Timeouts
from axigen_async.api import account
from axigen_async.testing import FakeAccount, FakeAxigen
from tests.conftest import PASSWORD

ROOT = Path(axigen_async.__file__).resolve().parent
FAKE = ROOT / "testing"
ALLOWED = {
    "api/account.py",
    "_chain.py",
    "_policy.py",
    "_session.py",
    "_codec.py",
    "models/account.py",
}


class FileRecorder:
    """A profile function keeping the library files (fake server aside) whose code ran."""

    def __init__(self) -> None:
        self.files: set[str] = set()
        self._seen: dict[str, str | None] = {}  # every co_filename once: resolving is slow

    def __call__(self, frame: FrameType, event: str, arg: object) -> None:
        if event != "call":
            return
        filename = frame.f_code.co_filename
        if filename not in self._seen:
            self._seen[filename] = self._library_file(filename)
        relative = self._seen[filename]
        if relative is not None:
            self.files.add(relative)

    @staticmethod
    def _library_file(filename: str) -> str | None:
        path = Path(filename).resolve()
        if not path.is_relative_to(ROOT) or path.is_relative_to(FAKE):
            return None
        return path.relative_to(ROOT).as_posix()


async def _files_of_one_get_info(session: AccountSession) -> set[str]:
    recorder = FileRecorder()
    sys.setprofile(recorder)
    try:
        info = await account.get_info(session)
    finally:
        sys.setprofile(None)
    assert info.email == session.label  # the call did log in, send and decode
    return recorder.files


async def test_get_info_on_a_fresh_session_runs_at_most_six_library_files(
    session: AccountSession,
) -> None:
    assert session.requests_attempted == 0  # fresh: the login is part of the call
    files = await _files_of_one_get_info(session)
    assert session.logged_in
    assert files <= ALLOWED, f"outside the six: {sorted(files - ALLOWED)}"
    # The recorder does see the path (it would pass vacuously otherwise).
    assert {"api/account.py", "_chain.py", "_codec.py"} <= files


async def test_the_recorder_sees_files_outside_the_six(session: AccountSession) -> None:
    # Closing logs out through the chain's logout: the recorder must notice the
    # files it runs, so a path through more files would be caught.
    await account.get_info(session)
    recorder = FileRecorder()
    sys.setprofile(recorder)
    try:
        await session.client.close()
        await account.get_info(session)
    except axigen_async.AxigenError:
        pass
    finally:
        sys.setprofile(None)
    assert recorder.files - ALLOWED


async def test_an_attempt_cut_short_by_the_deadline_stays_within_the_six(
    fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    # The attempt's limit equals the deadline: the first attempt already has less
    # time left than a whole attempt, so its timers are built for the time left.
    timeouts = Timeouts(deadline=20.0, attempt=20.0)
    async with (
        AxigenClient(fake_axigen.url, timeouts=timeouts) as client,
        client.session(BasicAuth(jane.email, PASSWORD)) as session,
    ):
        files = await _files_of_one_get_info(session)
    assert files <= ALLOWED, f"outside the six: {sorted(files - ALLOWED)}"
