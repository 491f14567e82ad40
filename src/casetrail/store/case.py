"""Creating and opening a case: unlock with the passphrase, then hand out engines, ciphers and the log.

Nothing in the folder is touched until the passphrase has unwrapped the data key, so a wrong
passphrase changes nothing (G-03); a plain or foreign database is refused, never recreated (G-02).
"""

from __future__ import annotations

import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from sqlalchemy import Connection, Engine, exc, select

from casetrail.crypto.fields import FieldCipher
from casetrail.crypto.kdf import KdfParams, default_params, derive_key, new_salt
from casetrail.crypto.keys import CaseKeys, UnwrapFailed, new_data_key, unwrap_key, wrap_key
from casetrail.errors import CaseCorrupt, CaseExists, CaseNotFound, CasetrailError, WrongPassphrase
from casetrail.model.accounts import region_of_zone
from casetrail.store.audit_log import AuditLog, utc_now
from casetrail.store.blobs import BlobStore
from casetrail.store.db import busy_guard, check_readable, make_engine, upgrade_schema
from casetrail.store.header import CaseHeader, Checkpoint, read_header, write_header
from casetrail.store.layout import CaseLayout, header_lock
from casetrail.store.migrate import check_schema_revision
from casetrail.store.tables import case_info

_INITIALS = re.compile(r"^[A-Z]{1,4}$")


@dataclass(frozen=True)
class Producer:
    """The person who produces the exhibits (England & Wales style: initials + running number)."""

    name: str
    initials: str


def check_initials(initials: str) -> str:
    value = initials.strip().upper()
    if not _INITIALS.match(value):
        raise CasetrailError("Initials must be 1 to 4 letters, for exhibit references such as JS/1.")
    return value


def check_region(code: str) -> str:
    """An ISO 3166 country code phone numbers can be read in, e.g. ``GB``."""
    region = code.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise CasetrailError(f"{code!r} is not a country code for reading phone numbers (e.g. GB, IE, US).")
    return region


def check_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CasetrailError(f"Unknown time zone {name!r}; use a name such as Europe/London.") from None


