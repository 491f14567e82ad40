"""Argon2id key derivation with parameters stored in each case header, so they can be raised later."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

from argon2.low_level import ARGON2_VERSION, Type, hash_secret_raw

ALGORITHM = "argon2id"
KEY_BYTES = 32
SALT_BYTES = 16


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id cost parameters. ``memory_kib`` is in KiB, as RFC 9106 states it."""

    memory_kib: int
    iterations: int
    parallelism: int
    algorithm: str = ALGORITHM
    version: int = ARGON2_VERSION

    def to_dict(self) -> dict[str, int | str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> KdfParams:
        params = cls(
            memory_kib=int(str(data["memory_kib"])),
            iterations=int(str(data["iterations"])),
            parallelism=int(str(data["parallelism"])),
            algorithm=str(data["algorithm"]),
            version=int(str(data["version"])),
        )
        if params.algorithm != ALGORITHM:
            raise ValueError(f"unsupported key derivation {params.algorithm!r}")
        return params


#: Production defaults (docs/crypto.md): 256 MiB, 3 passes, 1 lane.
PRODUCTION = KdfParams(memory_kib=256 * 1024, iterations=3, parallelism=1)
#: Never create a case below this (RFC 9106 second recommendation, OWASP guidance).
FLOOR = KdfParams(memory_kib=64 * 1024, iterations=3, parallelism=1)

_defaults = PRODUCTION


def default_params() -> KdfParams:
    return _defaults


def set_default_params(params: KdfParams) -> None:
    """Change the parameters new cases get. Used only by the test suite's fast_kdf fixture."""
    global _defaults
    _defaults = params


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


def derive_key(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    """Stretch a passphrase into a 256-bit key-encryption key."""
    return hash_secret_raw(
        secret=passphrase.encode("utf-8"),
        salt=salt,
        time_cost=params.iterations,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
        version=params.version,
    )
