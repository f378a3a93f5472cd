"""Sphinx configuration: autodoc from the docstrings, nothing fetched from the network."""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from axigen_async import __version__

project = "axigen-async"
author = "The axigen-async developers"
copyright = "2026, The axigen-async developers"
release = __version__
version = __version__

# No intersphinx, no remote theme, no remote images: CI builds offline.
# napoleon reads the "Raises:" and "Args:" sections the docstrings are written with.
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon"]
html_theme = "alabaster"
exclude_patterns = ["_build"]
# The README links into docs/ for readers on a forge; Sphinx builds only docs/.
root_doc = "index"
autodoc_default_options = {"members": True, "undoc-members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
nitpicky = True
# A builtin in a signature (``type[Exception]``) is looked up among every documented name,
# and the models' ``type`` attributes make that lookup ambiguous: the link is dropped,
# which is right for a builtin, so that one kind of warning is not an error.
suppress_warnings = ["ref.python"]
# Types of other libraries: without intersphinx they cannot be linked, and that is fine.
_OTHER_LIBRARIES = (
    "aiohttp|yarl|ssl|attrs|attr|cattrs|collections|typing|os|types|datetime|enum|asyncio"
    "|pathlib|logging"
)
_BUILTINS = (
    "int|str|bytes|float|bool|object|None|dict|list|tuple|set|frozenset|type|BaseException"
    "|Exception|TimeoutError|NoneType|Ellipsis"
)
nitpick_ignore_regex = [
    # The session's private state and logout hook, as AccountSession's constructor
    # annotates them (autodoc leaves those names unqualified).
    (r"py:class", r"(SessionState|Logout)"),
    (r"py:.*", rf"({_OTHER_LIBRARIES})(\..*)?"),
    (r"py:.*", rf"({_BUILTINS})"),
    # Type variables.
    (r"py:.*", r"(T|R|_T|_R|_I|_O|Item|Value|Result|Operation)"),
    # Pieces of a generic type that autodoc could not parse whole ("tuple[str"), and the
    # words before a colon in an attribute's comment, which napoleon takes for a type.
    (r"py:.*", r".*[\[\]\s].*"),
    # Private types that public signatures still mention, and nothing else private: the
    # chain's request and answer (``RetryPolicy.retries_status``), the session's state and
    # logout hook (``AccountSession``'s constructor, which only the client calls), the
    # client's shared state, the fake
    # server's mix-in base, random source, chaos mix and fault decision, and the type
    # variables of the bulk results. Every public name resolves, and so does every
    # reference between the pages.
    (
        r"py:.*",
        r"axigen_async\.(_wire\.(ApiRequest|RawResponse|RetryClass)|_pool\.Pool"
        r"|_session\.(SessionState|Logout)"
        r"|_bulk\w*\.T(_co)?"
        r"|testing\.(_pages\.AccountPagesMixin|_faults\._Random|_chaos\.ChaosMix"
        r"|_actions\.FaultAction))",
    ),
]

# Public names live in the public modules; the code defines them in private ones (being
# renamed while this is written). A reference to ``axigen_async._x.Name`` is sent to the
# public module that documents ``Name``.
_PUBLIC_MODULES = (
    "axigen_async",
    "axigen_async.bulk",
    "axigen_async.exceptions",
    "axigen_async.models",
    "axigen_async.models.account",
    "axigen_async.models.avatar",
    "axigen_async.api.account",
    "axigen_async.testing",
)


def _to_public_name(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.TextElement
) -> Any:
    """Resolve ``axigen_async._x.Name``, ``axigen_async.Name``, ``Name`` or ``Class.member``
    to its public page."""
    target = node.get("reftarget", "")
    if node.get("refdomain") != "py" or not target or target.startswith("~"):
        return None
    if target.startswith("axigen_async."):
        name = target.rsplit(".", 1)[-1]
    elif "." not in target or (target.count(".") == 1 and target[:1].isupper()):
        name = target  # ``Name`` or ``Class.member``, written in a docstring
    else:
        return None
    domain = env.get_domain("py")
    for module in _PUBLIC_MODULES:
        candidate = f"{module}.{name}"
        if candidate == target:
            continue
        resolved = domain.resolve_xref(
            env, node["refdoc"], app.builder, node["reftype"], candidate, node, contnode
        )
        if resolved is not None:
            return resolved
    return None


def setup(app: Sphinx) -> None:
    app.connect("missing-reference", _to_public_name)
