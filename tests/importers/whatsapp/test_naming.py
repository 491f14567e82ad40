"""The chat an export belongs to, from the file name WhatsApp gives it."""

from __future__ import annotations

import pytest

from casetrail.importers.whatsapp.naming import conversation_from_filename


@pytest.mark.parametrize(
    ("file_name", "chat"),
    [
        ("WhatsApp Chat with Casey Marsh.txt", "Casey Marsh"),
        ("WhatsApp Chat with Casey Marsh (1).txt", "Casey Marsh"),
        ("WhatsApp Chat with Casey Marsh (12).zip", "Casey Marsh"),
        ("WhatsApp Chat - Casey (new number).zip", "Casey (new number)"),
        ("WhatsApp Chat - Walking Group.txt", "Walking Group"),
        ("Chat WhatsApp s uživatelem Dmitry S.txt", "Dmitry S"),
        ("Чат WhatsApp с контактом Dmitry S.txt", "Dmitry S"),
        ("_chat.txt", None),
        ("chat.txt", None),
        ("casey-2025.txt", None),
        ("WhatsApp Chat with .txt", None),
        ("My WhatsApp Chat with Casey.txt", None),
    ],
)
def test_conversation_from_filename(file_name: str, chat: str | None) -> None:
    assert conversation_from_filename(file_name) == chat
