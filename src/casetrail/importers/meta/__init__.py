"""Facebook Messenger and Instagram "Download your information" JSON (docs/importers/messenger-instagram.md).

Both apps export threads in the same Meta format, so one package reads both; the two importer classes
differ only in the channel they prefer when a file does not say which app wrote it.
"""
