"""The converters: wire names, timestamps, open enums, strictness, round trips, explanations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from axigen_async import _codec
from axigen_async._codec import (
    MAX_ERROR_LINES,
    _make_converter,
    converter,
    explain,
    format_timestamp,
    parse_timestamp,
    to_camel,
)
from axigen_async.models import account as m
from axigen_async.models._base import OpenEnum

MINIMAL_INFO = {"accountName": "jane", "domainName": "example.com", "folderContainerId": "1"}


@pytest.mark.parametrize(
    ("snake", "camel"),
    [
        ("account_name", "accountName"),
        ("is_first_api_login", "isFirstApiLogin"),
        ("max_number_of_aliases", "maxNumberOfAliases"),
        ("age", "age"),
    ],
)
def test_attribute_names_map_to_wire_names(snake: str, camel: str) -> None:
    assert to_camel(snake) == camel


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        pytest.param("2026-12-01T09:30:00Z", datetime(2026, 12, 1, 9, 30, tzinfo=UTC), id="z"),
        pytest.param(
            "2026-12-01T11:30:00+02:00", datetime(2026, 12, 1, 9, 30, tzinfo=UTC), id="offset"
        ),
        pytest.param("2026-12-01T09:30:00", datetime(2026, 12, 1, 9, 30, tzinfo=UTC), id="naive"),
        pytest.param(1764581400, datetime(2025, 12, 1, 9, 30, tzinfo=UTC), id="unix-seconds"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="null"),
    ],
)
def test_timestamps_read_as_aware_utc(wire: object, expected: datetime | None) -> None:
    parsed = parse_timestamp(wire)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is UTC


def test_timestamps_are_written_in_utc_with_z() -> None:
    local = datetime(2026, 12, 1, 11, 30, tzinfo=timezone(timedelta(hours=2)))
    assert format_timestamp(local) == "2026-12-01T09:30:00Z"


def test_a_year_before_1000_is_written_with_four_digits() -> None:
    assert format_timestamp(datetime(5, 1, 2, 3, 4, 5, tzinfo=UTC)) == "0005-01-02T03:04:05Z"
    assert parse_timestamp("0005-01-02T03:04:05Z") == datetime(5, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_a_naive_timestamp_is_refused_on_the_way_out() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_timestamp(datetime(2026, 12, 1))


def test_missing_keys_take_defaults_and_new_keys_are_ignored() -> None:
    info = converter.structure({**MINIMAL_INFO, "someNewField": {"x": 1}}, m.AccountInfo)
    assert info.email == "jane@example.com"
    assert info.restrictions == m.Restrictions()
    assert info.restrictions.password_policy.expiration.date is None


def test_a_value_spelled_like_a_member_name_is_not_known() -> None:
    assert not m.SignatureType("HTML").is_known
    assert m.SignatureType("html") is m.SignatureType.HTML


@pytest.mark.parametrize("garbage", ["garbage", [], 5])
def test_a_nested_object_must_be_an_object(garbage: object) -> None:
    wire = {**MINIMAL_INFO, "restrictions": garbage}
    with pytest.raises(TypeError):
        converter.structure(wire, m.AccountInfo)
    assert explain(wire, m.AccountInfo) == ["expected a JSON object @ $.restrictions"]


@attrs.frozen
class _Empty:
    pass


@attrs.frozen
class _HoldsEmpty:
    name: str
    empty: _Empty = _Empty()


def test_an_empty_nested_class_still_checks_its_value_is_an_object() -> None:
    # Nothing in an empty class reads the wire value: cattrs' code alone would
    # take a string for it.
    fresh = _make_converter(detailed=False)
    assert fresh.structure({"name": "x", "empty": {}}, _HoldsEmpty) == _HoldsEmpty("x")
    with pytest.raises(Exception):  # noqa: B017, PT011 - cattrs' exception group
        fresh.structure({"name": "x", "empty": "junk"}, _HoldsEmpty)


def test_unknown_enum_values_are_kept_not_refused() -> None:
    alias = converter.structure({"emailAddress": "a@x", "type": "forwardAlias"}, m.Alias)
    assert alias.type == "forwardAlias"
    assert not alias.type.is_known
    assert m.AliasType("mainAddress").is_known


def test_validation_errors_read_as_lines_with_paths() -> None:
    bad: dict[str, Any] = {
        **MINIMAL_INFO,
        "totalQuota": "lots",
        "autopurge": {"spam": "false"},
    }
    with pytest.raises(TypeError):
        converter.structure(bad, m.AccountInfo)
    lines = explain(bad, m.AccountInfo)
    assert "invalid value for type, expected int @ $.totalQuota" in lines
    assert "invalid value for type, expected bool @ $.autopurge.spam" in lines
    assert len(lines) == 2


def test_a_missing_required_key_is_reported() -> None:
    with pytest.raises(KeyError):
        converter.structure({"accountName": "x"}, m.AccountInfo)
    lines = explain({"accountName": "x"}, m.AccountInfo)
    assert "required field missing @ $.domainName" in lines
    assert "required field missing @ $.folderContainerId" in lines


aware = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))
text = st.text()
counts = st.integers(min_value=0, max_value=2**53)


def _model(cls: type[Any]) -> st.SearchStrategy[Any]:
    """Models with JSON-representable values: 53-bit ints, seconds-precision UTC times."""
    attrs.resolve_types(cls)
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for field in attrs.fields(cls):
        if attrs.has(field.type):
            fields[field.name] = _model(field.type)
        elif field.type is int:
            fields[field.name] = counts
        elif field.type is float:
            fields[field.name] = st.floats(min_value=0.0, max_value=1.0)
        elif field.type == datetime | None:
            fields[field.name] = st.none() | aware
    return st.builds(cls, **fields)


@pytest.mark.parametrize(
    "cls",
    [
        m.AccountInfo,
        m.ContactInfo,
        m.Alias,
        m.TemporaryAlias,
        m.SignatureSummary,
        m.Signature,
        m.Vacation,
        m.IndexInfo,
    ],
    ids=lambda cls: cls.__name__,
)
# No deadline: the first example also pays for cattrs generating its code, and
# the deep AccountInfo strategy is slow to draw on a busy machine.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_models_round_trip_through_wire_json(cls: type[Any], data: st.DataObject) -> None:
    value = data.draw(_model(cls))
    wire = _codec.loads(_codec.dumps(converter.unstructure(value)))
    assert converter.structure(wire, cls) == value


def test_every_field_has_a_camel_case_wire_name() -> None:
    wire = converter.unstructure(m.Vacation(True, 7, False, True, True, "b"))
    assert set(wire) == {
        "enabled", "age", "applyAlways", "applyToExternal", "applyToInternal", "body",
        "subject", "startTime", "endTime",
    }  # fmt: skip
    assert attrs.fields(m.Vacation).apply_to_external.name == "apply_to_external"


JSON_VALUES = st.one_of(
    st.sampled_from([None, True, False, 0, 1, 1.0, 2.5, "", "false", "1", [], {}]),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=5),
    st.just("2026-12-01T09:30:00Z"),
    st.just("mandatory"),
    st.lists(st.sampled_from(["email", "sms", "x"]), max_size=3),
    st.just({}),
)


@st.composite
def _mutated_wire(draw: st.DrawFn, cls: type[Any]) -> Any:
    """A model's wire form with a few keys dropped or given other JSON values."""
    wire = _codec.loads(_codec.dumps(converter.unstructure(draw(_model(cls)))))
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        node = wire
        for _depth in range(draw(st.integers(min_value=0, max_value=3))):
            children = [key for key, value in node.items() if isinstance(value, dict) and value]
            if not children:
                break
            node = node[draw(st.sampled_from(sorted(children)))]
        if not node:
            continue
        key = draw(st.sampled_from(sorted(node)))
        if draw(st.booleans()):
            del node[key]
        else:
            node[key] = draw(JSON_VALUES)
    return wire


