"""The demo story as data, told as a lazy, seeded stream of chat messages.

Messages are produced one day at a time, so a demo scaled to a million messages never sits in memory,
and the same seed always tells the same story. Times are local wall-clock times in Europe/London; times
that do not exist (spring forward) or happen twice (fall back) are moved out of the way so the demo
never carries an ambiguity the real exports would not.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from casetrail.demo.cast import ITEMS, PLACES
from casetrail.demo.whatsapp_export import ChatMessage

LONDON = ZoneInfo("Europe/London")

Who = Literal["them", "me", "system", "photo"]


@dataclass(frozen=True, slots=True)
class Phase:
    """A stretch of the story with its own rhythm: how often, at what hours, in what words."""

    name: str
    start: date
    end: date
    texts: tuple[str, ...]
    per_day: tuple[int, int]
    active: float
    hours: tuple[int, ...]
    replies: tuple[str, ...] = ()
    reply_rate: float = 0.0
    media_rate: float = 0.0
    deleted_rate: float = 0.0
    edited_rate: float = 0.0
    multiline_rate: float = 0.04


@dataclass(frozen=True, slots=True)
class Beat:
    """A fixed moment of the story (the stop request, a photo, a block) that the diary refers to."""

    at: datetime
    who: Who
    text: str


@dataclass(frozen=True, slots=True)
class ChatScript:
    phases: tuple[Phase, ...]
    beats: tuple[Beat, ...]


@lru_cache(maxsize=4096)
def _clock_changes_on(day: date) -> bool:
    midnight = datetime.combine(day, time(0), tzinfo=LONDON)
    evening = datetime.combine(day, time(23, 59), tzinfo=LONDON)
    return midnight.utcoffset() != evening.utcoffset()


def unambiguous(at: datetime) -> datetime:
    """Move a wall time out of a daylight-saving gap or overlap (by whole hours, keeping minutes)."""
    if not _clock_changes_on(at.date()):
        return at
    while at.replace(tzinfo=LONDON, fold=0).utcoffset() != at.replace(tzinfo=LONDON, fold=1).utcoffset():
        at += timedelta(hours=1)
    return at


def fill(template: str, rng: random.Random) -> str:
    """Put a place and an item from the cast into a message template."""
    return template.format(place=rng.choice(PLACES), item=rng.choice(ITEMS))


def _phase_on(script: ChatScript, day: date) -> Phase | None:
    for phase in script.phases:
        if phase.start <= day < phase.end:
            return phase
    return None


def _random_time(day: date, phase: Phase, rng: random.Random) -> datetime:
    moment = time(rng.choice(phase.hours), rng.randrange(60), rng.randrange(60))
    return unambiguous(datetime.combine(day, moment))


def _their_message(at: datetime, phase: Phase, rng: random.Random, them: str) -> tuple[ChatMessage, str]:
    """A message from the other person, and the answer it invites ("text | answer" lines), if any."""
    roll = rng.random()
    if roll < phase.media_rate:
        return ChatMessage(at, them, "", "media"), ""
    if roll < phase.media_rate + phase.deleted_rate:
        return ChatMessage(at, them, "", "deleted"), ""
    text, _, answer = fill(rng.choice(phase.texts), rng).partition(" | ")
    if not answer and rng.random() < phase.multiline_rate:
        text = f"{text}\n{fill(rng.choice(phase.texts), rng).partition(' | ')[0]}"
    elif rng.random() < phase.edited_rate:
        text = f"{text} <This message was edited>"
    return ChatMessage(at, them, text), answer


def _random_day(
    phase: Phase, day: date, rng: random.Random, them: str, me: str, scale: int
) -> list[ChatMessage]:
    if rng.random() >= phase.active:
        return []
    low, high = phase.per_day
    count = rng.randint(low * scale, high * scale)
    times = sorted(_random_time(day, phase, rng) for _ in range(count))
    day_messages = []
    for at in times:
        message, answer = _their_message(at, phase, rng, them)
        day_messages.append(message)
        if (answer or phase.replies) and rng.random() < phase.reply_rate:
            later = unambiguous(at + timedelta(minutes=rng.randint(2, 45), seconds=rng.randrange(60)))
            if later.date() == day:  # a reply after midnight would break the day-by-day ordering
                reply = answer or fill(rng.choice(phase.replies), rng)
                day_messages.append(ChatMessage(later, me, reply))
    return day_messages


def _beat_message(beat: Beat, them: str, me: str) -> ChatMessage:
    if beat.who == "system":
        return ChatMessage(beat.at, None, beat.text, "system")
    sender = me if beat.who == "me" else them
    return ChatMessage(beat.at, sender, beat.text, "media" if beat.who == "photo" else "text")


def tell(
    script: ChatScript, rng: random.Random, *, them: str, me: str, scale: int = 1
) -> Iterator[ChatMessage]:
    """Yield the chat in time order, one day in memory at a time."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    beats_by_day: dict[date, list[Beat]] = {}
    for beat in script.beats:
        beats_by_day.setdefault(beat.at.date(), []).append(beat)
    first = min([p.start for p in script.phases] + list(beats_by_day))
    last = max([p.end - timedelta(days=1) for p in script.phases] + list(beats_by_day))
    day = first
    while day <= last:
        phase = _phase_on(script, day)
        todays = _random_day(phase, day, rng, them, me, scale) if phase else []
        todays.extend(_beat_message(beat, them, me) for beat in beats_by_day.get(day, ()))
        # On a tie a system line goes first, as on the phone (the encryption notice opens the chat).
        todays.sort(key=lambda m: (m.at, m.sender is not None))
        yield from todays
        day += timedelta(days=1)


