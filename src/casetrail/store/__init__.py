"""The case folder: encrypted database, encrypted exhibit blobs, audit log, imports as transactions."""
