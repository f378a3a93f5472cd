"""JSON for the modules that still import it here: the implementation is in ``_codec``.

Only re-exports ``_codec``'s choice (orjson when installed), so the request path
and the endpoint functions decode with one implementation. Holds no code of its
own; remove it once its last importers (the client and the login) use ``_codec``.
"""

from axigen_async._codec import BACKEND, dumps, loads

__all__ = ["BACKEND", "dumps", "loads"]