class Case:
    """An unlocked case. Use :meth:`create` or :meth:`open`, and close it when done."""

    def __init__(self, layout: CaseLayout, header: CaseHeader, keys: CaseKeys) -> None:
        self.layout = layout
        self.header = header
        self.keys = keys
        self.fields = FieldCipher(keys.fields)
        self.audit = AuditLog(self.fields, keys.audit, keys.case_id)
        self.blobs = BlobStore(layout, keys)
        self.writer: Engine = make_engine(layout.database, keys.database, write=True)
        self.reader: Engine = make_engine(layout.database, keys.database, write=False)
        self._info: dict[str, Any] | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        root: Path,
        passphrase: str,
        producer: Producer,
        timezone: str = "Europe/London",
        params: KdfParams | None = None,
        region: str | None = None,
    ) -> Case:
        layout = CaseLayout(root)
        if layout.header.exists() or layout.database.exists():
            raise CaseExists(f"{root} already holds a casetrail case.")
        check_timezone(timezone)
        region = check_region(region) if region else region_of_zone(timezone)
        params = params or default_params()
        case_id = str(uuid.uuid4())
        salt = new_salt()
        data_key = new_data_key()
        nonce, wrapped = wrap_key(derive_key(passphrase, salt, params), data_key, case_id)
        header = CaseHeader(case_id, params, salt, nonce, wrapped)
        root.mkdir(parents=True, exist_ok=True)
        layout.blobs.mkdir(exist_ok=True)
        write_header(layout, header)
        case = cls(layout, header, CaseKeys(case_id, data_key))
        with case.writer.begin() as conn:
            upgrade_schema(conn)
            info = {"producer_name": producer.name, "initials": producer.initials, "timezone": timezone}
            info["created_at"] = utc_now()
            if region:
                info["region"] = region
            for key, value in info.items():
                conn.execute(case_info.insert().values(key=key, value_enc=case._seal_info(key, value)))
            case.audit.append(conn, "case created", producer.name, {"timezone": timezone, "case_id": case_id})
        case.save_checkpoint()
        return case

    @classmethod
    def open(cls, root: Path, passphrase: str, *, allow_old_schema: bool = False) -> Case:
        layout = CaseLayout(root)
        if not layout.header.exists():
            raise CaseNotFound(
                f"{root} is not a casetrail case (no case.json). Create one with 'casetrail init'."
            )
        header = read_header(layout)
        kek = derive_key(passphrase, header.salt, header.kdf)
        try:
            data_key = unwrap_key(kek, header.wrap_nonce, header.wrapped_key, header.case_id)
        except UnwrapFailed:
            raise WrongPassphrase("That passphrase does not unlock this case. Nothing was changed.") from None
        if not layout.database.exists():
            raise CaseCorrupt(f"{layout.database}: the case database is missing. Nothing was changed.")
        case = cls(layout, header, CaseKeys(header.case_id, data_key))
        _remove_stale_scan_files(layout)
        check_readable(case.reader, layout.database)
        case._check_schema()
        if not allow_old_schema:
            check_schema_revision(case.reader, str(root))
        return case

    def _check_schema(self) -> None:
        try:
            self.info()
        except exc.OperationalError as error:
            busy = busy_guard(error, self.layout.database)
            if busy:
                raise busy from None
            raise CaseCorrupt(f"{self.layout.database}: not a casetrail case database.") from None

    def close(self) -> None:
        self.writer.dispose()
        self.reader.dispose()

    def __enter__(self) -> Case:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- case information ------------------------------------------------------------------------
    def _seal_info(self, key: str, value: Any) -> bytes:
        return self.fields.seal_json(value, f"case_info:{key}")

    def info(self) -> dict[str, Any]:
        if self._info is None:
            with self.reader.connect() as conn:
                rows = conn.execute(select(case_info)).all()
            self._info = {r.key: self.fields.open_json(r.value_enc, f"case_info:{r.key}") for r in rows}
        return self._info

    @property
    def producer(self) -> Producer:
        info = self.info()
        return Producer(str(info["producer_name"]), str(info["initials"]))

    @property
    def timezone(self) -> ZoneInfo:
        return check_timezone(str(self.info()["timezone"]))

    @property
    def region(self) -> str | None:
        """The country national phone numbers are read in (set at init; else the time zone's)."""
        region = self.info().get("region")
        return str(region) if region else region_of_zone(str(self.info()["timezone"]))

    # -- writing ---------------------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction (BEGIN IMMEDIATE); the checkpoint follows a successful commit."""
        try:
            with self.writer.begin() as conn:
                yield conn
        except exc.OperationalError as error:
            busy = busy_guard(error, self.layout.database)
            if busy:
                raise busy from None
            raise
        self.save_checkpoint()

    def rewrap(self, passphrase: str, params: KdfParams | None = None) -> None:
        """Wrap the same data key under a new passphrase and/or stronger KDF parameters.

        Only the header changes (atomically): the database and blobs stay as they are, and the old
        header, with its old salt and wrapping, no longer exists.
        """
        params = params or self.header.kdf
        salt = new_salt()
        nonce, wrapped = wrap_key(derive_key(passphrase, salt, params), self.keys.data_key, self.keys.case_id)
        with header_lock(self.layout):
            current = read_header(self.layout)
            self.header = replace(current, kdf=params, salt=salt, wrap_nonce=nonce, wrapped_key=wrapped)
            write_header(self.layout, self.header)
        with self.write() as conn:
            self.audit.append(conn, "key wrapping changed", self.producer.name, {"kdf": params.to_dict()})

    def save_checkpoint(self) -> None:
        """Record the log's size, head and Merkle root in case.json; never moves it backwards.

        It moves forward only from a checkpoint that is authentic and that the log still holds, so
        a truncated or edited log cannot be covered by the next command's checkpoint: verify keeps
        reporting it. An older header without a root gets one as soon as it is saved again.
        The header on disk is re-read under a lock, so two commands finishing at once cannot undo
        each other's changes (a checkpoint, or a new key wrapping).
        """
        with header_lock(self.layout):
            current = read_header(self.layout)
            old = current.checkpoint
            with self.reader.connect() as conn:
                now = self.audit.current_checkpoint(conn)
                still_held = old is None or self._still_holds(conn, old)
            if still_held and (
                old is None or old.size < now.size or (old.size == now.size and old.root is None)
            ):
                current = current.with_checkpoint(now)
                write_header(self.layout, current)
            self.header = current

    def _still_holds(self, conn: Connection, old: Checkpoint) -> bool:
        """Whether ``old`` is authentic and the log's entry ``old.size`` still has its head."""
        if not self.audit.authentic(old):
            return False
        return not old.size or self.audit.entry_hash_at(conn, old.size) == old.head


STALE_SCAN_SECONDS = 3600


def _remove_stale_scan_files(layout: CaseLayout) -> None:
    """A safety scan of an iPhone backup holds the backup's files, unencrypted, in tmp/scan-* while
    it reads them, and removes them at once; a scan that was killed cannot. An hour later (no scan
    takes that long) the next command to open the case removes them."""
    if not layout.tmp.is_dir():
        return
    now = time.time()
    for folder in layout.tmp.glob("scan-*"):
        try:
            if now - folder.stat().st_mtime > STALE_SCAN_SECONDS:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue
