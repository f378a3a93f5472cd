"""The error tree: context, pickling, and no secrets."""

from __future__ import annotations

import pickle

import pytest

from axigen_async import exceptions as exc

ALL_ERRORS = [
    getattr(exc, name)
    for name in exc.__all__
    if isinstance(getattr(exc, name), type) and issubclass(getattr(exc, name), Exception)
]


@pytest.mark.parametrize("cls", ALL_ERRORS, ids=lambda cls: cls.__name__)
def test_every_error_pickles_with_its_context(cls: type[exc.AxigenError]) -> None:
    error = cls(
        "it failed",
        method="POST",
        url="/api/v1/account/signatures",
        status=500,
        attempts=3,
        body_excerpt='{"error": {}}',
    )
    error.__cause__ = None
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert (copy.message, copy.method, copy.url, copy.status, copy.attempts) == (
        "it failed",
        "POST",
        "/api/v1/account/signatures",
        500,
        3,
    )
    assert copy.body_excerpt == '{"error": {}}'
    assert str(copy) == str(error)


def test_rate_limit_and_validation_extras_pickle() -> None:
    limited = pickle.loads(pickle.dumps(exc.RateLimitError("slow down", retry_after=2.5)))
    assert limited.retry_after == 2.5
    invalid = pickle.loads(
        pickle.dumps(exc.ResponseValidationError("bad", errors=["a @ $.x", "b @ $.y"]))
    )
    assert invalid.errors == ("a @ $.x", "b @ $.y")
    assert "a @ $.x" in str(invalid)


def test_every_error_derives_from_the_root() -> None:
    assert all(issubclass(cls, exc.AxigenError) for cls in ALL_ERRORS)


def test_timeouts_are_also_builtin_timeouts() -> None:
    assert issubclass(exc.DeadlineExceededError, TimeoutError)


def test_str_names_the_call() -> None:
    error = exc.NotFoundError("Axigen answered 404", method="GET", url="/x", status=404, attempts=1)
    assert str(error) == "Axigen answered 404 [GET /x -> 404, attempts=1]"
    assert error.kind == "NotFoundError"