#: The converter that explains: it must accept and refuse exactly what the fast one does.
REFERENCE = _make_converter(detailed=True)


def _agree(wire: Any, cls: type[Any]) -> None:
    try:
        expected = REFERENCE.structure(wire, cls)
    except Exception:  # then the fast converter must refuse too, and be explained
        with pytest.raises(Exception):  # noqa: B017, PT011 - any refusal
            converter.structure(wire, cls)
        assert explain(wire, cls) != []
    else:
        got = converter.structure(wire, cls)
        assert (got, repr(got)) == (expected, repr(expected)), wire


@pytest.mark.slow  # 300 generated examples per model, over a second for the larger ones
@pytest.mark.parametrize(
    "cls",
    [m.AccountInfo, m.Vacation, m.Signature, m.TemporaryAlias, m.IndexInfo, m.SignatureUpdate],
    ids=lambda cls: cls.__name__,
)
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=300)
@given(data=st.data())
def test_the_fast_converter_agrees_with_the_detailed_one(
    cls: type[Any], data: st.DataObject
) -> None:
    _agree(data.draw(_mutated_wire(cls)), cls)


def _valid_wire(cls: type[Any]) -> dict[str, Any]:
    """The wire form of an instance built from defaults and simple required values."""
    attrs.resolve_types(cls)
    required: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if field.default is attrs.NOTHING:
            kind = field.type
            if isinstance(kind, type) and issubclass(kind, OpenEnum):
                required[field.name] = next(iter(kind))
            else:
                required[field.name] = {str: "x", int: 1, float: 0.5, bool: True}[kind]
    wire: dict[str, Any] = _codec.loads(_codec.dumps(converter.unstructure(cls(**required))))
    return wire


