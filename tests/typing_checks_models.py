"""Typed uses of the request models, checked by ``mypy --strict`` and never run.

A signature type is the member or its wire string; any other string is a type
error (the ``type: ignore`` below would be reported unused if mypy accepted it).
"""

from __future__ import annotations

from axigen_async.models.account import NewSignature, SignatureType, SignatureUpdate


def signature_types() -> SignatureType:
    NewSignature("Work", SignatureType.HTML, "<b>Regards</b>")
    NewSignature("Work", "text", "Regards")
    SignatureUpdate(type="html")
    SignatureUpdate(type=SignatureType.TEXT)
    SignatureUpdate(type=None)
    NewSignature("Work", "markdown", "Regards")  # type: ignore[arg-type]
    converted: SignatureType = NewSignature("Work", "html", "Regards").type
    return converted
