"""Robin's diary of what the chats cannot show, written in casetrail's own diary format (version 1).

In-person incidents, calls, login alerts and follow requests leave no WhatsApp trace, so the demo records
them the way a victim would: when it happened, where, who saw it, how it felt and what it changed.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from casetrail.demo.cast import (
    EX_PARTNER,
    EX_PARTNER_NEW_NUMBER,
    FRIEND,
    GYM_STAFF,
    NEIGHBOUR,
    NEW_ACCOUNTS,
    VICTIM,
)
from casetrail.demo.script import unambiguous

EntryKind = Literal["in-person-incident", "diary-entry", "call", "login-alert", "follow-request"]
DiaryChannel = Literal["in-person", "phone", "whatsapp", "instagram", "email", "sms", "other"]
KINDS = frozenset(("in-person-incident", "diary-entry", "call", "login-alert", "follow-request"))
CHANNELS = frozenset(("in-person", "phone", "whatsapp", "instagram", "email", "sms", "other"))


@dataclass(frozen=True, slots=True)
class DiaryEntry:
    """One diary entry; times are local wall-clock times in Europe/London."""

    id: str
    occurred_at: datetime
    recorded_at: datetime
    kind: EntryKind
    channel: DiaryChannel
    where: str
    what_happened: str
    people: tuple[str, ...]
    witnesses: tuple[str, ...]
    how_it_made_me_feel: str
    impact: str


CASEY, NEW_NUMBER = EX_PARTNER.name, EX_PARTNER_NEW_NUMBER.phone
_Row = tuple[str, EntryKind, DiaryChannel, str, str, tuple[str, ...], tuple[str, ...], str, str]

# fmt: off
# occurred at, kind, channel, where, what happened, people, witnesses, how it made me feel, impact
_STORY: tuple[_Row, ...] = (
    ("2024-12-07 23:50", "diary-entry", "whatsapp", "",
     "Casey sent over 20 messages between 10pm and 2am. I did not reply.", (CASEY,), (),
     "Exhausted and on edge. I could not sleep.", "I now switch my phone off at night."),
    ("2025-01-18 07:45", "in-person-incident", "in-person", "outside the gym on Station Road",
     "Casey was standing across the road when I came out of the gym and watched me walk to the bus stop.",
     (CASEY,), (f"{GYM_STAFF.name} (gym staff)",), "Frightened. I felt watched.",
     "I stopped going to the early class and now go at lunchtime with a colleague."),
    ("2025-01-29 21:30", "call", "phone", "home",
     "Three calls from a withheld number between 21:30 and 21:50. Nobody spoke when I answered the first.",
     ("withheld number",), (), "Unsettled.", "I no longer answer withheld numbers."),
    ("2025-02-19 20:12", "diary-entry", "whatsapp", "",
     "I asked Casey clearly: 'Please stop contacting me. I do not want any contact.' Casey replied in "
     "two minutes.", (CASEY,), (), "Relieved I said it, then anxious.",
     "I told my manager, who agreed I can work from home on Fridays."),
    ("2025-03-08 18:40", "in-person-incident", "in-person", "the car park on Mill Lane",
     "Casey was sitting in a car next to mine when I finished work and said 'We need to talk.' I drove "
     "straight to Sam's.", (CASEY,), ("a parking attendant (name not known)",),
     "Scared. My hands were shaking as I drove away.",
     "I now park near the entrance and a colleague walks out with me."),
    ("2025-03-14 18:40", "login-alert", "instagram", "",
     f"Instagram e-mailed {VICTIM.email} about a login from a device I do not recognise. I changed my "
     "password and turned on two-factor authentication.", (VICTIM.handles[0],), (),
     "Exposed. I do not know what was seen.", "I spent the evening changing passwords on every account."),
    ("2025-03-22 10:05", "follow-request", "instagram", "",
     f"A new account, {NEW_ACCOUNTS[0]}, with no posts asked to follow me. Its profile photo shows "
     "my street.",
     (NEW_ACCOUNTS[0],), (), "Sick to my stomach.", "I made my Instagram account private."),
    ("2025-04-05 07:10", "login-alert", "email", "",
     f"My e-mail provider blocked a sign-in to {VICTIM.email} from a new device overnight.", (VICTIM.email,),
     (), "Worried about what else Casey might try.", "I set up a new recovery phone number and e-mail."),
    ("2025-04-12 17:20", "in-person-incident", "in-person", "outside the corner shop on Elm Road",
     "Casey was waiting outside the shop near my home. I went back inside and waited until Casey left.",
     (CASEY,), (f"{NEIGHBOUR.name} (neighbour)",), "Trapped.", "I now do my shopping online."),
    ("2025-04-26 21:00", "follow-request", "instagram", "",
     f"Two more new accounts, {NEW_ACCOUNTS[1]} and {NEW_ACCOUNTS[2]}, asked to follow me the same evening.",
     NEW_ACCOUNTS[1:], (), "Like there is no way to get away.", "I stopped posting anything at all."),
    ("2025-05-11 22:03", "diary-entry", "whatsapp", "",
     "Casey's messages now include explicit threats. I blocked Casey on WhatsApp and saved the chat.",
     (CASEY,), (), "Frightened, but glad I have a record.",
     "I moved to a new phone, kept my number, and told Sam where I am each evening."),
    ("2025-05-13 18:47", "diary-entry", "whatsapp", "",
     f"A new number, {NEW_NUMBER}, messaged me two days after I blocked Casey. It writes like Casey.",
     (CASEY, NEW_NUMBER), (), "Hopeless for a while, then determined.",
     f"{FRIEND.name} is coming with me to the police station."),
    ("2025-05-24 07:40", "in-person-incident", "in-person", "the bus stop on Station Road",
     "Casey was at my bus stop and said 'You can't avoid me forever.' I got on the bus and rang Sam.",
     (CASEY,), ("a woman waiting at the stop (name not known)",), "Very frightened.",
     "I now get a lift to work or take a different route each day."),
    ("2025-06-02 20:15", "call", "phone", "home",
     f"A missed call from {NEW_NUMBER}, then a voicemail with breathing and no words.", (NEW_NUMBER,), (),
     "Shaken.", "I keep my phone on silent and check it only with Sam."),
)
# fmt: on


def _mark(text: str, canary: str | None) -> str:
    return f"{text} {canary}".strip() if canary else text


def demo_diary(rng: random.Random, canary: str | None = None) -> list[DiaryEntry]:
    """The diary entries; ids and the time each was written down vary with the seed.

    A canary, when given, is added to every free-text field and as an extra name in people and witnesses,
    so a leak test can look for it wherever diary text could end up.
    """
    entries = []
    for occurred, kind, channel, where, what, people, witnesses, feel, impact in _STORY:
        at = datetime.fromisoformat(occurred)
        recorded = unambiguous(at + timedelta(minutes=rng.randint(20, 240)))
        entries.append(
            DiaryEntry(
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                occurred_at=at,
                recorded_at=recorded,
                kind=kind,
                channel=channel,
                where=_mark(where, canary),
                what_happened=_mark(what, canary),
                people=(*people, canary) if canary else people,
                witnesses=(*witnesses, canary) if canary else witnesses,
                how_it_made_me_feel=_mark(feel, canary),
                impact=_mark(impact, canary),
            )
        )
    return entries


def _as_json(entry: DiaryEntry) -> dict[str, object]:
    if entry.kind not in KINDS or entry.channel not in CHANNELS:
        raise ValueError(f"diary entry {entry.id} has an unknown kind or channel")
    return {
        "id": entry.id,
        "occurred_at": entry.occurred_at.strftime("%Y-%m-%dT%H:%M"),
        "recorded_at": entry.recorded_at.strftime("%Y-%m-%dT%H:%M"),
        "kind": entry.kind,
        "channel": entry.channel,
        "where": entry.where,
        "what_happened": entry.what_happened,
        "people": list(entry.people),
        "witnesses": list(entry.witnesses),
        "how_it_made_me_feel": entry.how_it_made_me_feel,
        "impact": entry.impact,
    }


def write_diary(path: Path, entries: Sequence[DiaryEntry]) -> int:
    """Write the diary JSON (UTF-8, LF, stable key order) and return how many entries it holds."""
    document = {
        "format": "casetrail-diary",
        "version": 1,
        "timezone": "Europe/London",
        "entries": [_as_json(entry) for entry in entries],
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8", newline="\n")
    return len(entries)
