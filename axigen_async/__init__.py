"""axigen-async: an asyncio client for the Axigen Mailbox REST API.

::

    from axigen_async import AxigenClient, BasicAuth
    from axigen_async.api import account

    async with AxigenClient("https://mail.example.com") as client:
        async with client.session(BasicAuth("user@example.com", "secret")) as s:
            info = await account.get_info(s)

The endpoint functions live in :mod:`axigen_async.api`, the models in
:mod:`axigen_async.models`, the errors in :mod:`axigen_async.exceptions`, and a
stateful fake server for tests in :mod:`axigen_async.testing`.
"""

from axigen_async._auth import BasicAuth, BearerAuth, Credentials
from axigen_async._client import AxigenClient, ClientStatistics
from axigen_async._policy import RetryPolicy, Timeouts
from axigen_async._session import AccountSession
from axigen_async._version import __version__
from axigen_async.exceptions import (
    AmbiguousWriteError,
    ApiError,
    AuthenticationError,
    AxigenError,
    BadRequestError,
    ClientClosedError,
    ConflictError,
    ConnectError,
    ConnectionLostError,
    ConnectTimeoutError,
    DeadlineExceededError,
    LoginError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ResponseTooLargeError,
    ResponseValidationError,
    ServerError,
    ServerUnavailableError,
    TransportError,
)
from axigen_async.models.server import ServerVersion

__all__ = [
    "AccountSession",
    "AmbiguousWriteError",
    "ApiError",
    "AuthenticationError",
    "AxigenClient",
    "AxigenError",
    "BadRequestError",
    "BasicAuth",
    "BearerAuth",
    "ClientClosedError",
    "ClientStatistics",
    "ConflictError",
    "ConnectError",
    "ConnectTimeoutError",
    "ConnectionLostError",
    "Credentials",
    "DeadlineExceededError",
    "LoginError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "RetryPolicy",
    "ServerError",
    "ServerUnavailableError",
    "ServerVersion",
    "Timeouts",
    "TransportError",
    "__version__",
]
