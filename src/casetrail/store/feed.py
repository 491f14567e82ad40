"""Large imports in two processes: a forked reader parses the original while this process stores.

Parsing a big export and sealing and storing its events take about the same time, and one Python
process uses one core. So for a large file (and where ``fork`` exists) a child process runs the
importer and sends its events through a pipe, a block's worth at a time, as plain records (lists of
str, int and None: marshal moves them cheaply). This process, which holds the case's write
transaction, gives them identities, de-duplicates, seals and stores them: the split that keeps both
processes about equally busy. The child uses no key and writes nothing. A question the importer
asks (the date order) is passed back to this process, which has the terminal, and the answer is
sent to the child. If the child fails, its error is raised here unchanged; if this process fails or
is killed, the child finds its pipe closed and ends.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import multiprocessing
import os
import pickle
import socket
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Protocol

from casetrail.errors import CasetrailError
from casetrail.importers.base import ImportContext, Importer
from casetrail.ingest.source import Source
from casetrail.model.event import EmbeddedFile, ParsedEvent
from casetrail.store.event_blocks import BLOCK_SIZE, event_record

#: Files at least this large are read in a child process (``CASETRAIL_IMPORT_READER`` overrides:
#: ``child`` always, ``inline`` never).
CHILD_FROM_BYTES = 4 * 2**20
FLAGGED_REPORT_LIMIT = 200  # records with doubts listed by name in an import's report (all are counted)
_PIPE_BYTES = 4 * 2**20
_BATCH, _FILE, _ASK, _ANSWER, _DONE, _ERROR = b"B", b"F", b"A", b"R", b"D", b"E"


def use_child(source: Source) -> bool:
    """Whether this import should read the original in a child process."""
    wanted = os.environ.get("CASETRAIL_IMPORT_READER", "auto")
    if wanted == "inline" or "fork" not in multiprocessing.get_all_start_methods():
        return False
    return wanted == "child" or source.path.stat().st_size >= CHILD_FROM_BYTES


@dataclass
class FeedReport:
    """What the child learnt besides the events: notes for the person, and records with doubts."""

    notes: list[str] = field(default_factory=list)
    flagged: list[dict[str, Any]] = field(default_factory=list)
    flagged_total: int = 0


class Flagged(Protocol):
    """Where records with doubts are counted and the first few listed (an import result, a report)."""

    flagged: list[dict[str, Any]]
    flagged_total: int


def note_flags(report: Flagged, event: ParsedEvent) -> None:
    """Count a record that carries doubts, and list the first few for the person importing."""
    report.flagged_total += 1
    if len(report.flagged) < FLAGGED_REPORT_LIMIT:
        report.flagged.append({"locator": str(event.locator), "flags": list(event.flags)})


def _send_batches(pipe: Connection, importer: Importer, source: Source, context: ImportContext) -> FeedReport:
    report = FeedReport()
    pending: dict[tuple[str, str | None], list[list[Any]]] = {}
    for event in importer.events(source, context):
        if event.flags:
            note_flags(report, event)
        for file in event.embedded:  # sent at once, so the parent stores it before the event's batch
            pipe.send_bytes(
                _FILE + marshal.dumps((file.key, file.name, file.data, file.content_type, file.place))
            )
        lane = (str(event.channel), event.conversation)
        records = pending.get(lane)
        if records is None:
            records = pending[lane] = []
        records.append(event_record(event))
        if len(records) >= BLOCK_SIZE:
            pipe.send_bytes(_BATCH + marshal.dumps((*lane, records)))
            records.clear()
    for lane, records in pending.items():
        if records:
            pipe.send_bytes(_BATCH + marshal.dumps((*lane, records)))
    report.notes = list(context.notes)
    return report


def _child(
    pipe: Connection, parents_end: Connection, importer: Importer, source: Source, context: ImportContext
) -> None:
    """The reader: runs the importer and streams its records; asks questions through the pipe."""
    parents_end.close()  # the fork copied it: holding it would keep the pipe open if the parent died
    gc.disable()  # as in the parent's import (store/importing.py): nothing here makes cycles

    def ask(question: str, choices: list[str]) -> str:
        pipe.send_bytes(_ASK + pickle.dumps((question, choices)))
        answer: str = pickle.loads(pipe.recv_bytes()[1:])  # noqa: S301 (from our own parent process)
        return answer

    inner = ImportContext(context.timezone, [], context.date_order, ask if context.ask else None)
    try:
        report = _send_batches(pipe, importer, source, inner)
        pipe.send_bytes(_DONE + pickle.dumps(report))
    except (BrokenPipeError, EOFError):
        return  # the parent is gone: nothing to report to
    except BaseException as error:  # every failure is reported to the parent
        try:
            message = pickle.dumps(error)
            pickle.loads(message)  # noqa: S301 - some exceptions pickle but cannot be rebuilt
        except Exception:  # an error that cannot cross the pipe is described instead
            message = pickle.dumps(CasetrailError(f"{source.name}: {type(error).__name__}: {error}"))
        try:
            pipe.send_bytes(_ERROR + message)
        except (BrokenPipeError, OSError):
            return


def _widen(pipe: Connection) -> None:
    """Let the child run a few blocks ahead (Linux: a larger socket buffer), so neither side waits."""
    try:
        sock = socket.socket(fileno=os.dup(pipe.fileno()))
    except OSError:
        return
    with sock:
        for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, option, _PIPE_BYTES)


class Feed:
    """Records of one file, read by a child process; iterate for ``(channel, conversation, records)``.

    Files embedded in the original are handed to ``keep_file`` as they arrive, before the batch
    holding their event.
    """

    def __init__(
        self,
        importer: Importer,
        source: Source,
        context: ImportContext,
        keep_file: Callable[[EmbeddedFile], None],
    ) -> None:
        self.context = context
        self.keep_file = keep_file
        self.report = FeedReport()
        mine, theirs = multiprocessing.Pipe(duplex=True)
        _widen(mine)
        _widen(theirs)
        self._pipe = mine
        sys.stdout.flush()  # what is buffered here must not be written again by the child
        sys.stderr.flush()
        self._process = multiprocessing.get_context("fork").Process(
            target=_child, args=(theirs, mine, importer, source, context), daemon=True
        )
        self._process.start()
        theirs.close()

    def __iter__(self) -> Iterator[tuple[str, str | None, list[list[Any]]]]:
        while True:
            try:
                data = self._pipe.recv_bytes()
            except EOFError:
                raise CasetrailError(
                    "The process reading the file stopped unexpectedly. Nothing was imported."
                ) from None
            tag, body = data[:1], data[1:]
            if tag == _BATCH:
                channel, conversation, records = marshal.loads(body)  # noqa: S302 (our own child)
                yield channel, conversation, records
            elif tag == _FILE:
                self.keep_file(EmbeddedFile(*marshal.loads(body)))  # noqa: S302 (our own child)
            elif tag == _ASK:
                question, choices = pickle.loads(body)  # noqa: S301 (from our own child process)
                if self.context.ask is None:  # the child is given a way to ask only when there is one
                    raise CasetrailError("The importer asked a question no one can answer here.")
                self._pipe.send_bytes(_ANSWER + pickle.dumps(self.context.ask(question, choices)))
            elif tag == _DONE:
                self.report = pickle.loads(body)  # noqa: S301 (from our own child process)
                return
            else:
                raise pickle.loads(body)  # noqa: S301 (from our own child process)

    def close(self) -> None:
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._pipe.close()

    def __enter__(self) -> Feed:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
