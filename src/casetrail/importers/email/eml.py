"""A single e-mail saved as a file (``.eml``): one event, attachments kept as exhibits of their own."""

from __future__ import annotations

from collections.abc import Iterator

from casetrail.errors import InputError
from casetrail.importers.base import ImportContext, Importer, Sniff
from casetrail.importers.email.message import MAX_MESSAGE_BYTES, Place, read_message
from casetrail.importers.email.recognise import header_names, mail_headers
from casetrail.ingest.source import Source
from casetrail.model.event import Locator, ParsedEvent

_SNIFF_BYTES = 4096


class EmlImporter(Importer):
    name = "eml"
    version = "1"
    description = "A single e-mail saved as a file (.eml)"

    def sniff(self, source: Source) -> Sniff:
        head = source.head(_SNIFF_BYTES)
        names = header_names(head.removeprefix(b"\xef\xbb\xbf"), complete=len(head) < _SNIFF_BYTES)
        known = mail_headers(names) if names else 0
        named = source.name.lower().endswith(".eml")
        if known == 0:
            return Sniff.no("does not start with e-mail header lines")
        if named:
            return Sniff(0.95, "starts with e-mail header lines and is named .eml")
        if known >= 2:
            return Sniff(0.7, f"starts with e-mail header lines ({known} e-mail header names)")
        return Sniff(0.4, "starts with header lines, one of them an e-mail header")

    def events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        """The message as one event; the whole file is its locator (``line 1-N``)."""
        if source.path.stat().st_size > MAX_MESSAGE_BYTES:
            problem = f"the message is larger than {MAX_MESSAGE_BYTES // (1 << 20)} MiB, the most read"
            raise InputError(source.name, None, problem)
        with source.open() as handle:
            data = handle.read(MAX_MESSAGE_BYTES + 1)
        if len(data) > MAX_MESSAGE_BYTES:  # grew while being read
            raise InputError(source.name, None, "the file changed size while it was being read")
        data = data.removeprefix(b"\xef\xbb\xbf")
        if header_names(data[: 1 << 16], complete=len(data) <= 1 << 16) is None:
            raise InputError(source.name, "line 1", "this is not an e-mail: it does not start with headers")
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        yield read_message(data, Place(1, Locator("line", f"1-{lines}"), mailbox=False))
