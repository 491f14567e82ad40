"""The demo case's texts and calls: what reached Robin's phone outside WhatsApp.

Casey texts when WhatsApp goes unanswered and rings in bursts: forty missed calls in the hour after
Robin asked for no contact, rejected calls late at night, and calls the phone blocked after the
WhatsApp block. The story matches the chats' dates (demo/script.py), so the channels interleave.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from casetrail.demo.cast import EX_PARTNER, EX_PARTNER_NEW_NUMBER, FRIEND, VICTIM
from casetrail.demo.script import SECTIONS, STOP_REQUEST, fill, unambiguous
from casetrail.demo.sms_export import Call
from casetrail.demo.whatsapp_export import ChatMessage

_TEXT_BEATS = (
    ("2024-12-02 23:48:10", EX_PARTNER, "Why aren't you answering on WhatsApp?"),
    ("2024-12-02 23:55:41", EX_PARTNER, "I'll just keep texting then."),
    ("2025-01-05 00:12:03", EX_PARTNER, "Are you asleep? I'm outside."),
    ("2025-02-19 20:20:30", VICTIM, STOP_REQUEST),
    ("2025-02-19 21:20:05", EX_PARTNER, "Answer your phone."),
    ("2025-03-30 22:40:19", EX_PARTNER, "You can't ignore me forever."),
    ("2025-05-11 22:30:52", EX_PARTNER, "Blocking me on WhatsApp? Fine. Texts still work."),
    ("2025-05-12 06:02:37", EX_PARTNER, "Thursday. Don't forget."),
)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def texts(rng: random.Random, canary: str | None = None) -> list[ChatMessage]:
    """Casey's texts (and Robin's one reply), oldest first; the canary goes into the first."""
    found = [ChatMessage(_at(at), who.whatsapp_name, words) for at, who, words in _TEXT_BEATS]
    day = datetime(2024, 12, 10)
    while day < datetime(2025, 5, 11):
        if rng.random() < 0.3:
            section = "after the request" if day > datetime(2025, 2, 20) else "relentless"
            at = unambiguous(day.replace(hour=rng.choice((22, 23, 0, 1)), minute=rng.randrange(60)))
            at = at if at.hour >= 22 else at + timedelta(days=1)
            words = fill(rng.choice(SECTIONS[section]), rng).partition(" | ")[0]
            found.append(ChatMessage(at.replace(second=rng.randrange(60)), EX_PARTNER.whatsapp_name, words))
        day += timedelta(days=1)
    found.sort(key=lambda message: message.at)
    if canary:
        first = found[0]
        found[0] = ChatMessage(first.at, first.sender, f"{first.text} {canary}")
    return found


def calls(rng: random.Random) -> Iterator[Call]:
    """The call log, oldest first."""
    yield Call(_at("2024-11-30 21:05:12"), EX_PARTNER, "incoming", 95)
    for minute in range(0, 30, 5):
        yield Call(
            _at("2024-12-02 23:30:00") + timedelta(minutes=minute, seconds=rng.randrange(60)),
            EX_PARTNER,
            "missed",
        )
    start = _at("2025-02-19 20:15:00")
    for n in range(40):  # the hour after the stop request
        yield Call(start + timedelta(seconds=n * 88 + rng.randrange(20)), EX_PARTNER, "missed")
    night = datetime(2025, 3, 3)
    for _ in range(12):
        night += timedelta(days=rng.randrange(3, 8))
        yield Call(
            night.replace(hour=23, minute=rng.randrange(60), second=rng.randrange(60)), EX_PARTNER, "rejected"
        )
    blocked = _at("2025-05-11 22:10:00")
    for _ in range(20):
        blocked += timedelta(hours=rng.randrange(20, 40), minutes=rng.randrange(60))
        yield Call(blocked, EX_PARTNER, "blocked")
    yield Call(_at("2025-05-24 08:01:30"), FRIEND, "outgoing", 240)
    later = _at("2025-05-13 21:00:00")
    for _ in range(8):
        later += timedelta(days=rng.randrange(2, 5), minutes=rng.randrange(120))
        yield Call(later, EX_PARTNER_NEW_NUMBER, "missed")
