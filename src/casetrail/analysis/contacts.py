"""The case's events as contacts from one person (or from anyone, towards the victim), in time order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from casetrail.analysis.conduct import Contact
from casetrail.model.accounts import event_accounts, sender_accounts
from casetrail.model.timestamps import EPOCH
from casetrail.store.case import Case
from casetrail.store.queries import events_in_time_order

#: Kinds that are not contact: the export's own notices, and the victim's diary about what happened.
NOT_CONTACT = frozenset(("system", "diary-entry"))


def contacts(case: Case, accounts: frozenset[str] | None = None) -> Iterator[Contact]:
    """Contacts from the person with these accounts, in time order, with the victim's messages to
    them marked as replies: messages addressed to one of the accounts, or sent in a chat where the
    person has already written (chat exports name no recipient). Without accounts: every incoming
    event, and every outgoing one as a reply."""
    region = case.region
    their_chats: set[int] = set()
    for channel, chat, event in events_in_time_order(case):
        if event.kind in NOT_CONTACT or event.occurred_us is None:
            continue
        details = event.details
        at = EPOCH + timedelta(microseconds=event.occurred_us)
        if accounts is None:
            if event.direction in ("incoming", "outgoing"):
                sender = sender_accounts(channel, event.sender, details, region)
                account = sender[0].id if sender else None
                yield Contact(at, channel, event.kind, event.direction == "incoming", account)
            continue
        named = sender_accounts(channel, event.sender, details, region)
        if any(a.id in accounts for a in named):
            if chat is not None:
                their_chats.add(chat)
            yield Contact(at, channel, event.kind, True, named[0].id)
        elif event.direction == "outgoing" or (event.direction == "unknown" and chat in their_chats):
            # A chat export that does not say who is who (WhatsApp): in the person's chat, anyone
            # else writing counts as a reply (in a group, other members too: docs/analysis.md).
            to = event_accounts(channel, None, event.recipients, details, region)
            if chat in their_chats or any(a.id in accounts for a in to):
                yield Contact(at, channel, event.kind, False)
