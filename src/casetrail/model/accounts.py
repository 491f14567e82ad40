"""Accounts: the handles one person reaches the victim from, written in one form so they can be joined.

The same phone number arrives as ``+44 7700 900123`` in a WhatsApp export, ``Casey (07700900123)`` in
an SMS backup and ``447700900123`` in a call log; the same e-mail address in several cases of letters.
Each is reduced to one account id, so a person can be linked to all of them and asked about at once:

- ``phone:+447700900123`` (E.164; national numbers are read in the case's region);
- ``email:casey.marsh@example.org`` (lower-cased);
- ``telegram:id:user5550587``, ``discord:id:…``, ``x:id:…``: the platform's own id for the sender,
  where the export gives one; the name shown beside it is kept as a name the account was seen under
  (ids outlast changes of name and handle);
- ``whatsapp:Casey Marsh`` and the like: a name or handle as one platform shows it (the export gives
  nothing better, e.g. the victim's own contact name for someone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_PHONE_LIKE = re.compile(r"\A\+?[0-9(][0-9 ().\-/]{4,30}\Z")
_LABELLED = re.compile(r"\A(?P<name>.*\S)\s*\((?P<handle>[^()]+)\)\Z")  # "Name (handle)"
_EMAIL = re.compile(r"\A[^@\s<>()]+@[^@\s<>()]+\.[^@\s<>()]+\Z")
_ADDRESSED = re.compile(r"\A(?P<name>.*?)\s*<(?P<address>[^<>]+)>\Z")  # "Name <address>"
_ID_LABEL = re.compile(r"\Aid ([A-Za-z0-9_.\-]{1,64})\Z")


@dataclass(frozen=True, slots=True)
class Account:
    """One handle in its single written form (``id``), with the name shown beside it, if any."""

    id: str
    name: str | None = None

    @property
    def kind(self) -> str:
        return self.id.split(":", 1)[0]


def phone_id(raw: str, region: str | None) -> str | None:
    """``phone:+E164`` for something that reads as a phone number, else None.

    A number without a country code is read in ``region`` (ISO 3166 code such as ``GB``); with no
    region, or when it cannot be read, the digits are kept as written so nothing is lost.
    """
    text = raw.translate(_INVISIBLE).strip()
    if not _PHONE_LIKE.match(text):
        return None
    digits = re.sub(r"[^0-9]", "", text)
    if len(digits) < 5:
        return None
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else region)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and (
        phonenumbers.is_valid_number(number)
        or (phonenumbers.is_possible_number(number) and len(str(number.national_number)) >= 7)
    ):
        return "phone:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"phone:{'+' if text.startswith('+') else ''}{digits}"


def email_id(raw: str) -> str | None:
    text = raw.strip().strip("<>").strip()
    return f"email:{text.lower()}" if _EMAIL.match(text) else None


def accounts_in(label: str | None, channel: str, region: str | None) -> list[Account]:
    """The accounts an event's sender or recipient label names (usually one)."""
    return list(_accounts_in(label, channel, region))


@lru_cache(maxsize=8192)  # a case names the same few people in millions of events
def _accounts_in(label: str | None, channel: str, region: str | None) -> tuple[Account, ...]:
    if not label:
        return ()
    text = label.translate(_INVISIBLE).strip()
    if not text:
        return ()
    name: str | None = None
    handle = text
    if (labelled := _LABELLED.match(text)) or (labelled := _ADDRESSED.match(text)):
        groups = labelled.groupdict()
        name, handle = groups["name"].strip().strip('"') or None, (groups.get("handle") or groups["address"])
    found = email_id(handle) or phone_id(handle, region)
    if found:
        return (Account(found, name),)
    platform = _ID_LABEL.match(handle)  # "@name (id 123)", "id 123": how importers show a bare id
    if platform:
        return (Account(f"{channel}:id:{platform.group(1)}", name),)
    return (Account(f"{channel}:{text}", None),)


#: Per channel, the detail an importer keeps the sender's platform id in (docs/people.md).
SENDER_ID_DETAILS = {"telegram": ("from_id", "actor_id"), "discord": ("author_id",), "x": ("sender_id",)}
#: Per channel, the detail holding the recipients' platform ids (comma-separated), if any.
RECIPIENT_ID_DETAILS = {"x": "recipient_ids"}
_PLATFORM_ID = re.compile(r"\A[A-Za-z0-9_.\-]{1,64}\Z")


def sender_accounts(
    channel: str, sender: str | None, details: dict[str, str], region: str | None
) -> list[Account]:
    """The account an event came from: the platform's id where the export gives one, else the label."""
    sender_id = next((details[k] for k in SENDER_ID_DETAILS.get(channel, ()) if details.get(k)), None)
    if sender_id and _PLATFORM_ID.match(sender_id):
        return [Account(f"{channel}:id:{sender_id}", sender)]
    return accounts_in(sender, channel, region)


def event_accounts(
    channel: str,
    sender: str | None,
    recipients: tuple[str, ...] | list[str],
    details: dict[str, str],
    region: str | None,
) -> list[Account]:
    """Every account an event names, sender first: platform ids where the export gives them."""
    found = sender_accounts(channel, sender, details, region)
    ids_key = RECIPIENT_ID_DETAILS.get(channel)
    ids = [i.strip() for i in details.get(ids_key, "").split(",")] if ids_key else []
    if ids and all(_PLATFORM_ID.match(i) for i in ids):
        found += [Account(f"{channel}:id:{i}") for i in ids]
    else:
        for person in recipients:
            found += accounts_in(person, channel, region)
    return found


def parse_account(spec: str, region: str | None) -> str:
    """An account id from what a person types: a number, an address, or ``CHANNEL:HANDLE``.

    Raises ValueError with a plain explanation when it is none of these.
    """
    text = spec.translate(_INVISIBLE).strip()
    found = email_id(text) or phone_id(text, region)
    if found:
        return found
    channel, sep, handle = text.partition(":")
    if sep and channel.strip() and handle.strip():
        channel = channel.strip().lower()
        if channel == "phone":
            return phone_id(handle, region) or f"phone:{handle.strip()}"
        if channel == "email":
            return email_id(handle) or f"email:{handle.strip().lower()}"
        return f"{channel}:{handle.strip()}"
    raise ValueError(
        f"{spec!r} is not a phone number, an e-mail address or CHANNEL:HANDLE (e.g. instagram:some.name)"
    )


def region_of_zone(zone: str) -> str | None:
    """The country a time zone belongs to (tzdata's zone table), for reading national numbers."""
    import importlib.resources

    try:
        table = importlib.resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return None
    for line in table.splitlines():
        fields = line.split("\t")
        if len(fields) >= 3 and not line.startswith("#") and fields[2] == zone:
            return fields[0]
    return None
