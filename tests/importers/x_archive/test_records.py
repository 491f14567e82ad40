"""Every feature on small built files (see support.py for why they are built, not genuine)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from casetrail.demo.x_export import CASEY_ID, ROBIN_ID, SAM_ID, _tweet, ytd
from casetrail.errors import InputError
from casetrail.importers.x_archive.fields import api_time, iso_time
from casetrail.ingest.source import Source
from casetrail.model.event import Direction, Kind
from tests.helpers import make_zip
from tests.importers.x_archive.support import ACCOUNT, IMPORTER, T, dm, dm_file, read, read_with_notes


def test_times_are_read_in_both_forms_and_refused_when_odd() -> None:
    assert iso_time(T) == (datetime(2025, 5, 3, 21, 14, 7, 512000, tzinfo=UTC), T)
    assert iso_time("2025-05-03T22:14:07+01:00")[0] == datetime(2025, 5, 3, 21, 14, 7, tzinfo=UTC)
    assert iso_time("2025-05-03") == (None, "2025-05-03")
    assert iso_time("2025-13-03T21:14:07Z") == (None, "2025-13-03T21:14:07Z")
    assert iso_time(5) == (None, "")
    written = "Wed Oct 10 20:19:24 +0000 2018"
    assert api_time(written) == (datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC), written)
    assert api_time("Wed Oct 10 20:19:24 +0200 2018")[0] == datetime(2018, 10, 10, 18, 19, 24, tzinfo=UTC)
    assert api_time("Wed Foo 10 20:19:24 +0000 2018")[0] is None
    assert api_time("Wed Feb 30 20:19:24 +0000 2018")[0] is None


def test_a_lone_messages_file_has_ids_links_reactions_and_missing_media(tmp_path: Path) -> None:
    entry = dm(
        "look https://t.co/abc",
        media=["https://ton.twitter.com/dm/1/2/pic.jpg"],
        urls=[{"url": "https://t.co/abc", "expanded": "https://example.org/x", "display": "example.org/x"}],
        reactions=[{"senderId": ROBIN_ID, "reactionKey": "like", "eventId": "9", "createdAt": T}],
    )
    path = dm_file(tmp_path / "direct-messages.js", [entry])
    assert IMPORTER.sniff(Source(path)).confidence == 0.95
    (event,) = read(path)
    assert event.kind is Kind.MESSAGE and event.direction is Direction.UNKNOWN  # one conversation: no owner
    assert event.sender == f"id {CASEY_ID}" and event.recipients == (f"id {ROBIN_ID}",)
    assert event.details["source_id"].startswith("x|dm|1910000000000000001|")  # then a hash of the words
    assert event.details["links"] == "https://t.co/abc → https://example.org/x"
    assert event.details["reactions"] == f"like by id {ROBIN_ID} at {T}"
    assert event.details["missing_media"] == "https://ton.twitter.com/dm/1/2/pic.jpg"
    assert event.flags == ("attachment-missing",)
    assert event.locator.value == "/0/dmConversation/messages/0" and event.locator.member is None
    assert event.occurred_at == datetime(2025, 5, 3, 21, 14, 7, tzinfo=UTC)


def test_media_only_message_says_what_it_held(tmp_path: Path) -> None:
    path = dm_file(tmp_path / "dm.js", [dm("", media=["https://video.twimg.com/dm_video/1/vid/a.mp4?tag=1"])])
    assert read(path)[0].text == "[media: a.mp4]"


def test_the_owner_is_found_without_account_js_when_in_every_conversation(tmp_path: Path) -> None:
    other = "777"
    conversations = [
        {"dmConversation": {"conversationId": f"{ROBIN_ID}-{CASEY_ID}", "messages": [dm("a")]}},
        {"dmConversation": {"conversationId": f"{other}-{ROBIN_ID}", "messages": [dm("b", other, ROBIN_ID)]}},
    ]
    path = tmp_path / "direct-messages.js"
    path.write_text(ytd("direct_messages", conversations), encoding="utf-8")
    events, notes = read_with_notes(path)
    assert [e.direction for e in events] == [Direction.INCOMING, Direction.INCOMING]
    assert f"id {ROBIN_ID} is in every conversation" in notes[0]
    assert [e.conversation for e in events] == [f"{ROBIN_ID}-{CASEY_ID}", f"{other}-{ROBIN_ID}"]


def test_group_messages_go_to_everyone_else_seen_and_events_are_system(tmp_path: Path) -> None:
    entries = [
        dm("hi all", sender=CASEY_ID, recipient=None, number=2),
        {"participantsLeave": {"userIds": [SAM_ID], "createdAt": T}},
        {"participantsJoin": {"initiatingUserId": ROBIN_ID, "userIds": [CASEY_ID], "createdAt": T}},
        {"conversationNameUpdate": {"initiatingUserId": SAM_ID, "name": "Crew", "createdAt": T}},
        {
            "joinConversation": {
                "initiatingUserId": SAM_ID,
                "participantsSnapshot": [SAM_ID, ROBIN_ID],
                "createdAt": T,
            }
        },
    ]
    path = tmp_path / "direct-messages-group.js"
    body = {"conversationId": "42", "messages": entries}
    path.write_text(ytd("direct_messages_group", [{"dmConversation": body}]), encoding="utf-8")
    events = read(path)
    assert events[0].recipients == (f"id {SAM_ID}", f"id {ROBIN_ID}")
    assert [e.kind for e in events] == [Kind.MESSAGE, *[Kind.SYSTEM] * 4]
    assert [e.text for e in events[1:]] == [
        f"[id {SAM_ID} left the group]",
        f"[id {ROBIN_ID} added id {CASEY_ID}]",
        f"[id {SAM_ID} named the group: Crew]",
        f"[id {SAM_ID} added the account's owner to the group; members then: id {SAM_ID}, id {ROBIN_ID}]",
    ]
    assert [e.sender for e in events[1:]] == [
        f"id {SAM_ID}",
        f"id {ROBIN_ID}",
        f"id {SAM_ID}",
        f"id {SAM_ID}",
    ]
    assert {e.conversation for e in events} == {"42"}
    assert "source_id" not in events[1].details


def test_reactions_edits_unknown_entries_and_wrong_types(tmp_path: Path) -> None:
    entries = [
        {
            "reactionCreate": {
                "senderId": CASEY_ID,
                "reactionKey": "sad",
                "eventId": "5",
                "messageId": "7",
                "createdAt": T,
            }
        },
        dm("new words", editHistory=[{"text": "old words", "createdAt": T}]),
        {"somethingNew": {"createdAt": T}},
        dm(["not text"], number=3),
        {"messageCreate": "not an object"},
    ]
    events = read(dm_file(tmp_path / "dm.js", entries))
    reaction, edited, unknown, damaged, broken = events
    assert (reaction.kind, reaction.text, reaction.details["source_id"]) == (
        Kind.MESSAGE,
        "[reaction: sad]",
        "x|dm|reaction-5",
    )
    assert reaction.details["reacted_to"] == "7"
    assert "edited" in edited.flags and edited.details["edit_history"] == f"[{T}] old words"
    assert (unknown.kind, unknown.text) == (Kind.SYSTEM, "[somethingNew]")
    assert (
        damaged.text == ""
        and damaged.details["unreadable_fields"] == "text"
        and "field-unreadable" in damaged.flags
    )
    assert broken.flags == ("time-unreadable", "field-unreadable")


def test_a_conversation_id_after_the_messages_still_names_them(tmp_path: Path) -> None:
    path = tmp_path / "dm.js"
    path.write_text(
        'window.YTD.direct_messages.part0 = [{"dmConversation": {"messages": ['
        + __import__("json").dumps(dm("x"))
        + '], "conversationId": "1-2"}}]',
        encoding="utf-8",
    )
    assert read(path)[0].conversation == "1-2"


def test_a_missing_conversation_id_gets_a_stand_in(tmp_path: Path) -> None:
    path = dm_file(tmp_path / "dm.js", [dm("x")], conversation=None)
    assert read(path)[0].conversation == "unnamed:dm.js/0"


def _tweets_zip(tmp_path: Path, tweets: list[dict[str, object]], name: str = "tweets") -> Path:
    members = [
        ("data/account.js", ytd("account", [ACCOUNT]).encode()),
        (f"data/{name.replace('_', '-')}.js", ytd(name, tweets).encode()),
    ]
    return make_zip(tmp_path / "archive.zip", members)


def test_tweets_replies_and_mentions_are_posts_and_plain_ones_are_counted(tmp_path: Path) -> None:
    at = datetime(2025, 5, 4, 8, 30, tzinfo=UTC)
    mention = {"screen_name": "sam_demo", "id_str": SAM_ID}
    own = {"screen_name": "robin_hale_demo", "id_str": ROBIN_ID}
    tweets = [
        _tweet(
            0,
            at,
            "@casey hi",
            in_reply_to_user_id_str=CASEY_ID,
            in_reply_to_screen_name="casey",
            in_reply_to_status_id_str="11",
        ),
        _tweet(1, at, "plain"),
        _tweet(2, at, "thread", in_reply_to_user_id_str=ROBIN_ID, mentions=[own]),
        _tweet(3, at, "hi @sam_demo", mentions=[mention]),
        {
            "tweet": {
                "id_str": "4",
                "created_at": "nonsense",
                "full_text": "RT @sam_demo: x",
                "entities": {"user_mentions": [mention]},
            }
        },
    ]
    events, notes = read_with_notes(_tweets_zip(tmp_path, tweets))
    assert [e.details["tweet_type"] for e in events] == ["reply", "mention", "mention"]
    reply = events[0]
    assert (reply.kind, reply.direction, reply.sender) == (Kind.POST, Direction.OUTGOING, "@robin_hale_demo")
    assert reply.recipients == (f"@casey (id {CASEY_ID})",)
    assert reply.details["source_id"] == "x|tweet|1920000000000000001"
    assert reply.details["in_reply_to_status_id"] == "11" and reply.conversation is None
    assert reply.occurred_at == at and reply.locator.value == "/0/tweet"
    assert events[1].recipients == (f"@sam_demo (id {SAM_ID})",)
    assert events[2].details["retweet"] == "true" and events[2].flags == ("time-unreadable",)
    assert "data/tweets.js: 2 of the owner's tweets neither reply" in notes[1]


def test_a_lone_tweets_file_has_no_owner_and_old_bare_tweets_are_read(tmp_path: Path) -> None:
    at = datetime(2019, 1, 1, tzinfo=UTC)
    bare = _tweet(0, at, "@casey hi", in_reply_to_user_id_str=CASEY_ID, in_reply_to_screen_name="casey")[
        "tweet"
    ]
    path = tmp_path / "tweet.js"
    path.write_text(ytd("tweet", [bare]), encoding="utf-8")
    (event,) = read(path)
    assert (event.sender, event.direction) == (None, Direction.UNKNOWN)


def test_deleted_tweets_and_edits_are_flagged(tmp_path: Path) -> None:
    at = datetime(2025, 5, 4, tzinfo=UTC)
    tweet = _tweet(
        0, at, "@casey hi", in_reply_to_user_id_str=CASEY_ID, deleted_at="Thu May 08 10:00:00 +0000 2025"
    )
    tweet["tweet"]["edit_info"] = {
        "initial": {"editTweetIds": ["1920000000000000001", "1920000000000000009"]}
    }
    (event,) = read(_tweets_zip(tmp_path, [tweet], "deleted_tweets"))
    assert event.flags == ("edited", "deleted-by-owner")
    assert event.details["deleted_at"] == "Thu May 08 10:00:00 +0000 2025"


def test_screen_names_from_tweets_name_the_people_in_messages(tmp_path: Path) -> None:
    tweets = [
        _tweet(
            0,
            datetime(2025, 5, 4, tzinfo=UTC),
            "@casey_m hi",
            in_reply_to_user_id_str=CASEY_ID,
            in_reply_to_screen_name="casey_m",
        )
    ]
    messages = dm_file(tmp_path / "dm.js", [dm("x")])
    path = make_zip(
        tmp_path / "a.zip",
        [
            ("data/direct-messages.js", messages.read_bytes()),
            ("data/tweets.js", ytd("tweets", tweets).encode()),
            ("data/account.js", ytd("account", [ACCOUNT]).encode()),
        ],
    )
    events = read(path)
    assert [e.kind for e in events] == [Kind.POST, Kind.MESSAGE]  # tweets are read first, for the names
    assert events[1].sender == f"@casey_m (id {CASEY_ID})" and events[1].recipients == ("@robin_hale_demo",)
    assert events[1].details["sender_id"] == CASEY_ID


def test_parts_are_read_in_order(tmp_path: Path) -> None:
    def part(number: int, text: str) -> bytes:
        body = [{"dmConversation": {"conversationId": "1-2", "messages": [dm(text, number=number)]}}]
        return ytd("direct_messages", body).replace(".part0 =", f".part{number} =").encode()

    path = make_zip(
        tmp_path / "a.zip",
        [
            ("x/data/direct-messages-part2.js", part(2, "c")),
            ("x/data/direct-messages.js", part(0, "a")),
            ("x/data/direct-messages-part1.js", part(1, "b")),
        ],
    )
    assert [e.text for e in read(path)] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"var x = []", "not an X archive data file"),
        (b"window.YTD.direct_messages.part0 = {}", "not a JSON array"),
        (b"window.YTD.direct_messages.part0 = [5]", "a conversation entry is not a JSON object"),
        (
            b'window.YTD.direct_messages.part0 = [{"dmConversation": {"messages": 5}}]',
            "'messages' is not a list",
        ),
        (
            b'window.YTD.direct_messages.part0 = [{"dmConversation": {"messages": [[]]}}]',
            "a message entry is not",
        ),
        (b'window.YTD.tweets.part0 = ["x"]', "an entry is not a JSON object"),
        (b'window.YTD.tweets.part0 = [{"tweet": {', "not complete or valid JSON"),
    ],
)
def test_bad_files_name_the_file_member_and_place(tmp_path: Path, body: bytes, problem: str) -> None:
    path = make_zip(tmp_path / "a.zip", [("data/direct-messages.js", body)])
    with pytest.raises(InputError, match=problem) as caught:
        read(path)
    assert caught.value.file == "a.zip" and "data/direct-messages.js" in (caught.value.place or "")


def test_sniff_claims_only_archives(tmp_path: Path) -> None:
    other = tmp_path / "message_1.json"
    other.write_text('{"participants": [], "messages": []}', encoding="utf-8")
    assert IMPORTER.sniff(Source(other)).confidence == 0
    plain = make_zip(tmp_path / "p.zip", [("data/notes.txt", b"x")])
    assert IMPORTER.sniff(Source(plain)).confidence == 0
    with pytest.raises(InputError, match="no data/"):
        read(plain)
