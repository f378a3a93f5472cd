"""Pure request values: path building, multipart bodies, status mapping."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from yarl import URL

from axigen_async import exceptions as exc
from axigen_async._wire import (
    ApiRequest,
    RawResponse,
    RetryClass,
    api_error,
    api_path,
    body_excerpt,
    encode_multipart,
    encode_segment,
)

ids = st.text(min_size=1).filter(lambda s: s not in (".", ".."))


def test_api_path_joins_segments_under_the_api_prefix() -> None:
    assert api_path("account", "signatures", "abc") == "/api/v1/account/signatures/abc"


@pytest.mark.parametrize(
    ("segment", "encoded"),
    [
        pytest.param("a/b", "a%2Fb", id="slash"),
        pytest.param("../info", "..%2Finfo", id="dot-dot-slash"),
        pytest.param("100%", "100%25", id="percent"),
        pytest.param("a?b#c", "a%3Fb%23c", id="query-and-fragment"),
        pytest.param("é", "%C3%A9", id="utf8"),
    ],
)
def test_segments_are_escaped_whole(segment: str, encoded: str) -> None:
    assert encode_segment(segment) == encoded


@pytest.mark.parametrize("segment", ["", ".", ".."])
def test_segments_that_cannot_be_ids_are_refused(segment: str) -> None:
    with pytest.raises(ValueError, match="cannot be used as an id"):
        api_path("account", "signatures", segment)


def test_a_non_string_segment_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        api_path("account", 5)  # type: ignore[arg-type]


@given(ids)
def test_any_id_stays_one_segment_and_round_trips(raw_id: str) -> None:
    path = api_path("account", "signatures", raw_id)
    url = URL("http://127.0.0.1" + path, encoded=True)
    assert url.raw_parts[:5] == ("/", "api", "v1", "account", "signatures")
    assert len(url.raw_parts) == 6
    assert unquote(url.raw_parts[5]) == raw_id


def test_target_shows_the_query() -> None:
    request = ApiRequest(
        "GET",
        "/api/v1/account/indexinfo",
        RetryClass.SAFE,
        query=(("ids", "a b"), ("scope", "x/y")),
    )
    assert request.target == "/api/v1/account/indexinfo?ids=a%20b&scope=x%2Fy"


def test_multipart_body_holds_one_file_part() -> None:
    body, content_type = encode_multipart("avatar", 'pic"ture.png', "image/png", b"\x89PNGdata")
    assert content_type.startswith("multipart/form-data; boundary=")
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    parts = list(message.iter_parts())
    assert len(parts) == 1
    assert parts[0].get_content_type() == "image/png"
    assert parts[0].get_param("name", header="content-disposition") == "avatar"
    assert parts[0].get_filename() == "picture.png"
    assert parts[0].get_payload(decode=True) == b"\x89PNGdata"


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        pytest.param(400, exc.BadRequestError, id="400"),
        pytest.param(401, exc.AuthenticationError, id="401"),
        pytest.param(403, exc.PermissionDeniedError, id="403"),
        pytest.param(404, exc.NotFoundError, id="404"),
        pytest.param(405, exc.ApiError, id="405-generic"),
        pytest.param(409, exc.ConflictError, id="409"),
        pytest.param(429, exc.RateLimitError, id="429"),
        pytest.param(500, exc.ServerError, id="500"),
        pytest.param(503, exc.ServerError, id="503"),
    ],
)
def test_statuses_map_to_error_classes(status: int, cls: type[exc.ApiError]) -> None:
    request = ApiRequest("GET", "/api/v1/account/info", RetryClass.SAFE)
    error = api_error(request, RawResponse(status, b'{"error": {"code": "x"}}'), attempts=2)
    assert type(error) is cls
    assert (error.status, error.attempts, error.method) == (status, 2, "GET")
    assert error.url == "/api/v1/account/info"
    assert error.body_excerpt == '{"error": {"code": "x"}}'


def test_rate_limit_error_carries_retry_after() -> None:
    request = ApiRequest("GET", "/api/v1/account/info", RetryClass.SAFE)
    error = api_error(request, RawResponse(429, b""), attempts=1, retry_after=7.0)
    assert isinstance(error, exc.RateLimitError)
    assert error.retry_after == 7.0


def test_body_excerpt_is_short_and_on_one_line() -> None:
    request = ApiRequest("GET", "/api/v1/account/info", RetryClass.SAFE)
    error = api_error(request, RawResponse(500, b"line one\nline two " + b"x" * 1000), attempts=1)
    assert "\n" not in error.body_excerpt
    assert len(error.body_excerpt) <= exc.BODY_EXCERPT_LIMIT


def test_a_request_body_never_shows_in_its_repr() -> None:
    request = ApiRequest(
        "POST", "/api/v1/account/password/reset", RetryClass.NOT_IDEMPOTENT, body=b"hunter2"
    )
    assert "hunter2" not in repr(request)


# --- excerpts never carry a secret -------------------------------------------------------

BASIC = "dXNlckBleGFtcGxlLmNvbTpodW50ZXIy"  # user@example.com:hunter2


@pytest.mark.parametrize(
    ("body", "excerpt"),
    [
        pytest.param(
            b'{"sessid": "s3ss10n-id", "ok": true}',
            '{"sessid": <redacted>, "ok": true}',
            id="json-session-id",
        ),
        pytest.param(
            f"<pre>Authorization: Basic {BASIC}\r\nX-Axigen-Session: abc123</pre>".encode(),
            "<pre>Authorization: <redacted> X-Axigen-Session: <redacted></pre>",
            id="echoed-headers",
        ),
        pytest.param(
            b"proxy saw BEARER eyJhbGciOiJIUzI1NiJ9.e30.sig and dropped it",
            "proxy saw BEARER <redacted> and dropped it",
            id="bearer-anywhere",
        ),
        pytest.param(
            b'{"error": "bad", "newPassword": "p w", "oldPassword":\'q\'}',
            '{"error": "bad", "newPassword": <redacted>, "oldPassword":<redacted>}',
            id="password-fields",
        ),
        pytest.param(b"?_h=cookie-session&x=1", "?_h=<redacted>&x=1", id="cookie-session-query"),
        pytest.param(
            b"basic information: a Bearer authentication problem",
            "basic information: a Bearer authentication problem",
            id="prose-is-left-alone",
        ),
    ],
)
def test_an_excerpt_redacts_what_looks_like_a_credential(body: bytes, excerpt: str) -> None:
    assert body_excerpt(body) == excerpt


def test_an_excerpt_redacts_the_secrets_it_is_given_wherever_they_stand() -> None:
    body = b"<td>hunter2</td><td>s3ss10n</td> the password hunter2 is wrong"
    excerpt = body_excerpt(body, ("hunter2", "s3ss10n"))
    assert excerpt == "<td><redacted></td><td><redacted></td> the password <redacted> is wrong"


def test_a_secret_cut_by_the_excerpts_end_is_still_redacted() -> None:
    secret = "Z" * 50
    body = b"x" * (exc.BODY_EXCERPT_LIMIT - 5) + secret.encode() + b" more"
    excerpt = body_excerpt(body, (secret,))
    assert excerpt == "x" * (exc.BODY_EXCERPT_LIMIT - 5) + "<reda"


def test_a_header_whose_secret_was_given_reads_as_one_redaction() -> None:
    body = f"Authorization: Basic {BASIC}; sessid=s3ss-1d".encode()
    assert body_excerpt(body, (BASIC, "s3ss-1d")) == "Authorization: <redacted>; sessid=<redacted>"


def test_a_longer_secret_is_redacted_before_a_shorter_one_inside_it() -> None:
    assert body_excerpt(b"[abcdef]", ("abc", "abcdef")) == "[<redacted>]"


def test_an_error_excerpt_redacts_the_request_secrets_and_those_of_its_headers() -> None:
    request = ApiRequest(
        "POST",
        "/api/v1/account/password/set",
        RetryClass.NOT_IDEMPOTENT,
        body=b'{"newPassword":"N3w-pass"}',
        secrets=("N3w-pass",),
    )
    sent = {"Authorization": f"Basic {BASIC}", "X-Axigen-Session": "s3ss-1d"}
    body = b"N3w-pass is too weak for user:hunter2; session s3ss-1d kept"
    raw = RawResponse(400, body, sent_headers=sent)
    error = api_error(request, raw, attempts=1)
    assert error.body_excerpt == (
        "<redacted> is too weak for user:<redacted>; session <redacted> kept"
    )
    assert "N3w-pass" not in repr(request)
    assert "s3ss-1d" not in repr(raw)
    assert BASIC not in repr(raw)


@pytest.mark.parametrize(
    ("body", "secret", "excerpt"),
    [
        pytest.param(b'{"x": "a\\"b-S3cret"}', 'a"b-S3cret', '{"x": "<redacted>"}', id="json"),
        pytest.param(b"?q=a%2Fb%20S3cret&r=1", "a/b S3cret", "?q=<redacted>&r=1", id="url"),
        pytest.param(b"<i>a&amp;b-S3cret</i>", "a&b-S3cret", "<i><redacted></i>", id="html"),
    ],
)
def test_a_secret_is_redacted_in_the_spellings_a_body_may_use(
    body: bytes, secret: str, excerpt: str
) -> None:
    assert body_excerpt(body, (secret,)) == excerpt


@pytest.mark.parametrize(
    ("body", "excerpt"),
    [
        pytest.param(b'{"sessid":"S0123456789abcdef0123', '{"sessid":<redacted>', id="cut"),
        pytest.param(
            b'{"password": "ab\\"cd-TAIL", "n": 1}',
            '{"password": <redacted>, "n": 1}',
            id="escaped-quote",
        ),
    ],
)
def test_a_quoted_secret_is_redacted_whole_when_cut_off_or_escaped(
    body: bytes, excerpt: str
) -> None:
    assert body_excerpt(body) == excerpt


@pytest.mark.parametrize(
    "prose",
    [
        "password: must contain 8 characters",
        "requires Basic Authentication",
        "the session expired; log in again",
    ],
)
def test_words_after_a_secret_name_are_left_alone(prose: str) -> None:
    assert body_excerpt(prose.encode()) == prose


def test_a_secret_of_fewer_than_four_characters_is_left_to_the_patterns() -> None:
    assert body_excerpt(b"a seemingly eerie text", ("e",)) == "a seemingly eerie text"


@pytest.mark.parametrize("spaces", [4285, 4291, 4292])
def test_a_word_cut_by_the_scrub_window_is_dropped(spaces: int) -> None:
    # Spaces fold away, so the window's end comes into the excerpt: with 4285 it cuts
    # the secret in two, with 4291 it ends just before it, with 4292 inside the spaces.
    body = b"sent " + b" " * spaces + b"hunter2secret"
    assert body_excerpt(body, ("hunter2secret",)) == "sent"


def test_a_redirect_says_it_is_not_followed() -> None:
    request = ApiRequest("GET", "/api/v1/account/info", RetryClass.SAFE)
    error = api_error(request, RawResponse(302, b""), attempts=1)
    assert type(error) is exc.ApiError
    assert error.message == (
        "Axigen answered 302, a redirect, which is not followed "
        "(check base_url: http or https, host, port)"
    )
