"""Named crash points: ``CASETRAIL_CRASH_AT=<name>:<n>`` kills the process at the n-th pass of <name>.

Used only by the crash-safety tests (G-41); costs one dictionary lookup when unset.
"""

from __future__ import annotations

import os
import signal

_target: tuple[str, int] | None = None
_counts: dict[str, int] = {}


def _parse() -> tuple[str, int] | None:
    raw = os.environ.get("CASETRAIL_CRASH_AT", "")
    name, _, count = raw.partition(":")
    if not name:
        return None
    return name, int(count or "1")


_target = _parse()


def crash_point(name: str) -> None:
    if _target is None or _target[0] != name:
        return
    _counts[name] = _counts.get(name, 0) + 1
    if _counts[name] >= _target[1]:
        os.kill(os.getpid(), signal.SIGKILL)