def _sections(text: str) -> dict[str, tuple[str, ...]]:
    """Split WORDS into its [sections]; plain lines keep the script readable by non-programmers."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        elif line.strip():
            current.append(line.strip())
    return {name: tuple(lines) for name, lines in sections.items()}


def _phase(
    name: str,
    span: str,
    per_day: tuple[int, int],
    active: float,
    hours: tuple[int, ...],
    rates: tuple[float, float, float, float],
    replies: str | None = None,
) -> Phase:
    start, end = (date.fromisoformat(part) for part in span.split("/"))
    reply, media, deleted, edited = rates
    answers = SECTIONS[replies] if replies else ()
    return Phase(
        name, start, end, SECTIONS[name], per_day, active, hours, answers, reply, media, deleted, edited
    )


def _beats(*rows: tuple[str, Who, str]) -> tuple[Beat, ...]:
    return tuple(Beat(datetime.fromisoformat(at), who, text) for at, who, text in rows)


E2E_ANDROID = (
    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, "
    "can read or listen to them. Tap to learn more."
)
E2E_IOS = (
    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, "
    "can read or listen to them."
)
STOP_REQUEST = "Please stop contacting me. I do not want any contact."
LATE = (21, 22, 22, 23, 23, 23, 0, 0, 0, 1, 1, 2, 3)
EVENING = (17, 18, 19, 20, 21, 21, 22, 22, 23)
DAYTIME = (7, 8, 12, 13, *EVENING)
NIGHT = (7, 8, *EVENING, 0)

# The words, one message template a line, in story order; "text | answer" pairs a reply with its message.
WORDS = """
[pleading]
I'm so sorry Robin. I know I messed up.
Can we just talk? Please.
I miss you. I can't sleep ❤️
I'll change, I promise. Give me one more chance.
Just one coffee. That's all I'm asking x
Why won't you answer me? 😢
You were the best thing that ever happened to me.
I left your hoodie on the step. Text me when you get it x

[calm]
I need some space, Casey.
I've said what I needed to say. I'm not changing my mind.
Please give me time.
I'm okay. I just need space.

