"""The server's own description: the value ``AxigenClient.server_version()`` returns.

A frozen value class only: no I/O, no wire parsing (the client reads the answer).
"""

from __future__ import annotations

import attrs

__all__ = ["ServerVersion"]


@attrs.frozen
class ServerVersion:
    """What ``GET /api/`` says of the server."""

    #: The Mailbox API's version, such as ``"1.0"``.
    api_version: str
    #: The Axigen server's version, such as ``"10.5.0"``.
    server_version: str
