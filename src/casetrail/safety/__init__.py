"""The digital-safety toolkit: checks on phone data for stalkerware and monitoring, and a lock-down
plan tailored to the platforms in the case (docs/safety.md)."""
