"""Where the generated files go, and writing them without ever replacing a file unless told to (--force)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

Format = Literal["program", "tenants"]
STDOUT = "-"
PROGRAM_FILES = ("__main__.py", "Pulumi.yaml", "requirements.txt")
TENANTS_FILE = "tenants.yaml"


class OutputError(Exception):
    """The output cannot be written; the message names the path and the fix."""


class Target(BaseModel):
    """stdout, one file, or a Pulumi project directory (program format only)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["stdout", "file", "directory"]
    path: Path | None = None

    def paths(self) -> list[Path]:
        if self.path is None:
            return []
        if self.kind == "directory":
            return [self.path / name for name in PROGRAM_FILES]
        return [self.path]


def resolve_target(output: str, output_format: Format) -> Target:
    """Where `--output` points for the format: '-' is stdout; a program goes to a `.py` file or a project
    directory; a tenants file to a file (or tenants.yaml in an existing directory)."""
    if output == STDOUT:
        return Target(kind="stdout")
    if not output.strip():
        raise OutputError("--output is empty: give a path, or - for standard output")
    path = Path(output)
    suffix = path.suffix.lower()
    if output_format == "program":
        if suffix == ".py":
            return Target(kind="file", path=path)
        if suffix in (".yaml", ".yml", ".json"):
            raise OutputError(
                f"--output {output}: a program is written to a directory (a Pulumi project) or a .py file; "
                "for a tenants file add --format tenants"
            )
        return Target(kind="directory", path=path)
    if path.is_dir():
        return Target(kind="file", path=path / TENANTS_FILE)
    if suffix == ".json":
        raise OutputError(f"--output {output}: the tenants file is written as YAML (with comments); name it .yaml")
    return Target(kind="file", path=path)


def check_writable(target: Target, *, force: bool) -> None:
    """Fails, before anything is read from Depot, if an output file exists (without force) or cannot be a file."""
    for path in target.paths():
        if path.is_dir():
            raise OutputError(f"{path} is a directory; give another --output")
        if path.exists() and not force:
            raise OutputError(
                f"{path} already exists; pass --force to overwrite it, or choose another --output (nothing was written)"
            )
    if target.kind == "directory" and target.path is not None and target.path.exists() and not target.path.is_dir():
        raise OutputError(f"{target.path} exists and is not a directory; give a directory or a .py file as --output")


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _create(path: Path, temporary: str, content: str) -> None:
    try:
        try:
            os.link(temporary, path)
        except FileExistsError:
            raise
        except OSError:  # no hard links on this file system: exclusive creation instead
            with path.open("x", encoding="utf-8", newline="\n") as handle:
                handle.write(content)
    except FileExistsError:
        raise OutputError(f"{path} already exists (it appeared while writing); pass --force to overwrite it") from None


def _write(path: Path, content: str, *, force: bool) -> None:
    """Atomically: a temporary file beside `path`, then renamed over it (force) or linked to it, which fails if
    `path` appeared meanwhile, so a file is never replaced without force."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
        os.chmod(temporary, 0o666 & ~_umask())
        if force:
            os.replace(temporary, path)
        else:
            _create(path, temporary, content)
    finally:
        Path(temporary).unlink(missing_ok=True)


def write_files(target: Target, files: dict[str, str], *, force: bool) -> list[Path]:
    """Writes `files` (name -> content; one entry unless a directory) and returns the paths written."""
    check_writable(target, force=force)
    if target.path is None:
        raise OutputError("write_files needs a file or directory target")
    if target.kind == "directory":
        target.path.mkdir(parents=True, exist_ok=True)
        destinations = {target.path / name: content for name, content in files.items()}
    else:
        target.path.parent.mkdir(parents=True, exist_ok=True)
        (content,) = files.values()
        destinations = {target.path: content}
    written = []
    for path, content in destinations.items():
        _write(path, content, force=force)
        written.append(path)
    return written
