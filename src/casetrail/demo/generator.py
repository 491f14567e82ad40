"""Write the fictional demo case into a folder, in the real export formats, and say what to expect.

The expected counts come from the writers themselves, so ``casetrail demo`` and the tests can check an
import against exactly what was written rather than against numbers kept by hand.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from casetrail.demo import (
    discord_export,
    generic_export,
    phone_story,
    signal_export,
    telegram_export,
    x_export,
)
from casetrail.demo.cast import EX_PARTNER, EX_PARTNER_NEW_NUMBER, FRIEND, VICTIM
from casetrail.demo.diary_export import demo_diary, write_diary
from casetrail.demo.email_export import demo_emails, write_eml, write_mbox
from casetrail.demo.meta_export import App, write_account_zip
from casetrail.demo.screenshot_export import write_screenshots_zip
from casetrail.demo.script import (
    E2E_ANDROID,
    E2E_IOS,
    SECTIONS,
    fill,
    friend_chat,
    main_chat,
    new_number_chat,
    tell,
    unambiguous,
)
from casetrail.demo.sms_export import write_call_log, write_sms_backup
from casetrail.demo.whatsapp_export import (
    ChatMessage,
    ExportStats,
    write_android_txt,
    write_ios_txt,
    write_ios_zip,
)

MAIN_CHAT_FILE = "WhatsApp Chat with Casey Marsh.txt"
NEW_NUMBER_CHAT_FILE = "WhatsApp Chat - Casey (new number).zip"
FRIEND_CHAT_FILE = "WhatsApp Chat with Sam Okafor.txt"
DIARY_FILE = "diary.json"
SMS_FILE = "sms-20250616090000.xml"
CALLS_FILE = "calls-20250616090000.xml"
MAILBOX_FILE = "All mail Including Spam and Trash.mbox"  # the name Google Takeout gives it
SAVED_EMAIL_FILE = "Saw you at the gym.eml"  # one of the same e-mails, saved on its own
FACEBOOK_FILE = "facebook-robinhale-2025-06-16.zip"  # Meta's "Download your information" exports
INSTAGRAM_FILE = "instagram-robin.hale.demo-2025-06-16.zip"
SCREENSHOTS_FILE = "Screenshots.zip"
TELEGRAM_FILE = "Telegram Desktop export 2025-06-16.zip"
DISCORD_FILE = "DM with casey.m.again.zip"  # DiscordChatExporter, with the photo it saved
DISCORD_PACKAGE_FILE = "package.zip"  # Robin's own Discord data package
X_FILE = "twitter-2025-06-16-demo.zip"
SIGNAL_FILE = "signal-export.zip"
GENERIC_FILE = "incidents-typed-up-by-advocate.casetrail.csv"
#: Files written from a fixed script, the same whatever the seed (the rest vary with it).
SCRIPTED_FILES = (
    MAILBOX_FILE,
    SAVED_EMAIL_FILE,
    FACEBOOK_FILE,
    INSTAGRAM_FILE,
    SCREENSHOTS_FILE,
    TELEGRAM_FILE,
    DISCORD_FILE,
    DISCORD_PACKAGE_FILE,
    X_FILE,
    SIGNAL_FILE,
    GENERIC_FILE,
)
_UNSAFE_IN_CANARY = frozenset('/\\:*?"<>|')


@dataclass(frozen=True, slots=True)
class ChatFile:
    """One written chat export and what an importer should find in it.

    ``messages`` counts every message including system lines; each starts one header line, so
    ``header_lines`` equals ``messages``. ``attachments`` are the zip members the chat names.
    """

    path: Path
    messages: int
    system_messages: int
    header_lines: int
    continuation_lines: int
    attachments: tuple[str, ...] = ()

    @classmethod
    def from_stats(cls, path: Path, stats: ExportStats) -> ChatFile:
        return cls(
            path=path,
            messages=stats.header_lines,
            system_messages=stats.system_lines,
            header_lines=stats.header_lines,
            continuation_lines=stats.continuation_lines,
            attachments=stats.attachments,
        )


@dataclass(frozen=True, slots=True)
class ExportFile:
    """Another written export (texts, calls, e-mail, ...) and how many events it must import as."""

    path: Path
    events: int


@dataclass(frozen=True, slots=True)
class DemoFiles:
    """Every file of a generated demo case, with the counts an import of it must reproduce."""

    out_dir: Path
    seed: int
    scale: int
    canary: str | None
    main_chat: ChatFile
    new_number_chat: ChatFile
    friend_chat: ChatFile
    diary: Path
    diary_entries: int
    others: tuple[ExportFile, ...] = ()

    @property
    def chats(self) -> tuple[ChatFile, ...]:
        return (self.main_chat, self.new_number_chat, self.friend_chat)

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every file to import, in story order."""
        return (*(chat.path for chat in self.chats), *(other.path for other in self.others), self.diary)

    @property
    def expected_events(self) -> int:
        """How many events importing every file must give."""
        return self.total_messages + self.diary_entries + sum(other.events for other in self.others)

    @property
    def total_messages(self) -> int:
        return sum(chat.messages for chat in self.chats)

    @property
    def attachment_count(self) -> int:
        return sum(len(chat.attachments) for chat in self.chats)


