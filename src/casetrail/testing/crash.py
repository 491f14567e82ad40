"""Named crash points: ``CASETRAIL_CRASH_AT=<name>:<n>`` kills the process at the n-th pass of <name>.

``<name>:<n>:raise`` raises an unexpected exception there instead (to test what a traceback shows).
Used only by the crash-safety and secrecy tests (G-41, G-08); costs one comparison when unset.
"""

from __future__ import annotations

import os
import signal

_counts: dict[str, int] = {}


class InjectedFailure(RuntimeError):
    """Raised at a crash point in ``raise`` mode."""


def _parse() -> tuple[str, int, str] | None:
    raw = os.environ.get("CASETRAIL_CRASH_AT", "")
    name, _, rest = raw.partition(":")
    count, _, mode = rest.partition(":")
    if not name:
        return None
    return name, int(count or "1"), mode or "kill"


_target = _parse()


def crash_point(name: str) -> None:
    if _target is None or _target[0] != name:
        return
    _counts[name] = _counts.get(name, 0) + 1
    if _counts[name] >= _target[1]:
        if _target[2] == "raise":
            raise InjectedFailure(f"injected failure at {name}")
        os.kill(os.getpid(), signal.SIGKILL)