[relentless]
Answer me
Robin??
Why are you ignoring me
I know you've read these
Pick up the phone
You can't just cut me off
I'll keep messaging until you reply
Who are you with tonight?
Are you awake
Don't pretend you're asleep

[watching]
I saw you at {place} today
Nice {item}. New?
You looked tired on the bus this morning
Who was that with you at {place}?
You left work late tonight
Your kitchen light was on late again
Saw your car near {place}

[after the request]
You don't get to decide when this is over
One conversation. Then I'll stop.
You owe me an explanation
I'm not stopping until you talk to me
Stop pretending I don't exist
I saw you at {place} again
Ignoring me won't make me go away

[veiled threats]
You'll regret ignoring me
Be careful walking home past {place}
Things could get very difficult for you
Everyone will find out what you're really like
I know your routine better than you do
It would be a shame if something happened to your {item}

[explicit threats]
If you go to the police I will make you pay
I'm going to hurt you for this
I'll be waiting at {place} and you won't get past me
You won't feel safe anywhere, I'll make sure of it
I'll smash every window in your car

[new number]
Did you think blocking me would stop me?
You can block every number. I'll get another.
I saw you at {place}
Nice {item}
Going to the police won't help you
I'm still here
You'll pay for blocking me

[everyday]
Coffee Saturday? The café by the park? | Yes please! 11ish?
Did you see the match last night? 😂 | Ha, no, I missed it. Tell me everything
How's work going? | Busy but okay, thanks for asking
Thinking of you. Here if you need anything x | Thank you, that means a lot
Film night at mine on Friday? | Sounds lovely, count me in
Got home ok? | Home safe, thanks x
Fancy a walk on Sunday? | Yes! Somewhere with a café at the end please

