"""Turning models into request bodies and answers into models, for the api modules.

The only users of the converter: ``to_wire`` and ``json_request`` encode a
model as the JSON body of a request; ``structure`` and ``structure_list`` decode
an answer, raising ``ResponseValidationError`` with readable lines when it does
not have the documented shape. No I/O.
"""

from __future__ import annotations

from typing import Any, Final, TypeVar

from axigen_async import _json
from axigen_async._converter import converter, readable_errors
from axigen_async._wire import ApiRequest, RawResponse, RetryClass, redacted_excerpt
from axigen_async.exceptions import ResponseValidationError

__all__ = ["json_request", "structure", "structure_list", "to_wire"]

T = TypeVar("T")

_JSON: Final = "application/json"


def to_wire(value: object) -> dict[str, Any]:
    """A model as its wire dict (camelCase keys, UTC timestamps)."""
    wire: dict[str, Any] = converter.unstructure(value)
    return wire


def json_request(
    method: str,
    path: str,
    retry_class: RetryClass,
    body: dict[str, Any],
    *,
    secrets: tuple[str, ...] = (),
) -> ApiRequest:
    """A request whose body is ``body`` as JSON, encoded once for every attempt.

    ``secrets`` are values of ``body`` that must never show in an error's excerpt.
    """
    return ApiRequest(
        method, path, retry_class, body=_json.dumps(body), content_type=_JSON, secrets=secrets
    )


def _invalid(request: ApiRequest, raw: RawResponse, lines: list[str]) -> ResponseValidationError:
    return ResponseValidationError(
        "the answer does not have the documented shape",
        errors=lines,
        method=request.method,
        url=request.target,
        status=raw.status,
        attempts=raw.attempts,
        body_excerpt=redacted_excerpt(request, raw.body, raw.sent_headers),
    )


def _payload(request: ApiRequest, raw: RawResponse) -> Any:
    try:
        return _json.loads(raw.body)
    except ValueError:
        raise _invalid(request, raw, ["the body is not JSON"]) from None


def structure(request: ApiRequest, raw: RawResponse, cls: type[T]) -> T:
    """The answer's JSON object as a ``cls``."""
    payload = _payload(request, raw)
    if not isinstance(payload, dict):
        raise _invalid(request, raw, [f"expected a JSON object, got {type(payload).__name__}"])
    try:
        return converter.structure(payload, cls)
    except Exception as error:
        raise _invalid(request, raw, readable_errors(error)) from error


def structure_list(
    request: ApiRequest, raw: RawResponse, item: type[T], *, items: bool
) -> tuple[T, ...]:
    """The answer's array (top level, or under ``"items"`` when ``items``) as ``item`` values."""
    payload = _payload(request, raw)
    if items:
        if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
            raise _invalid(request, raw, ['expected a JSON object with an "items" array'])
        payload = payload["items"]
    elif not isinstance(payload, list):
        raise _invalid(request, raw, [f"expected a JSON array, got {type(payload).__name__}"])
    try:
        return converter.structure(payload, tuple[item, ...])  # type: ignore[valid-type]
    except Exception as error:
        raise _invalid(request, raw, readable_errors(error)) from error
