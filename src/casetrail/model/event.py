"""The one event model: everything that happened, traced to where it was found."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Channel(StrEnum):
    WHATSAPP = "whatsapp"
    SMS = "sms"
    PHONE = "phone"
    EMAIL = "email"
    MESSENGER = "messenger"
    INSTAGRAM = "instagram"
    TELEGRAM = "telegram"
    X = "x"
    DISCORD = "discord"
    SIGNAL = "signal"
    SOCIAL_MEDIA = "social-media"
    IN_PERSON = "in-person"
    DEVICE = "device"  # the victim's own phone, as a safety scan read it
    OTHER = "other"


class Kind(StrEnum):
    MESSAGE = "message"
    CALL = "call"
    EMAIL = "email"
    POST = "post"
    COMMENT = "comment"
    FRIEND_REQUEST = "friend-request"
    FOLLOW_REQUEST = "follow-request"
    LOGIN_ALERT = "login-alert"
    DIARY_ENTRY = "diary-entry"
    IN_PERSON_INCIDENT = "in-person-incident"
    SYSTEM = "system"
    LOCATION = "location"
    CONTACT_CARD = "contact-card"
    DELETED = "deleted-message"
    SCREENSHOT = "screenshot"  # a screenshot or photo kept as evidence in itself
    DEVICE_SCAN = "device-scan"  # a safety scan of phone data: what it read
    SAFETY_FINDING = "safety-finding"  # something a safety scan found (stalkerware, monitoring)


#: Kinds no person wrote (an app's notice, casetrail's own scan): never a contact, never a diary entry.
#: Only app notices are read by the rules (a "you blocked this contact" notice is a request to stop).
NOTICE_KINDS = frozenset((Kind.SYSTEM.value, Kind.DEVICE_SCAN.value, Kind.SAFETY_FINDING.value))
SCAN_KINDS = frozenset((Kind.DEVICE_SCAN.value, Kind.SAFETY_FINDING.value))


class Direction(StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "n/a"


@dataclass(frozen=True, slots=True)
class Locator:
    """Where in an original file an event was read.

    ``scheme`` is ``line`` (value ``"12"`` or ``"12-14"``, 1-based), ``json-pointer``, ``byte-offset``
    or ``entry``; ``member`` names the file inside an archive, when there is one.
    """

    scheme: str
    value: str
    member: str | None = None

    def __str__(self) -> str:
        inside = f"{self.member}:" if self.member else ""
        return f"{inside}{self.scheme} {self.value}"


@dataclass(frozen=True, slots=True)
class EmbeddedFile:
    """A file carried inside the original rather than beside it: an e-mail attachment, an MMS picture.

    The store keeps ``data`` as an exhibit of its own, inside the original's exhibit, before the event
    that carries it. ``key`` is unique within one import and is what the event's ``attachments`` name;
    ``name`` is the file name the original gives (evidence: hostile, maybe empty); ``place`` says where
    in the original it was found, e.g. ``"message 12, part 3"``.
    """

    key: str
    name: str
    data: bytes
    content_type: str | None
    place: str


@dataclass(slots=True)
class ParsedEvent:
    """One event as an importer read it, before the store gives it an id and exhibit links.

    ``occurred_at`` is timezone-aware UTC (None when the source gives no usable time);
    ``local_time`` is the time exactly as the source wrote it. ``attachments`` name members of the same
    archive or the keys of ``embedded`` files (the store turns both into exhibit references).
    ``flags`` record doubts an officer should see, e.g. ``dst-gap``, ``date-order-ambiguous``,
    ``undecodable-bytes``. ``conversation`` names the chat the event belongs to when one file holds
    many (a whole-account export); None means the file's own (``Importer.conversation``).
    """

    occurred_at: datetime | None
    local_time: str
    channel: Channel
    kind: Kind
    direction: Direction
    sender: str | None
    recipients: tuple[str, ...]
    text: str
    locator: Locator
    attachments: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    details: dict[str, str] = field(default_factory=dict)
    embedded: tuple[EmbeddedFile, ...] = ()
    conversation: str | None = None
