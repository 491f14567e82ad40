"""Errors casetrail reports to people: each names the condition, and where possible the file and place."""

from __future__ import annotations


class CasetrailError(Exception):
    """Base for every error casetrail expects and explains; the CLI prints it and exits non-zero."""

    exit_code = 1


class InputError(CasetrailError):
    """A file being imported cannot be read as what it claims to be. Nothing was imported from it."""

    exit_code = 3

    def __init__(self, file: str, place: str | None, problem: str) -> None:
        self.file = file
        self.place = place
        self.problem = problem
        where = f"{file} ({place})" if place else file
        super().__init__(f"{where}: {problem}")

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str | None, str]]:
        # Rebuilt from its parts when it crosses a process pipe (an import's reader process).
        return type(self), (self.file, self.place, self.problem)


class UnsafeArchiveMember(InputError):
    """An archive member would escape the case folder or is not a regular file."""


class ArchiveTooLarge(InputError):
    """An archive expands beyond the configured limits (a possible decompression bomb)."""


class UnknownFormat(InputError):
    """No importer recognises the file."""


class CaseNotFound(CasetrailError):
    """The folder is not a casetrail case."""


class CaseExists(CasetrailError):
    """`init` was pointed at a folder that already holds a case."""


class WrongPassphrase(CasetrailError):
    """The passphrase does not unlock the case. Nothing was changed."""

    exit_code = 4


class CaseCorrupt(CasetrailError):
    """The case folder is not in casetrail's encrypted format (never silently recreated)."""

    exit_code = 5


class CaseBusy(CasetrailError):
    """Another casetrail command is writing to this case."""

    exit_code = 6
