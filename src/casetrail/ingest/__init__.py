"""Safe reading shared by every importer: archives without extraction, text in any encoding, limits."""
