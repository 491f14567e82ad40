"""Alembic migrations for the case schema (run programmatically by store.db)."""