MODELS = [
    getattr(m, name)
    for name in m.__all__
    if attrs.has(getattr(m, name)) and name not in {"Avatar", "AvatarUpload"}
]
TRICKY: list[object] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1.0,
    2.5,
    "",
    "x",
    "false",
    "2026-12-01T09:30:00Z",
    [],
    {},
]


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_every_field_and_odd_value_agrees_between_the_converters(cls: type[Any]) -> None:
    base = _valid_wire(cls)
    for key in base:
        missing = {k: v for k, v in base.items() if k != key}
        for wire in [missing, *({**base, key: value} for value in TRICKY)]:
            _agree(wire, cls)


def test_decoded_models_behave_like_constructed_ones() -> None:
    import pickle

    wire = _valid_wire(m.AccountInfo)
    decoded = converter.structure(wire, m.AccountInfo)
    built = REFERENCE.structure(wire, m.AccountInfo)
    assert decoded == built
    assert hash(decoded) == hash(built)
    assert repr(decoded) == repr(built)
    assert pickle.loads(pickle.dumps(decoded)) == built
    assert attrs.evolve(decoded, used_quota=5).used_quota == 5
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        decoded.used_quota = 5  # type: ignore[misc]


def test_a_list_of_bad_items_is_explained_in_a_bounded_number_of_lines() -> None:
    bad_items = [1] * 5000
    with pytest.raises(TypeError):
        converter.structure(bad_items, tuple[m.Alias, ...])
    lines = explain(bad_items, tuple[m.Alias, ...])
    assert len(lines) == MAX_ERROR_LINES + 1
    assert lines[0] == "expected a JSON object @ $[0]"
    assert lines[MAX_ERROR_LINES - 1] == f"expected a JSON object @ $[{MAX_ERROR_LINES - 1}]"
    assert lines[-1] == f"and {5000 - MAX_ERROR_LINES} more items not checked"


def test_good_items_before_a_bad_one_are_not_reported() -> None:
    good = {"emailAddress": "a@x", "type": "mainAddress"}
    wire = [good] * 30 + [{"emailAddress": 5, "type": "mainAddress"}]
    assert explain(wire, tuple[m.Alias, ...]) == [
        "invalid value for type, expected str @ $[30].emailAddress"
    ]


@attrs.frozen
class _Wide:
    values: tuple[int, ...]


def test_a_value_with_many_problems_gets_at_most_the_bounded_lines() -> None:
    lines = explain({"values": ["x"] * 50}, _Wide)
    assert len(lines) == MAX_ERROR_LINES + 1
    assert lines[0] == "invalid value for type, expected int @ $.values[0]"
    assert lines[-1] == f"and {50 - MAX_ERROR_LINES} more problems"


SECRET = "Basic c2VjcmV0LXVzZXI6aHVudGVyMg=="


@pytest.mark.parametrize(
    "wire",
    [
        {**MINIMAL_INFO, "totalQuota": SECRET},
        {**MINIMAL_INFO, "autopurge": {"spam": SECRET}},
        {**MINIMAL_INFO, "restrictions": SECRET},
        {**MINIMAL_INFO, "restrictions": {"securityPolicy": {"twoFactorAuthPolicy": {
            "methods": SECRET}}}},
        {**MINIMAL_INFO, "restrictions": {"passwordPolicy": {"expiration": {"date": SECRET}}}},
        {**MINIMAL_INFO, "restrictions": {"passwordPolicy": {"contentPolicy": {
            "mustInclude": [SECRET]}}}},
    ],
)  # fmt: skip
def test_explanations_never_quote_the_value_found(wire: dict[str, Any]) -> None:
    lines = explain(wire, m.AccountInfo)
    assert lines
    assert not any("c2VjcmV0" in line for line in lines), lines
