"""The frozen value classes the endpoint functions take and return."""

from axigen_async.models import account
from axigen_async.models._base import OpenEnum

__all__ = ["OpenEnum", "account"]
