"""The contract every importer meets: recognise a file cheaply, then stream its events.

The store, not the importer, does de-duplication, exhibit numbering, encryption and the audit entry,
so an importer cannot leave an import half-written or unencrypted.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar
from zoneinfo import ZoneInfo

from casetrail.ingest.source import Source
from casetrail.model.event import ParsedEvent

if TYPE_CHECKING:
    from casetrail.safety.matching import Indicators


@dataclass(frozen=True, slots=True)
class Sniff:
    """How sure an importer is that a file is its format (0 = not mine, 1 = certain), and why."""

    confidence: float
    reason: str

    @classmethod
    def no(cls, reason: str = "not this format") -> Sniff:
        return cls(0.0, reason)


@dataclass
class ImportContext:
    """What an importer needs from the case, and where it leaves notes for the person importing.

    ``date_order`` ("day-first", "month-first" or "year-first") is how the person importing says the
    file's numeric dates are written; ``ask`` lets an importer put a question to them (question, choices →
    the chosen one) when the file itself cannot decide. With neither, importers keep their documented
    default and flag what they had to guess.
    """

    timezone: ZoneInfo
    notes: list[str] = field(default_factory=list)
    date_order: str | None = None
    ask: Callable[[str, list[str]], str] | None = None
    indicators: Indicators | None = None  # for a safety scan: the stalkerware indicators to match
    scratch: Path | None = None  # where an importer may put temporary files (inside the case folder)

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)


class Importer(ABC):
    """Base class for importers; subclasses set ``name`` and ``version`` and implement two methods."""

    name: ClassVar[str]
    version: ClassVar[str] = "1"
    description: ClassVar[str] = ""

    @abstractmethod
    def sniff(self, source: Source) -> Sniff:
        """Look at the first bytes or the member names only; never parse the whole file here."""

    @abstractmethod
    def events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        """Stream events in file order; raise InputError naming the file and place on bad input."""

    def conversation(self, source: Source) -> str | None:
        """The conversation the whole file belongs to, when the format says so (None: unknown).

        Events of one conversation share an identity space, so a later export of the same chat
        de-duplicates against the earlier one and gaps in it can be noticed.
        """
        return None

    def archive_members(self, source: Source) -> list[str]:
        """Archive members to keep as exhibits of their own (default: every non-metadata member)."""
        if not source.is_zip():
            return []
        from casetrail.ingest.archive import is_metadata_member

        return [name for name in source.archive().names() if not is_metadata_member(name)]