def check_canary(canary: str | None) -> None:
    """A canary must survive as-is in a file name, a chat line and JSON, so it is kept to plain text."""
    if canary is None:
        return
    if not 1 <= len(canary) <= 64 or not canary.isprintable() or canary != canary.strip():
        raise ValueError("canary must be 1-64 printable characters without leading or trailing spaces")
    if canary.startswith(".") or _UNSAFE_IN_CANARY.intersection(canary):
        raise ValueError('canary must not start with "." or contain any of / \\ : * ? " < > |')


def _plant(
    messages: Iterable[ChatMessage], canary: str, document: str | None = None
) -> Iterator[ChatMessage]:
    """Add the canary to the first text message, and name the first photo after it."""
    texted = named = False
    for message in messages:
        if not texted and message.kind == "text" and message.sender is not None:
            message, texted = replace(message, text=f"{message.text} {canary}"), True
        elif document and not named and message.kind == "media":
            message, named = replace(message, filename=document), True
        yield message


def generate_demo_files(
    out_dir: Path, *, seed: int = 2025, scale: int = 1, canary: str | None = None
) -> DemoFiles:
    """Write the three chats and the diary of the fictional case into ``out_dir`` (created if missing)."""
    check_canary(canary)
    if scale < 1:
        raise ValueError("scale must be at least 1")
    out_dir.mkdir(parents=True, exist_ok=True)
    me = VICTIM.whatsapp_name

    # One independent random stream per file, so changing one file never reshuffles the others.
    def rng(part: str) -> random.Random:
        return random.Random(f"casetrail-demo:{seed}:{part}")  # noqa: S311 - fiction, not secrets

    main = tell(main_chat(), rng("main"), them=EX_PARTNER.whatsapp_name, me=me, scale=scale)
    friend = tell(friend_chat(), rng("friend"), them=FRIEND.whatsapp_name, me=me, scale=scale)
    new_name = EX_PARTNER_NEW_NUMBER.whatsapp_name + (f" {canary}" if canary else "")
    new_number = tell(new_number_chat(), rng("new-number"), them=new_name, me=me, scale=scale)
    comment = "casetrail demo photo: fictional, generated" + (f" {canary}" if canary else "")
    if canary:
        main, friend = _plant(main, canary), _plant(friend, canary)
        new_number = _plant(new_number, canary, document=f"{canary}.jpg")

    main_path, zip_path = out_dir / MAIN_CHAT_FILE, out_dir / NEW_NUMBER_CHAT_FILE
    friend_path, diary_path = out_dir / FRIEND_CHAT_FILE, out_dir / DIARY_FILE
    main_stats = write_android_txt(main_path, main)
    zip_stats = write_ios_zip(zip_path, new_number, chat_name=new_name, photo_comment=comment)
    friend_stats = write_android_txt(friend_path, friend)
    entries = write_diary(diary_path, demo_diary(rng("diary"), canary))
    texts = phone_story.texts(rng("texts"), canary)
    sms_count = write_sms_backup(out_dir / SMS_FILE, texts, len(texts), EX_PARTNER)
    call_count = write_call_log(
        out_dir / CALLS_FILE, sorted(phone_story.calls(rng("calls")), key=lambda call: call.at)
    )
    emails = demo_emails()
    mail_count = write_mbox(out_dir / MAILBOX_FILE, emails)
    saved = next(email for email in emails if email.subject == "Saw you at the gym")
    write_eml(out_dir / SAVED_EMAIL_FILE, saved)
    others = (
        ExportFile(out_dir / SMS_FILE, sms_count),
        ExportFile(out_dir / CALLS_FILE, call_count),
        ExportFile(out_dir / MAILBOX_FILE, mail_count),
        ExportFile(out_dir / SAVED_EMAIL_FILE, 0),  # already in the mailbox: a second source, no new event
        _meta_zip(out_dir / FACEBOOK_FILE, "messenger"),
        _meta_zip(out_dir / INSTAGRAM_FILE, "instagram"),
        ExportFile(out_dir / SCREENSHOTS_FILE, write_screenshots_zip(out_dir / SCREENSHOTS_FILE)),
        _written(telegram_export.write_account_zip(out_dir / TELEGRAM_FILE)),
        _written(discord_export.write_dce_zip(out_dir / DISCORD_FILE)),
        _package(out_dir / DISCORD_PACKAGE_FILE),
        _written(x_export.write_x_archive(out_dir / X_FILE)),
        _written(signal_export.write_signal_export_zip(out_dir / SIGNAL_FILE)),
        _written(generic_export.write_generic_csv(out_dir / GENERIC_FILE)),
    )
    return DemoFiles(
        out_dir=out_dir,
        seed=seed,
        scale=scale,
        canary=canary,
        main_chat=ChatFile.from_stats(main_path, main_stats),
        new_number_chat=ChatFile.from_stats(zip_path, zip_stats),
        friend_chat=ChatFile.from_stats(friend_path, friend_stats),
        diary=diary_path,
        diary_entries=entries,
        others=others,
    )


