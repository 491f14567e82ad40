"""Schema revisions: which one a case is at, and moving it to the newest inside one transaction.

A case whose schema is older than this casetrail is not migrated silently when it is opened: the
person is asked to run ``casetrail migrate`` (after a backup, if they like). The migration runs every
pending Alembic revision on casetrail's own ``BEGIN IMMEDIATE`` connection, adds an audit entry, and
commits once, so a crash or power cut leaves the case at the old revision or the new one, never a mix.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine

from casetrail.errors import CasetrailError
from casetrail.store.db import MIGRATIONS
from casetrail.testing.crash import crash_point

if TYPE_CHECKING:
    from casetrail.store.case import Case


class SchemaOutdated(CasetrailError):
    """The case was written by an older casetrail; ``casetrail migrate`` brings it up to date."""

    exit_code = 7


class SchemaNewer(CasetrailError):
    """The case was written by a newer casetrail than this one; nothing is changed."""

    exit_code = 7


def _config(conn: Connection | None = None, case: Case | None = None) -> Config:
    """Alembic settings; revisions that rewrite sealed data find the case (its keys) in ``attributes``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if conn is not None:
        cfg.attributes["connection"] = conn
    if case is not None:
        cfg.attributes["case"] = case
    return cfg


@lru_cache(maxsize=1)
def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    head = scripts().get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise RuntimeError("no schema revisions found")
    return head


def revisions_oldest_first() -> list[Any]:
    """Every revision script, from the first to the head (Alembic ``Script`` objects)."""
    return list(reversed(list(scripts().walk_revisions())))


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade_to(conn: Connection, revision: str, case: Case | None = None) -> None:
    """Run revisions up to ``revision`` on the caller's connection (and inside its transaction).

    ``case`` is needed when the database holds events: some revisions re-seal them.
    """
    command.upgrade(_config(conn, case), revision)


def downgrade_to(conn: Connection, revision: str, case: Case | None = None) -> None:
    """Run downgrades to ``revision`` ("base" for an empty database) on the caller's connection."""
    command.downgrade(_config(conn, case), revision)


def _is_known(revision: str) -> bool:
    try:
        return scripts().get_revision(revision) is not None
    except CommandError:
        return False


def check_schema_revision(reader: Engine, where: str) -> None:
    """Refuse a case whose schema is not this casetrail's newest, with what to do about it."""
    with reader.connect() as conn:
        current = current_revision(conn)
    head = head_revision()
    if current == head:
        return
    if current is not None and not _is_known(current):
        raise SchemaNewer(
            f"{where} was last used by a newer version of casetrail (schema {current}). "
            "Please update casetrail to open it. Nothing was changed."
        )
    raise SchemaOutdated(
        f"{where} was made by an older version of casetrail (schema {current or 'none'}; this version "
        f"uses {head}). Run 'casetrail migrate --case {where}' to update it; it is done in one step and "
        "can be interrupted safely. Nothing was changed."
    )


@dataclass(frozen=True)
class MigrationResult:
    before: str | None
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def to_json(self) -> dict[str, Any]:
        return {"from": self.before, "to": self.after, "changed": self.changed}


def migrate_case(case: Case) -> MigrationResult:
    """Bring the case's schema to the newest revision in one write transaction, with an audit entry.

    Open the case with ``Case.open(..., allow_old_schema=True)`` first. A kill anywhere before the
    commit rolls everything back (the schema change, the version stamp and the audit entry together).
    """
    head = head_revision()
    with case.write() as conn:
        before = current_revision(conn)
        if before is not None and not _is_known(before):
            raise SchemaNewer(
                f"{case.layout.root} was last used by a newer version of casetrail (schema {before}). "
                "Please update casetrail to open it. Nothing was changed."
            )
        if before == head:
            return MigrationResult(before, head)
        upgrade_to(conn, head, case)
        crash_point("migration-upgraded")
        details = {"from": before, "to": head}
        case.audit.append(conn, "schema migrated", case.producer.name, details)
        crash_point("migration-audited")
    return MigrationResult(before, head)
