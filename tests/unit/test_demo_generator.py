"""The demo generator: deterministic, counts that match the files, valid media, canaries, fictional data."""

from __future__ import annotations

import inspect
import json
import random
import re
import uuid
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from casetrail.demo import DemoFiles, generate_demo_files, write_large_whatsapp_export
from casetrail.demo.generator import SCRIPTED_FILES
from casetrail.demo.script import main_chat, tell, unambiguous

ANDROID_HEADER = re.compile(r"^(\d{2}/\d{2}/\d{4}, \d{2}:\d{2}) - ")
IOS_HEADER = re.compile(r"^\u200e?\[(\d{2}/\d{2}/\d{4}, \d{2}:\d{2}:\d{2})\] ([^:]+): ")
ATTACHED = re.compile(r"\u200e<attached: ([^>]+)>")
PHONE_LIKE = re.compile(r"(?<![\w-])\+?\d[\d ]{8,}\d(?![\w-])")
EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
CANARY = "CT-canary-5e1d"
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return generate_demo_files(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def canary_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return generate_demo_files(tmp_path_factory.mktemp("canary"), canary=CANARY)


def chat_text(path: Path) -> str:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            return archive.read("_chat.txt").decode("utf-8")
    return path.read_bytes().decode("utf-8")


def header_stamps(path: Path) -> list[str]:
    pattern = IOS_HEADER if path.suffix == ".zip" else ANDROID_HEADER
    lines = chat_text(path).replace("\r\n", "\n").split("\n")
    return [match.group(1) for line in lines if (match := pattern.match(line))]


def all_text(files: DemoFiles) -> str:
    return "\n".join([*(chat_text(chat.path) for chat in files.chats), files.diary.read_text("utf-8")])


def file_bytes(files: DemoFiles) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in files.paths}


def test_same_seed_gives_byte_identical_files(demo: DemoFiles, tmp_path: Path) -> None:
    again = generate_demo_files(tmp_path, seed=demo.seed)
    assert file_bytes(again) == file_bytes(demo)
    assert again.main_chat.messages == demo.main_chat.messages


def test_another_seed_gives_different_files(demo: DemoFiles, tmp_path: Path) -> None:
    other = file_bytes(generate_demo_files(tmp_path, seed=demo.seed + 1))
    scripted = set(SCRIPTED_FILES)  # fixed scripts: no randomness in them
    for name, content in file_bytes(demo).items():
        assert (other[name] == content) == (name in scripted), name


def test_counts_in_demo_files_match_the_files(demo: DemoFiles) -> None:
    for chat in demo.chats:
        text = chat_text(chat.path)
        lines = text.split("\r\n" if chat.path.suffix == ".zip" else "\n")[:-1]
        assert len(header_stamps(chat.path)) == chat.header_lines == chat.messages
        assert len(lines) == chat.header_lines + chat.continuation_lines
        assert len(ATTACHED.findall(text)) == len(chat.attachments)
        assert "end-to-end encrypted" in lines[0], "a real export starts with the encryption notice"
    assert len(json.loads(demo.diary.read_text("utf-8"))["entries"]) == demo.diary_entries
    assert 200 <= demo.main_chat.messages <= 900
    assert 20 <= demo.new_number_chat.messages <= 80
    assert 20 <= demo.friend_chat.messages <= 50
    assert 3 <= demo.attachment_count <= 5
    assert 8 <= demo.diary_entries <= 15


def test_scale_multiplies_the_volume(demo: DemoFiles, tmp_path: Path) -> None:
    bigger = generate_demo_files(tmp_path, scale=3)
    assert bigger.main_chat.messages > 2 * demo.main_chat.messages
    assert bigger.attachment_count == demo.attachment_count


def test_message_stream_is_lazy() -> None:
    stream = tell(main_chat(), random.Random(1), them="Casey Marsh", me="Robin Hale", scale=1000)
    first = next(stream)  # the notice, made without making the other ~500,000 messages
    assert first.sender is None and first.kind == "system"
    assert inspect.isgenerator(stream)


def test_export_layouts(demo: DemoFiles) -> None:
    android = demo.main_chat.path.read_bytes()
    assert b"\r" not in android and android.endswith(b"\n")
    first = android.split(b"\n")[0].decode("utf-8")
    assert re.fullmatch(
        r"\d{2}/\d{2}/\d{4}, \d{2}:\d{2} - Messages and calls are end-to-end encrypted\..*", first
    )
    assert b"<Media omitted>" in android
    ios = chat_text(demo.new_number_chat.path)
    assert ios.startswith("\u200e[") and ios.count("\r\n") == ios.count("\n")


def test_attachments_are_in_the_zip_and_are_images(demo: DemoFiles) -> None:
    with zipfile.ZipFile(demo.new_number_chat.path) as archive:
        named = ATTACHED.findall(archive.read("_chat.txt").decode("utf-8"))
        assert named == list(demo.new_number_chat.attachments)
        assert archive.namelist() == ["_chat.txt", *named]
        for name in named:
            assert archive.getinfo(name).compress_type == zipfile.ZIP_DEFLATED
            image = archive.read(name)
            is_jpeg = image.startswith(b"\xff\xd8\xff") and image.endswith(b"\xff\xd9")
            assert is_jpeg or image.startswith(b"\x89PNG\r\n\x1a\n"), name


