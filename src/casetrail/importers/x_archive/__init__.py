"""The X (Twitter) "Download an archive of your data" importer."""
