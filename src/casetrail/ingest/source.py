"""A file offered for import: an original on disk, possibly a zip archive, opened read-only."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from casetrail.ingest.archive import SafeZip
from casetrail.ingest.limits import ImportLimits


@dataclass
class Source:
    """An original file. Importers read it only through this object, never by path."""

    path: Path
    limits: ImportLimits = field(default_factory=ImportLimits.from_env)
    _archive: SafeZip | None = field(default=None, init=False, repr=False)

    @property
    def name(self) -> str:
        return self.path.name

    def open(self) -> IO[bytes]:
        return open(self.path, "rb")

    def head(self, size: int = 4096) -> bytes:
        with self.open() as handle:
            return handle.read(size)

    def is_zip(self) -> bool:
        return zipfile.is_zipfile(self.path)

    def archive(self) -> SafeZip:
        """The validated archive (raises InputError for unsafe or oversized archives)."""
        if self._archive is None:
            self._archive = SafeZip(self.path, self.name, self.limits)
        return self._archive

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()
            self._archive = None
