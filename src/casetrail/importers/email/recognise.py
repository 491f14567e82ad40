"""Cheap checks on a file's first bytes: does it start with e-mail headers, or with an mbox separator?"""

from __future__ import annotations

import re

# A header field: a name of printable ASCII other than ":" (RFC 5322 ftext), then a colon.
HEADER_LINE = re.compile(rb"[!-9;-~]{1,76}:")
# The mbox "From " line: "From", the envelope sender, then (within 120 characters) a month name, a
# time and a year, as every mail program writes it ("From alice@example.com Mon Jan  1 12:00:00 2024",
# Gmail adds a zone: "... 12:00:00 +0000 2024"). A body line that merely starts with "From " rarely
# has all three, and a separator must also follow an empty line and be followed by a header line.
SEPARATOR = re.compile(
    rb"From \S{1,500} (?=.{0,120}\Z)(?=.*\b\d{1,2}:\d\d\b)(?=.*\b(?:19|20|21)\d\d\b)"
    rb"(?=.*\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b)"
)
# Header names that only e-mail has: one of them must be among the first headers of a loose message.
MAIL_HEADERS = frozenset(
    (
        "from", "to", "cc", "bcc", "subject", "date", "message-id", "received", "return-path",
        "mime-version", "delivered-to", "reply-to", "sender", "in-reply-to", "references",
        "content-type", "content-transfer-encoding", "dkim-signature", "authentication-results",
        "received-spf", "x-mailer", "user-agent", "x-gmail-labels", "x-gm-thrid", "thread-topic",
        "thread-index", "arc-seal", "x-originating-ip", "envelope-to", "x-original-to",
    )
)  # fmt: skip


def is_separator(line: bytes) -> bool:
    """Whether one line (its ending removed) has the shape of an mbox ``From `` separator."""
    return line.startswith(b"From ") and SEPARATOR.match(line) is not None


def header_names(head: bytes, complete: bool) -> list[str] | None:
    """Names of the header fields the text starts with (lower case), or None if it does not.

    Reading stops at the first empty line (the end of the headers). When ``complete`` is False the
    text was cut at a size limit and its last, maybe partial, line is not judged.
    """
    lines = head.split(b"\n")
    if not complete:
        lines = lines[:-1]
    names: list[str] = []
    for line in lines:
        line = line.removesuffix(b"\r")
        if not line:
            break
        if line[:1] in (b" ", b"\t") and names:
            continue  # a folded continuation of the header above
        found = HEADER_LINE.match(line)
        if found is None:
            return None
        names.append(found.group(0)[:-1].decode("ascii").lower())
    return names or None


def mail_headers(names: list[str]) -> int:
    """How many distinct e-mail-only header names are among ``names``."""
    return len(MAIL_HEADERS.intersection(names))