[friendly]
Aww 😊
That's made my day
"""

SECTIONS = _sections(WORDS)

# Phases start the day after a chat's first beat, so the notice stays the first line.
# Each phase: its section in WORDS, first day/day after the last, messages on a day with contact, share of
# days with contact, hours to choose from, per-message rates of (reply, photo, deleted, edited), replies.
MAIN_PHASES = (
    _phase("pleading", "2024-10-15/2024-11-25", (1, 3), 0.7, EVENING, (0.25, 0.03, 0, 0.03), "calm"),
    _phase("relentless", "2024-11-25/2025-01-13", (3, 8), 0.9, LATE, (0.03, 0.02, 0.02, 0), "calm"),
    _phase("watching", "2025-01-13/2025-02-19", (1, 4), 0.8, DAYTIME, (0, 0.06, 0.02, 0)),
    _phase("after the request", "2025-02-20/2025-03-24", (2, 5), 0.8, LATE, (0, 0, 0.03, 0.02)),
    _phase("veiled threats", "2025-03-24/2025-04-21", (1, 4), 0.7, LATE, (0, 0, 0.04, 0)),
    _phase("explicit threats", "2025-04-21/2025-05-11", (1, 3), 0.6, LATE, (0, 0, 0.05, 0)),
)
NEW_NUMBER_PHASES = (_phase("new number", "2025-05-14/2025-06-16", (1, 2), 0.55, NIGHT, (0, 0, 0.03, 0)),)
FRIEND_PHASES = (
    _phase("everyday", "2024-10-15/2025-06-16", (1, 1), 0.045, DAYTIME, (0.85, 0.1, 0, 0), "friendly"),
)

MAIN_BEATS = _beats(
    ("2024-10-14 19:02", "system", E2E_ANDROID),
    ("2024-10-14 19:02", "me", "I meant what I said last night. It's over, Casey. Please respect that."),
    ("2024-10-14 19:09", "them", "Please don't do this. Can we at least talk?"),
    ("2025-01-18 08:20", "them", "I saw you at the gym today. You looked well."),
    ("2025-02-19 20:12", "me", STOP_REQUEST),
    ("2025-02-19 20:14", "them", "You don't mean that."),
    ("2025-02-19 20:31", "them", "I'm not stopping until you talk to me."),
    ("2025-03-08 19:05", "them", "You looked scared in the car park. No need to be scared of me."),
    ("2025-03-29 22:10", "them", "I've messaged your sister. She agrees with me."),
    ("2025-04-12 17:26", "photo", ""),
    ("2025-04-12 17:27", "them", "Your shopping looked heavy.\nI could have carried it."),
    ("2025-04-30 21:37", "them", "Your manager will be hearing from me about you."),
    ("2025-05-11 20:41", "them", "I know where you'll be on Thursday. Don't make me find you."),
    ("2025-05-11 21:15", "them", "If you go to the police I will hurt you."),
    ("2025-05-11 22:03", "system", "You blocked this contact. Tap to unblock."),
)
NEW_NUMBER_BEATS = _beats(
    ("2025-05-13 18:47:12", "system", E2E_IOS),
    ("2025-05-13 18:47:12", "them", "Blocking me won't work. New number, same me."),
    ("2025-05-13 19:10:40", "me", STOP_REQUEST),
    ("2025-05-13 19:11:02", "them", "You don't get to decide that."),
    ("2025-05-17 22:14:05", "photo", ""),
    ("2025-05-17 22:14:31", "them", "Recognise this? Your car, in the car park on Mill Lane."),
    ("2025-05-24 07:52:18", "photo", ""),
    ("2025-05-24 07:52:40", "them", "You looked cold at the bus stop this morning."),
    ("2025-06-01 23:31:09", "photo", ""),
    ("2025-06-01 23:31:44", "them", "Your front door needs a new coat of paint."),
    ("2025-06-08 21:02:51", "photo", ""),
    ("2025-06-08 21:03:20", "them", "I'm not going anywhere.\nNot now, not ever."),
)
FRIEND_BEATS = _beats(
    ("2024-10-14 08:00", "system", E2E_ANDROID),
    ("2024-10-15 12:10", "them", "How are you doing after the weekend? Here if you want to talk x"),
    ("2024-10-15 12:34", "me", "Thanks Sam. I'm okay. It was the right decision."),
    ("2024-12-08 09:15", "me", "Casey sent over 20 messages last night, most after midnight."),
    ("2024-12-08 09:20", "them", "That's not okay, and it's not on you. Stay at mine this weekend?"),
    ("2025-01-18 08:35", "me", "Casey was outside the gym this morning. Just standing there."),
    ("2025-01-18 08:37", "them", "Are you safe now? Call me when you can."),
    (
        "2025-02-20 12:30",
        "them",
        "Some things that might help:\n- keep every message\n- note dates and times",
    ),
    ("2025-02-20 12:41", "me", "Thank you. I've started a diary."),
    ("2025-03-08 19:20", "me", "Casey was in the car park on Mill Lane after work. Driving to yours."),
    ("2025-03-08 19:21", "them", "Door's open. Come straight here."),
    ("2025-05-12 10:02", "them", "I can come with you to the police station on Thursday if you like."),
    ("2025-05-12 10:15", "me", "Yes please. Thank you for everything."),
    ("2025-05-24 07:58", "me", "Casey was at my bus stop. I'm on the bus now, I'm okay."),
    ("2025-05-24 07:59", "them", "Well done for getting on the bus. Ring me if you want company."),
)


def main_chat() -> ChatScript:
    """Casey's original number, on Robin's old Android phone: the long escalation."""
    return ChatScript(MAIN_PHASES, MAIN_BEATS)


def new_number_chat() -> ChatScript:
    """Casey's second number, after the block, on Robin's new iPhone: short, with photos."""
    return ChatScript(NEW_NUMBER_PHASES, NEW_NUMBER_BEATS)


def friend_chat() -> ChatScript:
    """Sam, a supportive friend, so that not everything in a demo case is harassment."""
    return ChatScript(FRIEND_PHASES, FRIEND_BEATS)
