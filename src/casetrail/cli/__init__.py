"""The casetrail command line (Typer + Rich)."""
