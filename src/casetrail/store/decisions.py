"""People's decisions about the analysis: labels confirmed or rejected, and diary entries linked to the
events that caused them. Every decision is kept and audited; the latest one for an event stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from casetrail.errors import CasetrailError
from casetrail.store.audit_log import utc_now
from casetrail.store.case import Case
from casetrail.store.tables import event_links, events, label_decisions

DECISIONS = ("confirmed", "rejected")


@dataclass(frozen=True)
class Decision:
    uid: str
    category: str
    decision: str
    decided_at: str
    by: str
    note: str

    def to_json(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "category": self.category,
            "decision": self.decision,
            "decided_at": self.decided_at,
            "by": self.by,
            "note": self.note,
        }


def _identity(case: Case, uid: str) -> bytes:
    try:
        identity = bytes.fromhex(uid)
    except ValueError:
        raise CasetrailError(
            f"{uid!r} is not an event id (the 'uid' in 'casetrail timeline --json')."
        ) from None
    with case.reader.connect() as conn:
        if conn.execute(select(events.c.identity).where(events.c.identity == identity)).first() is None:
            raise CasetrailError(f"No event with id {uid} is in this case.")
    return identity


def _place(identity: bytes, category: str, at: str) -> str:
    return f"label_decisions.details:{identity.hex()}:{category}:{at}"


def decide(case: Case, uid: str, category: str, decision: str, by: str, note: str = "") -> Decision:
    """Record that a person confirmed or rejected a behaviour label on an event."""
    if decision not in DECISIONS:
        raise CasetrailError("A decision is 'confirmed' or 'rejected'.")
    category = category.strip().upper()
    if not category or not by.strip():
        raise CasetrailError("Please give the category and who decided.")
    identity = _identity(case, uid)
    at = utc_now()
    sealed = case.fields.seal_json({"by": by, "note": note}, _place(identity, category, at))
    with case.write() as conn:
        conn.execute(
            label_decisions.insert().values(
                identity=identity, category=category, decision=decision, decided_at=at, details_enc=sealed
            )
        )
        case.audit.append(conn, f"label {decision}", by, {"event": uid, "category": category, "note": note})
    return Decision(uid, category, decision, at, by, note)


def decisions(case: Case) -> list[Decision]:
    """Every decision, oldest first (rejections stay on record)."""
    with case.reader.connect() as conn:
        rows = conn.execute(select(label_decisions).order_by(label_decisions.c.id)).all()
    found = []
    for row in rows:
        identity = bytes(row.identity)
        opened = case.fields.open_json(row.details_enc, _place(identity, row.category, row.decided_at))
        found.append(
            Decision(identity.hex(), row.category, row.decision, row.decided_at, opened["by"], opened["note"])
        )
    return found


def standing_decisions(case: Case) -> dict[bytes, dict[str, str]]:
    """The decision that stands for each event and category: the latest."""
    with case.reader.connect() as conn:
        rows = conn.execute(
            select(
                label_decisions.c.identity, label_decisions.c.category, label_decisions.c.decision
            ).order_by(label_decisions.c.id)
        ).all()
    found: dict[bytes, dict[str, str]] = {}
    for identity, category, decision in rows:
        found.setdefault(bytes(identity), {})[category] = decision
    return found


def link_diary(case: Case, diary_uid: str, cause_uids: list[str], by: str) -> int:
    """Link a diary entry to the events that caused what it records; returns how many links are new."""
    diary = _identity(case, diary_uid)
    causes = [_identity(case, uid) for uid in cause_uids]
    if not causes:
        raise CasetrailError("Please name at least one event the diary entry is about.")
    added = 0
    with case.write() as conn:
        for cause in causes:
            exists = conn.execute(
                select(event_links.c.diary).where(event_links.c.diary == diary, event_links.c.cause == cause)
            ).first()
            if exists or cause == diary:
                continue
            at = utc_now()
            sealed = case.fields.seal_json({"by": by}, f"event_links:{diary.hex()}:{cause.hex()}")
            conn.execute(
                event_links.insert().values(diary=diary, cause=cause, linked_at=at, details_enc=sealed)
            )
            added += 1
        case.audit.append(conn, "diary entry linked", by, {"diary": diary_uid, "events": cause_uids})
    return added


def unlink_diary(case: Case, diary_uid: str, cause_uids: list[str], by: str) -> int:
    diary = _identity(case, diary_uid)
    removed = 0
    with case.write() as conn:
        for uid in cause_uids:
            cause = bytes.fromhex(uid)
            removed += conn.execute(
                event_links.delete().where(event_links.c.diary == diary, event_links.c.cause == cause)
            ).rowcount
        case.audit.append(conn, "diary entry unlinked", by, {"diary": diary_uid, "events": cause_uids})
    return removed


def diary_links(case: Case) -> dict[bytes, list[bytes]]:
    """Each linked diary entry with the events it was linked to."""
    with case.reader.connect() as conn:
        rows = conn.execute(
            select(event_links.c.diary, event_links.c.cause).order_by(event_links.c.linked_at)
        )
        found: dict[bytes, list[bytes]] = {}
        for diary, cause in rows:
            found.setdefault(bytes(diary), []).append(bytes(cause))
    return found
