"""The genuine DiscordChatExporter samples in the shared corpus (expected values: MANIFEST.md, and the
peer's tests in mlomb/chat-analytics)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from casetrail.importers.base import ImportContext
from casetrail.importers.registry import choose, discover
from casetrail.ingest.source import Source
from casetrail.model.event import Channel, Direction, Kind
from tests.importers.discord.support import read

Corpus = Callable[[str], Path]
DM = "discord/chat-analytics/DM_2A_2M.json"
GROUP = "discord/chat-analytics/GC_3A_5M.json"
SERVER = "discord/chat-analytics/SV_5A_5M.json"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_direct_messages_two_messages_and_a_call(corpus: Corpus) -> None:
    events = read(corpus(DM))
    assert [e.kind for e in events] == [Kind.MESSAGE, Kind.MESSAGE, Kind.CALL]
    assert events[0].occurred_at == at("2019-01-04T17:52:39.762Z")
    assert events[2].occurred_at == at("2020-07-17T17:03:14.366Z")
    assert events[0].local_time == "2019-01-04T17:52:39.762+00:00"
    assert events[2].details["call_ended_at"] == "2020-07-17T21:14:52.787+00:00"
    assert events[2].details["call_duration_s"] == "15098"  # 17:03:14.366 → 21:14:52.787
    # name#discriminator; the nickname is kept beside it, the author id too (for linking people later).
    assert [e.sender for e in events] == ["mlomb#5506", "Someones name#1234", "Someones name#1234"]
    assert events[1].details["nickname"] == "Someones nickname"
    assert events[1].details["author_id"] == "444444444444444444"
    assert events[1].details["bot"] == "true"
    assert events[0].recipients == ("Someones name#1234",) and events[1].recipients == ("mlomb#5506",)
    assert events[0].details["reactions"] == "👆 ×42"
    assert {e.conversation for e in events} == {"530805775262679064"}
    assert events[0].details["source_id"].startswith("discord|530805775262679064|530805779645595660|")
    assert all(e.channel is Channel.DISCORD and e.direction is Direction.UNKNOWN for e in events)
    assert [e.locator.value for e in events] == ["/messages/0", "/messages/1", "/messages/2"]


def test_group_chat_six_entries_though_message_count_says_five(corpus: Corpus) -> None:
    context = ImportContext(ZoneInfo("UTC"))
    events = read(corpus(GROUP), context)
    assert len(events) == 6
    assert [e.kind for e in events].count(Kind.MESSAGE) == 3
    assert [e.details.get("type") for e in events if e.kind is Kind.SYSTEM] == [
        "ChannelNameChange",
        "ChannelIconChange",
    ]
    assert events[-1].kind is Kind.CALL and events[-1].occurred_at == at("2023-03-03T14:47:59.187Z")
    assert events[0].occurred_at == at("2023-01-17T19:33:07.489Z")
    assert len({e.details["author_id"] for e in events}) == 3  # theplant, lombi, mlomb
    plant = events[1]
    assert plant.sender == "not a plant#6597" and plant.details["nickname"] == "theplant"
    assert set(plant.recipients) == {"lombi#8778", "mlomb#5506"}
    assert events[4].details["reply_to"] == "1064990824305274930"
    assert any("'messageCount' says 5 but the file holds 6" in note for note in context.notes)
    # The reply reuses a 2019 message id with a 2023 time: the file's own disagreement is shown.
    assert "time-disagrees-with-id" in events[4].flags


def test_server_channel_edit_attachment_sticker_reactions(corpus: Corpus) -> None:
    events = read(corpus(SERVER))
    assert len(events) == 5
    times = [e.occurred_at for e in events]
    assert (min(times), max(times)) == (at("2018-05-20T16:09:44.209Z"), at("2018-05-20T16:09:51.118Z"))  # type: ignore[type-var]
    assert len({times[2], times[3], times[4]}) == 1  # three messages share a timestamp
    assert {e.sender for e in events} == {"Deleted User", "mlomb#5506"}  # discriminator 0000: name only
    assert "edited" in events[0].flags and events[0].details["edited_at"] == "2018-05-20T16:09:56.439+00:00"
    assert events[0].recipients == ()  # a server channel: no one in particular
    assert events[0].details["guild_name"] == "DefleMask"
    assert events[0].details["channel_name"] == "general-chiptune"
    attached = events[3]
    assert "attachment-not-kept" in attached.flags and attached.attachments == ()
    assert attached.details["attachments_not_kept"] == (
        "unknown.png (165152 bytes): https://cdn.discordapp.com/attachments/123/123/unknown.png"
    )
    assert attached.details["stickers"] == "Laugh"
    assert events[4].details["reactions"] == ":paul: ×3; ❤ ×2"
    # The first two entries are the same message twice: one identity, so the store keeps one event.
    assert events[0].details["source_id"] == events[1].details["source_id"]


def test_each_sample_goes_to_the_discord_importer(corpus: Corpus) -> None:
    loaded, _ = discover()
    for sample in (DM, GROUP, SERVER):
        chosen, sniff = choose(Source(corpus(sample)), loaded)
        assert chosen.importer.name == "discord", (sample, sniff)
        assert sniff.confidence >= 0.9
