"""Redaction for a pack shared with an advocate or a platform: other people's names, handles,
numbers and e-mail addresses are replaced with stable labels ("third party 3").

Who is kept: the victim (the case's keeper, and every account the victim sent from) and the person
the pack is about (the accounts a person linked to them). Everyone else the events name is a third
party: each gets one label for the whole pack, so a reader can still follow who said what. In
running text the redactor replaces the third parties' names (whole and by their capitalised parts),
handles, and any phone number or e-mail address that is not the victim's or the person's. It errs
towards hiding: the victim's own address is kept only where the victim sent something from it.

Original exhibits cannot be redacted byte for byte, so a redacted pack carries none of them; they
are listed with their hashes as withheld (pack/bundle.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from casetrail.model.accounts import accounts_in, email_id, event_accounts, phone_id
from casetrail.store.case import Case
from casetrail.store.queries import TimelineFilter, stream_timeline

NUMBER_WITHHELD = "[number withheld]"
#: Details in which an importer keeps the names of people an entry mentions (the diary's lists).
PEOPLE_DETAILS = ("people", "witnesses", "witness")
EMAIL_WITHHELD = "[e-mail address withheld]"
_EMAIL_IN_TEXT = re.compile(
    r"[^\s@<>()\[\]\"',;:]+@[A-Za-z][A-Za-z0-9\-]*(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}(?![\w\-])"
)
# A phone number in running text: starts with + or 0 and holds ten or more digits, standing on its
# own (dates, times and numbers inside file names, which run on with - / . or letters, are left alone).
_PHONE_IN_TEXT = re.compile(r"(?<![\w+\-/.:])(?:\+|0)\d[\d ().\-]{7,20}\d(?![\w\-/]|\.\d)")
# Capitalised words too common to hide on their own when they are part of a third party's name.
_COMMON = frozenset(
    {
        "the", "and", "for", "from", "with", "work", "home", "team", "group", "chat", "family", "mum",
        "dad", "mom", "new", "old", "not", "you", "your", "our", "mr", "mrs", "ms", "miss", "dr",
        "sir", "madam",
    }
)  # fmt: skip


def _name_of(account_id: str, name: str | None) -> str | None:
    """The words a reader would see for an account: its shown name, or the label an importer kept."""
    if name:
        return name
    kind, _, rest = account_id.partition(":")
    if kind in ("phone", "email") or rest.startswith("id:"):
        return None
    return rest or None


def _handle_of(account_id: str) -> str | None:
    kind, _, rest = account_id.partition(":")
    if kind == "phone":
        return None  # numbers are found by their pattern, in any written form
    if kind == "email":
        return rest
    return rest[3:] if rest.startswith("id:") else None


class Redactor:
    """Replaces third parties in names, labels and running text; built once per pack.

    ``parties`` are (account ids, names shown for them): one person may have several accounts
    (a number, an address, a chat name) seen under one name, and gets one label for all of them."""

    def __init__(self, keep: frozenset[str], parties: list[tuple[set[str], set[str]]], kept_names: set[str],
                 region: str | None) -> None:  # fmt: skip
        self.keep = keep
        self.region = region
        self.label_of: dict[str, str] = {}
        words: dict[str, str] = {}
        inside: dict[str, str] = {}
        kept_tokens = {token.casefold() for name in kept_names for token in name.split()}
        kept_whole = {name.casefold() for name in kept_names}
        for number, (account_ids, names) in enumerate(parties, start=1):
            label = f"[third party {number}]"
            handles = {h for h in map(_handle_of, account_ids) if h}
            for account_id in account_ids:
                self.label_of[account_id] = label
            for name in names | handles:
                if name.casefold() not in kept_whole and len(name) >= 2:
                    words.setdefault(name.casefold(), label)
                    compact = "".join(ch for ch in name.casefold() if ch.isalnum())
                    if len(compact) >= 6:
                        inside.setdefault(compact, label)
                for token in name.split():
                    token = token.strip(".,:;!?\"'()")
                    folded = token.casefold()
                    if (len(token) >= 3 and token[:1].isupper() and folded not in kept_tokens
                            and folded not in _COMMON):  # fmt: skip
                        words.setdefault(folded, label)
                        if len(folded) >= 5:
                            inside.setdefault(folded, label)
        self.words = words
        self.inside = inside
        self._names = _alternation(words, bounded=True)
        self._inside = _alternation(inside, bounded=False)

    def text(self, value: str) -> str:
        """Running text with third parties' names, numbers and e-mail addresses replaced."""
        if not value:
            return value
        value = _EMAIL_IN_TEXT.sub(self._email, value)
        value = _PHONE_IN_TEXT.sub(self._phone, value)
        if self._names is not None:
            value = self._names.sub(lambda m: self.words.get(m.group(0).casefold(), "[third party]"), value)
        return value

    def name(self, value: str) -> str:
        """A file name, path or place: as running text, and names run together ("samokafor/data.json")
        are found inside words too."""
        value = self.text(value)
        if self._inside is not None and value:
            value = self._inside.sub(lambda m: self.inside.get(m.group(0).casefold(), "[third party]"), value)
        return value

    def label(self, value: str | None, channel: str) -> str | None:
        """A sender or recipient as shown: a third party's label, or the text redacted."""
        if not value:
            return value
        for account in accounts_in(value, channel, self.region):
            if account.id in self.label_of:
                return self.label_of[account.id]
        return self.text(value)

    def value(self, value: Any, skip: frozenset[str] = frozenset()) -> Any:
        """Every string inside a JSON-like value redacted as text, except under the keys in ``skip``."""
        if isinstance(value, str):
            return self.name(value)
        if isinstance(value, list):
            return [self.value(item, skip) for item in value]
        if isinstance(value, dict):
            return {key: item if key in skip else self.value(item, skip) for key, item in value.items()}
        return value

    def _email(self, match: re.Match[str]) -> str:
        found = email_id(match.group(0))
        if found is None or found in self.keep:
            return match.group(0)
        return self.label_of.get(found, EMAIL_WITHHELD)

    def _phone(self, match: re.Match[str]) -> str:
        found = phone_id(match.group(0), self.region)
        if found is not None and found in self.keep:
            return match.group(0)
        return self.label_of.get(found or "", NUMBER_WITHHELD)


