"""Changing the passphrase (and raising Argon2id costs) for a case that lives for years (G-05).

Only the wrapping of the data key changes (:meth:`Case.rewrap`): the evidence stays encrypted under
the same data key, so nothing but case.json is rewritten and an interrupted change cannot damage it.
"""

from __future__ import annotations

from casetrail.crypto import kdf
from casetrail.crypto.kdf import KdfParams
from casetrail.errors import CasetrailError
from casetrail.store.case import Case

MIN_PASSPHRASE = 8


def stronger_params(current: KdfParams, target: KdfParams | None = None) -> KdfParams:
    """Each cost raised to at least ``target`` (production by default); never lowered."""
    target = target or kdf.PRODUCTION
    return KdfParams(
        memory_kib=max(current.memory_kib, target.memory_kib),
        iterations=max(current.iterations, target.iterations),
        parallelism=max(current.parallelism, target.parallelism),
    )


def change_passphrase(case: Case, new_passphrase: str, *, stronger: bool = False) -> KdfParams:
    """Wrap the case's data key under ``new_passphrase``; returns the parameters now in use."""
    if len(new_passphrase) < MIN_PASSPHRASE:
        raise CasetrailError(
            "Please choose a passphrase of at least 8 characters (several words is best). "
            "Nothing was changed."
        )
    params = stronger_params(case.header.kdf) if stronger else case.header.kdf
    case.rewrap(new_passphrase, params)
    return params
