"""The owner's own tweets: those replying to or mentioning someone else become posts.

A tweet that does neither is not contact with anyone and is left out (the import says how many).
Mentions of the owner by other people are not in the archive at all.
"""

from __future__ import annotations

from typing import Any

from casetrail.importers.x_archive.fields import Fields, api_time, links
from casetrail.importers.x_archive.layout import MediaIndex
from casetrail.importers.x_archive.messages import direction
from casetrail.importers.x_archive.people import People, screen_name, user_id
from casetrail.model.event import Channel, Kind, Locator, ParsedEvent


def tweet_body(entry: Any) -> dict[str, Any] | None:
    """The tweet object: ``{"tweet": {…}}`` in current archives, the bare object in early 2019 ones."""
    if not isinstance(entry, dict):
        return None
    inner = entry.get("tweet")
    if isinstance(inner, dict):
        return inner
    return entry if "id_str" in entry or "full_text" in entry else None


def learn_names(tweet: dict[str, Any], people: People) -> None:
    """Screen names for ids, from a tweet's reply and mention fields."""
    people.learn(tweet.get("in_reply_to_user_id_str"), tweet.get("in_reply_to_screen_name"))
    entities = tweet.get("entities")
    mentions = entities.get("user_mentions") if isinstance(entities, dict) else None
    for mention in mentions if isinstance(mentions, list) else []:
        if isinstance(mention, dict):
            people.learn(mention.get("id_str"), mention.get("screen_name"))


def _mentions(fields: Fields, entities: dict[str, Any], people: People) -> list[tuple[str | None, str]]:
    """(id, shown) for each person mentioned other than the owner."""
    found: list[tuple[str | None, str]] = []
    for mention in fields.dicts("user_mentions", entities):
        known, name = user_id(mention.get("id_str")), screen_name(mention.get("screen_name"))
        if people.is_owner(known) or (known is None and name is None):
            continue
        found.append((known, people.who(known) if known else f"@{name}"))
    return found


def _media(fields: Fields, tweet_id: str | None, media: MediaIndex, details: dict[str, str]) -> list[str]:
    holder = fields.raw.get("extended_entities") or fields.raw.get("entities")
    items = fields.dicts("media", holder) if isinstance(holder, dict) else []
    urls = [m["media_url_https"] for m in items if isinstance(m.get("media_url_https"), str)]
    if not urls and not media:
        return []
    found, missing = media.find(tweet_id, urls) if tweet_id else ([], urls)
    if urls:
        details["media_urls"] = "\n".join(urls)
    if missing:
        details["missing_media"] = "\n".join(missing)
    return found


def tweet_event(
    tweet: dict[str, Any], pointer: str, member: str | None, people: People, media: MediaIndex, deleted: bool
) -> ParsedEvent | None:
    """The post for one of the owner's tweets, or None when it neither replies to nor mentions anyone."""
    fields = Fields(tweet)
    entities = fields.get("entities", dict) or {}
    reply_to = fields.id("in_reply_to_user_id_str")
    reply_name = screen_name(tweet.get("in_reply_to_screen_name"))
    mentions = _mentions(fields, entities, people)
    replying = (reply_to is not None or reply_name is not None) and not people.is_owner(reply_to)
    if not replying and not mentions:
        return None
    occurred, written = api_time(tweet.get("created_at"))
    flags: list[str] = [] if occurred is not None else ["time-unreadable"]
    details: dict[str, str] = {"tweet_type": "reply" if replying else "mention"}
    tweet_id = fields.id("id_str") or fields.id("id")
    if tweet_id:
        details["tweet_id"] = tweet_id
        details["source_id"] = f"x|tweet|{tweet_id}"
        details["tweet_url"] = f"https://x.com/i/web/status/{tweet_id}"
    recipients: list[str] = []
    if replying:
        recipients.append(people.who(reply_to) if reply_to else f"@{reply_name}")
        status = fields.id("in_reply_to_status_id_str")
        details["in_reply_to_status_id"] = status or ""
        details["in_reply_to_user_id"] = reply_to or ""
    details["mentioned_ids"] = ", ".join(known for known, _ in mentions if known)
    recipients += [shown for _, shown in mentions if shown not in recipients]
    text = fields.text("full_text") or fields.text("text")
    if text.startswith("RT @"):
        details["retweet"] = "true"
    shown = links(fields.dicts("urls", entities), "expanded_url")
    if shown:
        details["links"] = shown
    found = _media(fields, tweet_id, media, details)
    if "missing_media" in details:
        flags.append("attachment-missing")
    _edit_info(fields, details, flags)
    if deleted:
        flags.append("deleted-by-owner")
        details["deleted_at"] = fields.text("deleted_at")[:64]
    fields.finish(details, flags)
    owner = people.owner_id
    return ParsedEvent(
        occurred_at=occurred,
        local_time=written,
        channel=Channel.X,
        kind=Kind.POST,
        direction=direction(people, owner),
        sender=people.who(owner) if owner else None,
        recipients=tuple(recipients),
        text=text,
        locator=Locator("json-pointer", pointer, member),
        attachments=tuple(found),
        flags=tuple(flags),
        details={key: value for key, value in details.items() if value},
    )


def _edit_info(fields: Fields, details: dict[str, str], flags: list[str]) -> None:
    """``edit_info``: the first version lists every version's id; a later version names the first."""
    info = fields.get("edit_info", dict)
    if not info:
        return
    initial, edit = info.get("initial"), info.get("edit")
    if isinstance(initial, dict):
        listed = initial.get("editTweetIds")
        ids = [i for i in (user_id(x) for x in listed) if i] if isinstance(listed, list) else []
        if len(ids) > 1:
            details["edit_tweet_ids"] = ", ".join(ids)
            flags.append("edited")
    if isinstance(edit, dict):
        first = user_id(edit.get("initialTweetId"))
        if first:
            details["edit_of"] = first
            flags.append("edited")
