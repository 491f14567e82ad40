"""Shared fixtures: the sample corpus, fast key derivation, no network, fresh cases."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from casetrail.store.case import Case, Producer

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def corpus_path(relative: str) -> Path:
    """Path to a sample in ../shared/corpus; fails loudly when the corpus is missing (CI always has it)."""
    path = CORPUS / relative
    if not path.exists():
        raise FileNotFoundError(f"corpus sample missing: {path}")
    return path


@pytest.fixture
def corpus() -> Callable[[str], Path]:
    return corpus_path


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """G-49: nothing in the suite may open a network connection unless a test opts in."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network access is disabled in tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


PASSPHRASE = "test passphrase for a fictional case"


@pytest.fixture(autouse=True)
def fast_kdf() -> Iterator[None]:
    """Argon2id at a tiny cost so the suite stays fast (G-04 tests check the production values)."""
    from casetrail.crypto import kdf

    previous = kdf.default_params()
    kdf.set_default_params(kdf.KdfParams(memory_kib=64, iterations=1, parallelism=1))
    yield
    kdf.set_default_params(previous)


@pytest.fixture
def new_case(tmp_path: Path) -> Iterator[Case]:
    """A fresh, initialised case per test (never a shared database)."""
    case = Case.create(tmp_path / "case", PASSPHRASE, Producer("Robin Hale", "RH"))
    yield case
    case.close()
