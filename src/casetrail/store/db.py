"""Database engines: SQLCipher with the case's raw key, durable pragmas, one writer at a time.

Writes run in ``BEGIN IMMEDIATE`` transactions, so a second writer waits (up to the busy timeout)
and then gets a clear "case busy" error instead of interleaving.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Connection, Engine, create_engine, event, exc, text
from sqlalchemy.pool import NullPool
from sqlcipher3 import dbapi2

from casetrail.errors import CaseBusy, CaseCorrupt

BUSY_TIMEOUT_MS = 15_000
PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA secure_delete = ON",
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA cache_size = -65536",  # 64 MiB: bounded, and large imports stop thrashing the key indexes
    "PRAGMA journal_size_limit = 67108864",  # let the WAL shrink back after a large import
)
MIGRATIONS = Path(__file__).with_name("migrations")

# The driver binds exact int, float and str directly, but looks every other value up in its adapter
# registry, raising and catching two AttributeErrors when there is none: about a microsecond per
# bytes or None parameter, which a million-event import pays several million times. Registering
# them as they are makes the lookup succeed at once.
dbapi2.register_adapter(bytes, bytes)
dbapi2.register_adapter(type(None), lambda value: value)


def make_engine(path: Path, raw_key: bytes, *, write: bool = True) -> Engine:
    """An engine whose connections are keyed with the raw 256-bit key (no SQLCipher PBKDF2).

    Writers begin with ``BEGIN IMMEDIATE`` (take the write lock up front); readers use deferred
    transactions with ``query_only`` set, and see either the state before or after a write.
    """
    url = URL.create("sqlite+pysqlcipher", password=f"x'{raw_key.hex()}'", database=str(path))
    engine = create_engine(url, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # Read first: a wrong key or a plain SQLite file fails here, before any pragma writes.
            cursor.execute("SELECT count(*) FROM sqlite_master")
            for pragma in PRAGMAS:
                cursor.execute(pragma)
            if not write:
                cursor.execute("PRAGMA query_only = 1")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def check_readable(engine: Engine, path: Path) -> None:
    """Refuse a plain or foreign database instead of ever recreating it (G-02)."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
    except exc.DatabaseError as error:
        busy = busy_guard(error, path)
        if busy:
            raise busy from None
        raise CaseCorrupt(
            f"{path}: this is not a casetrail encrypted database, or it is damaged. Nothing was changed."
        ) from None


def upgrade_schema(conn: Connection) -> None:
    """Bring the schema to the newest revision on this connection (Alembic)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


def busy_guard(error: exc.DBAPIError, path: Path) -> CaseBusy | None:
    """A calm "case busy" error when SQLite reports a lock held by another command, else None."""
    message = str(error.orig).lower()
    if "locked" in message or "busy" in message:
        return CaseBusy(f"{path}: another casetrail command is writing to this case; try again shortly")
    return None
