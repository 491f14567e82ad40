"""Telegram Desktop's machine-readable JSON export (``result.json``, alone or in a zip)."""
