"""The SOPs an installation can run: definition files found in directories, by SOP name.

The shipped definitions (`workflow/definitions/`) come last; directories given by the
deployment (`KINERJA_SOP_DIR`) are searched first, so an office can add SOPs, or its own
version of a shipped one, as data without touching the package.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from workflow.spec import DEFINITIONS_DIR, DefinitionError, LoadedDefinition, load_definition_file


class SopCatalog:
    """SOP definition files by name (the file's stem), first directory first."""

    def __init__(self, dirs: Sequence[Path] = (), *, shipped: bool = True) -> None:
        self.dirs = [Path(d) for d in dirs] + ([DEFINITIONS_DIR] if shipped else [])

    def _files(self) -> dict[str, Path]:
        found: dict[str, Path] = {}
        for folder in self.dirs:
            for path in sorted(folder.glob("*.yaml")):
                found.setdefault(path.stem, path)
        return found

    def names(self) -> list[str]:
        """Every SOP name available, sorted."""
        return sorted(self._files())

    def path(self, name: str) -> Path | None:
        """The file that defines `name`, or None."""
        return self._files().get(name)

    def load(self, name: str) -> LoadedDefinition:
        """Load and validate the definition of `name` (DefinitionError when unknown or bad)."""
        path = self.path(name)
        if path is None:
            known = ", ".join(self.names()) or "(none)"
            raise DefinitionError(name, "", f"no such SOP; available: {known}")
        return load_definition_file(path)

    def all(self) -> list[LoadedDefinition]:
        """Every available definition, loaded (sorted by name)."""
        return [self.load(name) for name in self.names()]

    def role_ids(self) -> set[str]:
        """The role ids the available SOPs declare."""
        return {role.id for loaded in self.all() for role in loaded.spec.roles}
