"""The frozen value classes the endpoint functions take and return.

``account`` holds every model of the Account endpoints (it re-exports those of
``avatar``). The models a caller sends check their fields on construction.
"""

from axigen_async.models import account, avatar
from axigen_async.models._base import OpenEnum

__all__ = ["OpenEnum", "account", "avatar"]
