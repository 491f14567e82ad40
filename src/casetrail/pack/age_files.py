"""A pack encrypted with age, openable with the standard ``age`` tool.

age is small, audited and has one job; an officer's force can give a public key (``age1…``) and keep
the private key, or the victim can choose a passphrase and tell the officer it by another route. The
zip is encrypted as a stream to recipients; with a passphrase (scrypt), pyrage takes it whole.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyrage

from casetrail.errors import CasetrailError


def _recipients(keys: list[str]) -> list[pyrage.x25519.Recipient]:
    parsed = []
    for key in keys:
        try:
            parsed.append(pyrage.x25519.Recipient.from_str(key.strip()))
        except pyrage.RecipientError:
            raise CasetrailError(
                f"{key.strip()[:12]}… is not an age public key (they start 'age1'). Nothing was written."
            ) from None
    return parsed


def encrypt(
    source: Path, target: Path, *, recipients: list[str] | None = None, passphrase: str | None = None
) -> None:
    """Encrypt ``source`` to ``target`` (written whole, then renamed into place)."""
    if not recipients and not passphrase:
        raise CasetrailError("Give an officer's age public key (--recipient) or choose a passphrase.")
    partial = target.with_name(target.name + ".partial")
    try:
        if recipients:
            keys = _recipients(recipients)
            with source.open("rb") as reader, partial.open("wb") as writer:
                pyrage.encrypt_io(reader, writer, keys)
        else:
            partial.write_bytes(pyrage.passphrase.encrypt(source.read_bytes(), passphrase or ""))
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def decrypt(
    source: Path, target: Path, *, identity: Path | None = None, passphrase: str | None = None
) -> None:
    """Decrypt an encrypted pack to ``target`` with a private key file or the passphrase."""
    try:
        if identity is not None:
            keys = [
                pyrage.x25519.Identity.from_str(line.strip())
                for line in identity.read_text(encoding="utf-8").splitlines()
                if line.strip().startswith("AGE-SECRET-KEY-")
            ]
            if not keys:
                raise CasetrailError(f"{identity.name} holds no age private key (AGE-SECRET-KEY-…).")
            with source.open("rb") as reader, target.open("wb") as writer:
                pyrage.decrypt_io(reader, writer, keys)
        elif passphrase:
            target.write_bytes(pyrage.passphrase.decrypt(source.read_bytes(), passphrase))
        else:
            raise CasetrailError(
                "This pack is encrypted: give the private key file (--identity) or the passphrase."
            )
    except (pyrage.DecryptError, pyrage.IdentityError):
        target.unlink(missing_ok=True)
        raise CasetrailError(
            f"{source.name} could not be decrypted with that key or passphrase (or it was changed)."
        ) from None