def test_times_are_real_london_wall_times_in_order(demo: DemoFiles) -> None:
    for chat in demo.chats:
        times = [datetime.strptime(stamp[:17], "%d/%m/%Y, %H:%M") for stamp in header_stamps(chat.path)]
        assert times == sorted(times), chat.path.name
        for at in times:
            assert at.replace(tzinfo=LONDON).utcoffset() == at.replace(tzinfo=LONDON, fold=1).utcoffset()
    assert unambiguous(datetime(2025, 3, 30, 1, 30)) == datetime(2025, 3, 30, 2, 30)  # spring forward
    assert unambiguous(datetime(2025, 10, 26, 1, 5)) == datetime(2025, 10, 26, 2, 5)  # fall back
    assert unambiguous(datetime(2025, 3, 30, 0, 59)) == datetime(2025, 3, 30, 0, 59)


def test_only_fictional_phone_numbers_and_addresses(demo: DemoFiles, canary_demo: DemoFiles) -> None:
    text = all_text(demo) + all_text(canary_demo)
    numbers = [re.sub(r"\D", "", found) for found in PHONE_LIKE.findall(text)]
    numbers = [number for number in numbers if len(number) >= 10]
    assert numbers, "the demo should mention at least one number"
    for number in numbers:
        assert re.fullmatch(r"(?:44|0)7700900\d{3}", number), number
    assert set(EMAIL.findall(text)) <= {"example.org", "example.com"}


def test_canary_is_planted_everywhere(canary_demo: DemoFiles) -> None:
    for chat in canary_demo.chats:
        lines = chat_text(chat.path).replace("\r\n", "\n").split("\n")
        assert any(CANARY in line.split(": ", 1)[-1] for line in lines if ": " in line), chat.path.name
    ios = chat_text(canary_demo.new_number_chat.path).replace("\r\n", "\n").split("\n")
    senders = {match.group(2) for line in ios if (match := IOS_HEADER.match(line))}
    assert any(CANARY in sender for sender in senders)
    with zipfile.ZipFile(canary_demo.new_number_chat.path) as archive:
        members = [info.filename for info in archive.infolist()]
        named = [name for name in members if CANARY in name]
        assert named and f"\u200e<attached: {named[0]}>" in archive.read("_chat.txt").decode("utf-8")
        assert all(CANARY.encode() in archive.read(name) for name in members if name != "_chat.txt")
    for entry in json.loads(canary_demo.diary.read_text("utf-8"))["entries"]:
        for field in ("where", "what_happened", "how_it_made_me_feel", "impact"):
            assert CANARY in entry[field], field
        assert CANARY in entry["people"] and CANARY in entry["witnesses"]


@pytest.mark.parametrize("canary", ["", " padded", "a/b", "dot..\\", "line\nbreak", "x" * 65, ".hidden"])
def test_unsafe_canary_is_refused(canary: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="canary"):
        generate_demo_files(tmp_path, canary=canary)
    assert not list(tmp_path.iterdir())


def test_diary_has_the_casetrail_shape(demo: DemoFiles) -> None:
    document = json.loads(demo.diary.read_text("utf-8"))
    assert (document["format"], document["version"], document["timezone"]) == (
        "casetrail-diary",
        1,
        "Europe/London",
    )
    keys = ["id", "occurred_at", "recorded_at", "kind", "channel", "where", "what_happened", "people"]
    keys += ["witnesses", "how_it_made_me_feel", "impact"]
    for entry in document["entries"]:
        assert list(entry) == keys
        assert uuid.UUID(entry["id"]).version == 4
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", entry["occurred_at"])
        assert entry["recorded_at"] >= entry["occurred_at"]
        assert entry["kind"] in {"in-person-incident", "diary-entry", "call", "login-alert", "follow-request"}
        assert entry["channel"] in {"in-person", "phone", "whatsapp", "instagram", "email", "sms", "other"}
    assert {entry["kind"] for entry in document["entries"]} >= {"in-person-incident", "login-alert"}


@pytest.mark.parametrize("layout", ["android", "ios"])
def test_large_export_writes_exactly_the_requested_header_lines(layout: str, tmp_path: Path) -> None:
    path = tmp_path / "large.txt"
    assert write_large_whatsapp_export(path, 20_000, seed=7, layout=layout) == 20_000
    lines = path.read_text("utf-8").replace("\r\n", "\n").split("\n")[:-1]
    pattern = ANDROID_HEADER if layout == "android" else IOS_HEADER
    headers = sum(1 for line in lines if pattern.match(line))
    assert headers == 20_000
    assert 0.03 < (len(lines) - headers) / headers < 0.07  # about 5% multi-line


def test_large_export_rejects_unknown_layout(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="layout"):
        write_large_whatsapp_export(tmp_path / "x.txt", 10, layout="windows-phone")
