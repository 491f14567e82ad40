"""E-mail importers: single ``.eml`` files and ``.mbox`` mailboxes, Google Takeout included.

Both read messages the same way (``message.py``), so the same message found in a mailbox and as a
loose file becomes the same event; see docs/importers/email.md.
"""