class _Written(Protocol):
    """What every demo writer returns: the file, and how many events its import must give."""

    @property
    def path(self) -> Path: ...

    @property
    def events(self) -> int: ...


def _written(export: _Written) -> ExportFile:
    return ExportFile(export.path, export.events)


def _package(path: Path) -> ExportFile:
    """Robin's Discord data package: the stop request is also in the exported DM (one event, two
    sources), so it adds one event fewer than it holds."""
    written = discord_export.write_data_package(path)
    return ExportFile(path, written.events - 1)


def _meta_zip(path: Path, app: App) -> ExportFile:
    written = write_account_zip(path, app)
    return ExportFile(path, sum(len(thread.messages) for thread in written.threads))


def bulk_messages(
    rng: random.Random, count: int, *, notice: str, multiline_rate: float = 0.05
) -> Iterator[ChatMessage]:
    """Exactly ``count`` plausible messages (a notice first), made as fast as Python allows."""
    if count <= 0:
        return
    at = datetime(2019, 1, 7, 8, 0, 0)
    yield ChatMessage(at, None, notice, "system")
    pools: dict[bool, list[str]] = {True: [], False: []}  # True: lines for the other person
    for _ in range(3):
        for section, texts in SECTIONS.items():
            for text in texts:
                prompt, _, answer = fill(text, rng).partition(" | ")
                pools[section not in ("calm", "friendly")].append(prompt)
                if answer:
                    pools[False].append(answer)
    them, me = EX_PARTNER.whatsapp_name, VICTIM.whatsapp_name
    roll, second = rng.random, timedelta(seconds=1)
    for _ in range(count - 1):
        at = unambiguous(at + second * int(10 + roll() * 300))
        theirs = roll() < 0.7
        pool = pools[theirs]
        text = pool[int(roll() * len(pool))]
        if roll() < multiline_rate:
            text = f"{text}\n{pool[int(roll() * len(pool))]}"
        yield ChatMessage(at, them if theirs else me, text)


def write_large_whatsapp_export(path: Path, messages: int, *, seed: int = 1, layout: str = "android") -> int:
    """Stream a chat of ``messages`` header lines (about 5% multi-line) for benchmarks; returns the count.

    Memory stays flat whatever the size: messages are made, written and dropped one at a time.
    """
    rng = random.Random(seed)  # noqa: S311 - benchmark text, not secrets
    if layout == "android":
        stats = write_android_txt(path, bulk_messages(rng, messages, notice=E2E_ANDROID))
    elif layout == "ios":
        stream = bulk_messages(rng, messages, notice=E2E_IOS)
        stats = write_ios_txt(path, stream, chat_name=EX_PARTNER.whatsapp_name)
    else:
        raise ValueError(f'layout must be "android" or "ios", not {layout!r}')
    return stats.header_lines


def write_large_sms_backup(path: Path, messages: int, *, seed: int = 1) -> int:
    """Stream an SMS Backup & Restore file of ``messages`` texts with the ex-partner, for benchmarks.

    The same fictional conversation as the WhatsApp benchmark, one ``<sms>`` element per message
    (multi-line texts included); memory stays flat whatever the size. Returns the count.
    """
    rng = random.Random(seed)  # noqa: S311 - benchmark text, not secrets
    stream = bulk_messages(rng, messages + 1, notice=E2E_ANDROID)  # the notice is not an SMS
    return write_sms_backup(path, stream, messages, EX_PARTNER)
