"""The Alembic migrations build exactly the schema the code declares (SecureDrop's first migration test)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from casetrail.store.case import Case
from casetrail.store.migrate import head_revision
from casetrail.store.tables import metadata


def test_alembic_head_matches_the_declared_tables(new_case: Case) -> None:
    with new_case.reader.connect() as conn:
        context = MigrationContext.configure(conn)
        assert context.get_current_revision() == head_revision()
        assert compare_metadata(context, metadata) == []
