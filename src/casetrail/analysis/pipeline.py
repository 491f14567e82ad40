"""One pass over a case, in time order: label every event, decide whose side it is on, follow the stop
requests, and hand each labelled event to whoever needs it (figures, escalation, offence elements).

Memory holds counters and bounded samples, never the case: a million events pass through in one go.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from casetrail.analysis.behaviour import RuleClassifier
from casetrail.analysis.classifiers import Combined, installed
from casetrail.analysis.conduct import Contact, conduct_figures
from casetrail.analysis.escalation import escalation, severity_scale
from casetrail.analysis.evidence import EventRef, LabelledEvent
from casetrail.analysis.findings import CategoryEvidence, Findings, StopRequest, total_after
from casetrail.analysis.labelling import DIARY_FIELDS, labels_for, side_without_person
from casetrail.analysis.labels import Classifier, Label, Side, awaits_review
from casetrail.model.accounts import event_accounts, sender_accounts
from casetrail.model.event import NOTICE_KINDS
from casetrail.model.timestamps import EPOCH
from casetrail.store.case import Case
from casetrail.store.decisions import diary_links, standing_decisions
from casetrail.store.event_blocks import StoredEvent, locator_text
from casetrail.store.queries import TimelineFilter, is_diary, sourced_events_in_time_order

#: Kinds that are not contact: the export's own notices, and the victim's diary about what happened.
NOT_CONTACT = NOTICE_KINDS | {"diary-entry"}
STOP = "IMPACT.STOP_REQUEST"
AFTER_STOP = "CONTACT.AFTER_STOP"
NEW_ACCOUNT = "CONTACT.NEW_ACCOUNT"
SAME_OCCASION = timedelta(hours=1)  # stop requests this close together, with no contact between, are one
DERIVED = "analysis"


class Consumer(Protocol):
    def add(self, event: LabelledEvent) -> None: ...


@dataclass
class _Placed:
    """An event's place in the story: its side, the account it came from, contact or reply."""

    side: Side
    account: str | None = None
    contact: bool = False
    reply: bool = False


@dataclass
class _Sides:
    """Whose side each event is on (docs/analysis.md, "Whose words"): a linked person's accounts are
    the other side; the victim's messages to them, or in a chat where they wrote, are replies (chat
    exports that name no recipient count anyone else writing there)."""

    accounts: frozenset[str] | None
    region: str | None
    their_chats: set[int] = field(default_factory=set)

    def place(self, channel: str, chat: int | None, event: StoredEvent) -> _Placed:
        if event.kind in NOTICE_KINDS or is_diary(event):
            return _Placed(side_without_person(event))
        named = sender_accounts(channel, event.sender, event.details, self.region)
        account = named[0].id if named else None
        contact = event.kind not in NOT_CONTACT
        if self.accounts is None:
            side = side_without_person(event)
            return _Placed(side, account, contact and side == "suspect", contact and side == "victim")
        if any(a.id in self.accounts for a in named):
            if chat is not None:
                self.their_chats.add(chat)
            return _Placed("suspect", account, contact)
        in_their_chat = chat is not None and chat in self.their_chats
        if event.direction == "outgoing" or (event.direction == "unknown" and in_their_chat):
            to = event_accounts(channel, None, event.recipients, event.details, self.region)
            to_them = in_their_chat or any(a.id in self.accounts for a in to)
            return _Placed("victim" if to_them else "other", account, False, contact and to_them)
        return _Placed("unknown" if event.direction == "unknown" else "other", account)

    def about_them(self, chat: int | None, placed: _Placed) -> bool:
        """Whether a stop request or block is addressed to the person analysed: a message to them (or
        in their chat), an app notice in their chat, or any diary entry."""
        if self.accounts is None or placed.side == "diary":
            return True
        if placed.side == "victim":
            return placed.reply
        return placed.side == "system" and chat is not None and chat in self.their_chats


