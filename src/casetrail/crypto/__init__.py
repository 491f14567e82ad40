"""Key derivation, key wrapping, field and file encryption. No SQL and no case paths here."""
