"""The chat a WhatsApp export belongs to, read from the file name WhatsApp gives it.

Exports carry no chat id; WhatsApp names them "WhatsApp Chat with NAME.txt" (Android) or
"WhatsApp Chat - NAME.zip" (iOS), in the phone's language. A renamed file gives no chat (the person
can say which chat it is with ``import --conversation``), so identities never depend on a guess.
"""

from __future__ import annotations

import re

_PATTERNS = [
    r"WhatsApp Chat with (?P<name>.+)",
    r"WhatsApp Chat - (?P<name>.+)",
    r"Chat WhatsApp s uživatelem (?P<name>.+)",
    r"Chat de WhatsApp con (?P<name>.+)",
    r"WhatsApp-Chat mit (?P<name>.+)",
    r"Discussion WhatsApp avec (?P<name>.+)",
    r"Chat WhatsApp con (?P<name>.+)",
    r"Conversa do WhatsApp com (?P<name>.+)",
    r"Чат WhatsApp с (?:контактом )?(?P<name>.+)",
]
_TITLES = [re.compile(f"^{pattern}$") for pattern in _PATTERNS]
_COPY_SUFFIX = re.compile(r"\s*\(\d{1,3}\)$")  # "… (1)" added by browsers and file managers


def conversation_from_filename(file_name: str) -> str | None:
    """The chat's name as WhatsApp wrote it into the export's file name, or None for any other name."""
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    stem = _COPY_SUFFIX.sub("", stem.strip())
    for title in _TITLES:
        match = title.match(stem)
        if match:
            return match["name"].strip() or None
    return None
