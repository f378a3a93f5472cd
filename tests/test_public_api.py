"""The public surface and the layering rules of the package."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import axigen_async
from axigen_async import exceptions
from axigen_async.api import account as account_api
from axigen_async.models import account as account_models

PACKAGE = Path(axigen_async.__file__).parent


@pytest.mark.parametrize(
    "module",
    [axigen_async, exceptions, account_api, account_models],
    ids=lambda m: m.__name__,
)
def test_all_is_sorted_and_every_name_exists(module: object) -> None:
    names = module.__all__  # type: ignore[attr-defined]
    assert list(names) == sorted(names)
    for name in names:
        assert hasattr(module, name), name


#: The documented top-level API: the client, the session, credentials, settings,
#: statistics, the ServerVersion model, every error, and the version. Adding a name
#: is a decision: make it here, in the README and in the CHANGELOG.
DOCUMENTED = {
    "AccountSession",
    "AxigenClient",
    "BasicAuth",
    "BearerAuth",
    "ClientStatistics",
    "Credentials",
    "RetryPolicy",
    "ServerVersion",
    "Timeouts",
    "__version__",
    # the errors, exceptions.__all__ (checked below)
    "AmbiguousWriteError",
    "ApiError",
    "AuthenticationError",
    "AxigenError",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "ConnectError",
    "ConnectTimeoutError",
    "ConnectionLostError",
    "DeadlineExceededError",
    "LoginError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "ServerError",
    "ServerUnavailableError",
    "TransportError",
}


def test_the_top_level_exports_exactly_the_documented_api() -> None:
    assert set(axigen_async.__all__) == DOCUMENTED
    assert len(axigen_async.__all__) == len(DOCUMENTED)  # each name once


def test_every_public_error_is_exported_at_the_top() -> None:
    assert set(exceptions.__all__) <= set(axigen_async.__all__)


def test_the_request_values_stay_private() -> None:
    """ApiRequest and RawResponse are the chain's, not part of the public API."""
    for module in (axigen_async, exceptions, account_api, account_models):
        assert not {"ApiRequest", "RawResponse"} & set(module.__all__)


def test_a_session_s_request_count_is_read_only() -> None:
    client = axigen_async.AxigenClient("http://127.0.0.1:9")
    session = client.session(axigen_async.BasicAuth("jane@example.com", "pw"))
    assert session.requests_attempted == 0
    with pytest.raises(AttributeError):
        session.requests_attempted = 5  # type: ignore[misc]


def test_every_endpoint_of_the_account_page_has_a_function() -> None:
    expected = {
        "get_info", "get_contact_info", "update_contact_info", "list_aliases",
        "list_temporary_aliases", "create_temporary_alias", "delete_temporary_alias",
        "list_signatures", "create_signature", "get_signature", "update_signature",
        "delete_signature", "get_avatar", "update_avatar", "delete_avatar", "get_vacation",
        "set_vacation", "set_password", "reset_password", "get_index_info",
    }  # fmt: skip
    assert expected <= set(account_api.__all__)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def _imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


PURE_MODULES = ["_wire", "_policy", "_redact", "_auth", "_codec", "_outcomes", "exceptions"]


@pytest.mark.parametrize("name", PURE_MODULES)
def test_pure_modules_do_no_io(name: str) -> None:
    imported = _imports(PACKAGE / f"{name}.py")
    assert not {"aiohttp", "asyncio", "socket"} & {m.split(".")[0] for m in imported}


def test_models_know_nothing_of_the_wire_or_the_network() -> None:
    for path in (PACKAGE / "models").glob("*.py"):
        imported = _imports(path)
        assert not any(
            m.startswith(("axigen_async._", "aiohttp", "cattrs"))
            for m in imported - {"axigen_async.models._base"}
        ), path


def test_only_the_endpoint_functions_use_the_converter() -> None:
    users = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if "axigen_async._codec" in _imports(path) and "converter" in _imported_names(path)
    }
    assert users <= {"api/account.py"}


def test_every_module_imports() -> None:
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="axigen_async."):
        if info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)