def _alternation(words: dict[str, str], bounded: bool) -> re.Pattern[str] | None:
    if not words:
        return None
    ordered = sorted(words, key=len, reverse=True)
    if bounded:
        return re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in ordered), re.IGNORECASE)
    return re.compile("|".join(re.escape(w) for w in ordered), re.IGNORECASE)


def build_redactor(case: Case, person_accounts: frozenset[str], scope: TimelineFilter) -> Redactor:
    """One pass over the pack's events: the victim's accounts (those sent from, or shown under the
    case keeper's name), the person's, and every other account in order of first appearance, with
    the names shown for it. Accounts shown under a name the victim or the person uses are kept."""
    region = case.region
    own: set[str] = set()
    seen: dict[str, set[str]] = {}
    for event in stream_timeline(case, scope):
        named = event_accounts(event.channel, event.sender, event.recipients, event.details, region)
        if event.direction == "outgoing" and event.sender:
            own.update(a.id for a in accounts_in(event.sender, event.channel, region))
        for account in named:
            names = seen.setdefault(account.id, set())
            shown = _name_of(account.id, account.name)
            if shown:
                names.add(shown)
        for name in _people_named(event.details):  # a diary's "people" and "witnesses"
            account_id = phone_id(name, region) or email_id(name)
            if account_id:
                seen.setdefault(account_id, set())
            else:
                seen.setdefault(f"name:{name.casefold()}", set()).add(name)
    kept_names = {case.producer.name, *_names(seen, own | person_accounts)}
    folded = {name.casefold() for name in kept_names}
    keep = frozenset(
        own | person_accounts | {a for a, names in seen.items() if any(n.casefold() in folded for n in names)}
    )
    return Redactor(keep, _people(seen, keep), kept_names, region)


def _people_named(details: dict[str, str]) -> Iterator[str]:
    for key in PEOPLE_DETAILS:
        for part in re.split(r"[,;\n]| and ", details.get(key) or ""):
            name = re.sub(r"\([^()]*\)", "", part).strip()
            if name:
                yield name


def _people(seen: dict[str, set[str]], keep: frozenset[str]) -> list[tuple[set[str], set[str]]]:
    """Third parties' accounts grouped by the names shown for them, in order of first appearance."""
    parties: list[tuple[set[str], set[str]]] = []
    by_name: dict[str, int] = {}
    for account_id, names in seen.items():
        if account_id in keep:
            continue
        index = next((by_name[n.casefold()] for n in names if n.casefold() in by_name), None)
        if index is None:
            index = len(parties)
            parties.append((set(), set()))
        parties[index][0].add(account_id)
        parties[index][1].update(names)
        by_name.update({n.casefold(): index for n in names})
    return parties


def _names(seen: dict[str, set[str]], keep: Iterable[str]) -> set[str]:
    return {name for account_id in keep for name in seen.get(account_id, ())}
