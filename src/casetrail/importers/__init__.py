"""Importers: one per export format, discovered through the ``casetrail.importers`` entry points."""
