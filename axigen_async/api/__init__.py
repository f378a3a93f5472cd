"""Endpoint functions, one module per section of the Mailbox API.

``from axigen_async.api import account`` then ``await account.get_info(session)``.
"""

from axigen_async.api import account

__all__ = ["account"]
