"""Credentials: header values, validation, and reprs that hide secrets."""

from __future__ import annotations

import base64

import pytest

from axigen_async import BasicAuth, BearerAuth
from axigen_async._auth import header_secrets


def test_basic_header_is_rfc7617_base64_of_user_and_password() -> None:
    auth = BasicAuth("jane@example.com", "pä:ss")
    scheme, token = auth.authorization.split(" ")
    assert scheme == "Basic"
    assert base64.b64decode(token).decode() == "jane@example.com:pä:ss"


def test_bearer_header_carries_the_token() -> None:
    assert BearerAuth("abc.def").authorization == "Bearer abc.def"


@pytest.mark.parametrize(
    "credentials",
    [
        pytest.param(BasicAuth("jane@example.com", "hunter2-secret"), id="basic"),
        pytest.param(BearerAuth("tok-hunter2-secret"), id="bearer"),
    ],
)
def test_repr_and_label_hide_the_secret(credentials: BasicAuth | BearerAuth) -> None:
    for text in (repr(credentials), str(credentials), credentials.label):
        assert "hunter2" not in text
        assert credentials.authorization.split(" ")[1] not in text


def test_bearer_label_is_a_stable_fingerprint() -> None:
    assert BearerAuth("t1").label == BearerAuth("t1").label != BearerAuth("t2").label


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        pytest.param("", "pw", "username must not be empty", id="empty-user"),
        pytest.param("a:b@example.com", "pw", "must not contain ':'", id="colon"),
        pytest.param("a@example.com", "", "password must not be empty", id="empty-password"),
        pytest.param("a@example.com", "p\r\nX-Evil: 1", "line breaks", id="header-injection"),
    ],
)
def test_basic_refuses_credentials_it_cannot_send(
    username: str, password: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        BasicAuth(username, password)


@pytest.mark.parametrize("token", ["", " padded", "two words", "a\nb"])
def test_bearer_refuses_tokens_it_cannot_send(token: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - several wordings
        BearerAuth(token)


def test_with_password_keeps_the_user() -> None:
    changed = BasicAuth("jane@example.com", "old").with_password("new")
    assert changed == BasicAuth("jane@example.com", "new")


def test_header_secrets_are_the_credentials_the_password_and_the_session_id() -> None:
    basic = BasicAuth("user@example.com", "hunter2")
    token = basic.authorization.partition(" ")[2]
    headers = {"Authorization": basic.authorization, "X-Axigen-Session": "s-42", "X": "y"}
    assert header_secrets(headers) == (token, "hunter2", "s-42")
    assert header_secrets({"Authorization": BearerAuth("tok.en").authorization}) == ("tok.en",)
    assert header_secrets(None) == ()
    assert header_secrets({"Authorization": "Basic !!not-base64"}) == ("!!not-base64",)
