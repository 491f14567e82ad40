"""Resource limits for reading untrusted files; configurable so tests and large cases can adjust them."""

from __future__ import annotations

import os
from dataclasses import dataclass

MiB = 1024 * 1024
GiB = 1024 * MiB


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        return default


@dataclass(frozen=True, slots=True)
class ImportLimits:
    """Archive limits, counted from bytes actually produced, never from header fields."""

    max_member_bytes: int = 8 * GiB
    max_total_bytes: int = 32 * GiB
    max_members: int = 50_000
    max_ratio: int = 250
    ratio_floor_bytes: int = 16 * MiB

    @classmethod
    def from_env(cls) -> ImportLimits:
        """Read overrides from ``CASETRAIL_LIMIT_*`` variables (documented in docs/limits.md)."""
        base = cls()
        return cls(
            max_member_bytes=_env_int("CASETRAIL_LIMIT_MEMBER_BYTES", base.max_member_bytes),
            max_total_bytes=_env_int("CASETRAIL_LIMIT_TOTAL_BYTES", base.max_total_bytes),
            max_members=_env_int("CASETRAIL_LIMIT_MEMBERS", base.max_members),
            max_ratio=_env_int("CASETRAIL_LIMIT_RATIO", base.max_ratio),
            ratio_floor_bytes=_env_int("CASETRAIL_LIMIT_RATIO_FLOOR", base.ratio_floor_bytes),
        )
