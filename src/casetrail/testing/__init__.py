"""Test hooks that ship with the package because the crash harness drives real processes."""
