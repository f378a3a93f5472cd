"""The JSON backends: the standard library one reads what json.loads reads, and
both backends refuse the same non-documents."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from axigen_async import _codec

JSON_DOCUMENTS = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
WHITESPACE = st.text(alphabet=" \t\n\r", max_size=3)

NOT_DOCUMENTS = [
    pytest.param(b"", id="empty"),
    pytest.param(b" \n", id="only-whitespace"),
    pytest.param(b'{"a": 1} x', id="trailing-data"),
    pytest.param(b'{"a": 1}{}', id="two-documents"),
    pytest.param(b"[1,]", id="trailing-comma"),
    pytest.param(b"\xef\xbb\xbf{}", id="byte-order-mark"),
    pytest.param("{}".encode("utf-16"), id="utf-16"),
    pytest.param(b'"\xff"', id="invalid-utf-8"),
    pytest.param(b"nul", id="truncated-literal"),
    pytest.param(b"[" * 100_000, id="nested-too-deeply"),
    pytest.param(b" " + b"[" * 100_000, id="nested-too-deeply-after-whitespace"),
]
BACKENDS = [pytest.param(_codec.stdlib_loads, id="stdlib")]
if _codec.BACKEND == "orjson":
    BACKENDS.append(pytest.param(_codec.loads, id="orjson"))


@given(document=JSON_DOCUMENTS, before=WHITESPACE, after=WHITESPACE)
def test_stdlib_loads_reads_what_json_loads_reads(document: Any, before: str, after: str) -> None:
    text = before + json.dumps(document, ensure_ascii=False) + after
    assert _codec.stdlib_loads(text.encode()) == json.loads(text)
    assert _codec.stdlib_loads(text) == json.loads(text)


@given(document=JSON_DOCUMENTS)
def test_stdlib_dumps_writes_compact_utf8_json(document: Any) -> None:
    encoded = _codec.stdlib_dumps(document)
    assert json.loads(encoded.decode("utf-8")) == document
    assert encoded == json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


@pytest.mark.parametrize("loads", BACKENDS)
@pytest.mark.parametrize("data", NOT_DOCUMENTS)
def test_a_non_document_is_a_value_error(loads: Any, data: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each backend words it its own way
        loads(data)
