"""The SOPs an installation can run: definition files found in directories, by SOP name.

The shipped definitions (`workflow/definitions/`) come last; directories given by the
deployment (`KINERJA_SOP_DIR`) are searched first, so an office can add SOPs, or its own
version of a shipped one, as data without touching the package. A file is found by its stem,
which must equal the SOP's `name:` (a file that says otherwise is refused, not guessed at).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from workflow.spec import DEFINITIONS_DIR, DefinitionError, LoadedDefinition, load_definition_file

SHIPPED = "shipped"  # the origin of a definition from `workflow/definitions/`


class SopCatalog:
    """SOP definition files by name (the file's stem), first directory first."""

    def __init__(self, dirs: Sequence[Path] = (), *, shipped: bool = True) -> None:
        self.dirs = [Path(d) for d in dirs] + ([DEFINITIONS_DIR] if shipped else [])

    def _files(self) -> dict[str, Path]:
        found: dict[str, Path] = {}
        for folder in self.dirs:
            if not folder.is_dir():
                raise DefinitionError(str(folder), "", "SOP directory not found")
            for path in sorted(folder.glob("*.yaml")):
                found.setdefault(path.stem, path)
        return found

    def install_dir(self) -> Path | None:
        """The deployment directory an SOP installed at run time goes to (the first one, so
        it is found before a shipped SOP of the same name); None when there is none."""
        own = [d for d in self.dirs if d != DEFINITIONS_DIR]
        return own[0] if own else None

    def names(self) -> list[str]:
        """Every SOP name available, sorted."""
        return sorted(self._files())

    def path(self, name: str) -> Path | None:
        """The file that defines `name`, or None."""
        return self._files().get(name)

    def origin(self, name: str) -> str:
        """Where `name` comes from: "shipped", or the deployment directory that holds it."""
        path = self.path(name)
        if path is None:
            raise self._unknown(name)
        return SHIPPED if path.parent == DEFINITIONS_DIR else str(path.parent)

    def load(self, name: str) -> LoadedDefinition:
        """Load and validate the definition of `name` (DefinitionError when unknown or bad)."""
        path = self.path(name)
        if path is None:
            raise self._unknown(name)
        loaded = load_definition_file(path)
        if loaded.spec.name != path.stem:
            raise DefinitionError(
                str(path),
                "name",
                f"'{loaded.spec.name}' differs from the file name; call the file "
                f"{loaded.spec.name}{path.suffix} or change the name",
            )
        return loaded

    def all(self) -> list[LoadedDefinition]:
        """Every available definition, loaded (sorted by name)."""
        return [self.load(name) for name in self.names()]

    def role_ids(self) -> set[str]:
        """The role ids the available SOPs declare."""
        return {role.id for loaded in self.all() for role in loaded.spec.roles}

    def _unknown(self, name: str) -> DefinitionError:
        known = ", ".join(self.names()) or "(none)"
        return DefinitionError(name, "", f"no such SOP; available: {known}")