@dataclass
class _Pass:
    findings: Findings
    zone_key: str
    severity: dict[date, int] = field(default_factory=dict)
    seen_accounts: set[str] = field(default_factory=set)
    current_stop: StopRequest | None = None

    def stop_request(self, labelled: LabelledEvent, at: datetime) -> None:
        words = labelled.words_for(STOP)
        text = " ".join(words).casefold()
        how = (
            "police warning"
            if "police" in text or "warning" in text
            else "blocked"
            if "block" in text
            else "asked"
        )
        previous = self.current_stop
        if (
            previous is not None
            and previous.contacts_before_next == 0
            and previous.ref.at is not None
            and at - previous.ref.at <= SAME_OCCASION
        ):
            previous.also.append(labelled.ref)
            return
        self.current_stop = StopRequest(labelled.ref, words, how)
        self.findings.stop_requests.append(self.current_stop)

    def after_stop(self, placed: _Placed, ref: EventRef, day: date) -> list[Label]:
        stop = self.current_stop
        account = placed.account
        derived: list[Label] = []
        if stop is not None:
            stop.contacts_before_next += 1
            stop.channels_before_next[ref.channel] = stop.channels_before_next.get(ref.channel, 0) + 1
            stop.days_before_next.add(day)
            stop.first_after = stop.first_after or ref
            derived.append(Label(AFTER_STOP, "", "text", 0, 0, "derived:after-stop", DERIVED))
            if account and account not in self.seen_accounts:
                stop.new_accounts_before_next.append(account)
                derived.append(Label(NEW_ACCOUNT, "", "text", 0, 0, "derived:new-account", DERIVED))
        if account:
            self.seen_accounts.add(account)
        return derived

    def record(self, labelled: LabelledEvent, day: date, levels: int) -> None:
        side = labelled.ref.side
        if side not in ("suspect", "diary"):
            return
        target = self.findings.behaviour if side == "suspect" else self.findings.diary
        for category in labelled.categories():
            evidence = target.get(category)
            if evidence is None:
                evidence = target[category] = CategoryEvidence(category)
            evidence.add(labelled, day)
        pending: dict[str, list[str]] = {}
        for label in labelled.labels:
            if side == "suspect" and awaits_review(label):
                pending.setdefault(label.category, []).append(label.words)
        for category, words in pending.items():
            review = self.findings.to_review.get(category)
            if review is None:
                review = self.findings.to_review[category] = CategoryEvidence(category)
            review.add(labelled, day, words)
        if levels:
            self.severity[day] = max(self.severity.get(day, 0), levels)


def run_analysis(
    case: Case,
    accounts: frozenset[str] | None,
    consumers: Sequence[Consumer] = (),
    classifier: Classifier | None = None,
    scope: TimelineFilter | None = None,
) -> Findings:
    """Analyse the case for one person's accounts (None: all incoming contact) in one pass;
    ``scope`` keeps a part of the case (a pack's dates, channels or people)."""
    chosen: Classifier = classifier or installed()
    zone = case.timezone
    scale = severity_scale()
    decisions = standing_decisions(case)
    links = {diary.hex(): tuple(c.hex() for c in causes) for diary, causes in diary_links(case).items()}
    sides = _Sides(accounts, case.region)
    state = _Pass(Findings(conduct_figures((), zone)), zone.key)

    def contacts() -> Iterator[Contact]:
        for channel, chat, exhibit, event in sourced_events_in_time_order(case, scope):
            if event.occurred_us is None:
                continue
            at = EPOCH + timedelta(microseconds=event.occurred_us)
            day = at.astimezone(zone).date()
            placed = sides.place(channel, chat, event)
            uid = event.identity.hex()
            ref = EventRef(
                uid,
                at,
                channel,
                event.kind,
                placed.side,
                exhibit,
                locator_text(event.locator) if event.locator else None,
                placed.account,
            )
            labels, _set_aside = labels_for(chosen, event, placed.side, decisions)
            if placed.contact:
                labels.extend(state.after_stop(placed, ref, day))
            own_words = None
            if placed.side == "diary":
                own_words = {"what_happened": event.text or ""}
                own_words.update(
                    {name: event.details[name] for name in DIARY_FIELDS if event.details.get(name)}
                )
            labelled = LabelledEvent(ref, tuple(labels), own_words, links.get(uid, ()))
            if labelled.has(STOP) and sides.about_them(chat, placed):
                state.stop_request(labelled, at)
            levels = scale.of({c for c in labelled.categories() if not c.startswith("IMPACT.")})
            state.record(labelled, day, levels if placed.side in ("suspect", "diary") else 0)
            for consumer in consumers:
                consumer.add(labelled)
            if placed.contact:
                yield Contact(at, channel, event.kind, True, placed.account)
            elif placed.reply:
                yield Contact(at, channel, event.kind, False)

    findings = state.findings
    findings.conduct = conduct_figures(contacts(), zone)
    total_after(findings.stop_requests)
    findings.escalation = escalation(dict(findings.conduct.per_day), state.severity, scale.version)
    versions = {"severity.yaml": scale.version}
    if isinstance(chosen, Combined):
        versions.update(chosen.versions())
        findings.warnings = [
            f"A classifier plugin could not be loaded ({b}); it was left out." for b in chosen.broken
        ]
    elif isinstance(chosen, RuleClassifier):
        versions.update(chosen.lexicon.versions)
    else:
        versions[f"classifier:{chosen.name}"] = chosen.version
    findings.versions = versions
    findings.accounts = sorted(accounts) if accounts is not None else None
    return findings
