"""The evidence pack: a bundle an officer can verify and act on (docs/pack.md)."""
