"""What a lockfile pins: uv.lock, poetry.lock and pylock.toml (PEP 751), read as data.

Each locked package that comes from a package index becomes a `Requirement` pinned to its
locked version, written on the line its `[[package]]` entry starts. The audit takes these
versions as they are: nothing is resolved again. A package from a local directory (the
project itself, a workspace member), a git repository or a URL names no published version:
it is kept with the reason (`skip`) for the report. Every package of the lock counts,
whatever its environment marker or group: uv's and poetry's locks are universal, one file
for every platform and group they support, and the audit covers them all.

The TOML is read through `files` (size limit, FIFOs refused) and `config.parse_toml`. A lock
that is not one (bad TOML, an unknown lock version, an entry with no name) is one
`UsageError` line naming the file and what was expected.
"""

from __future__ import annotations

import os
import re

from trunkgate import config, files, report
from trunkgate.requirements import Requirement, canonical_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

# The lockfiles, in the order the audit prefers them.
NAMES = ("uv.lock", "poetry.lock", "pylock.toml")
PYLOCK = re.compile(r"^pylock\.[^/\\]+\.toml$")  # PEP 751: pylock.<name>.toml
_HEADER = re.compile(r"^\s*\[\[\s*(?:package|packages)\s*\]\]\s*(?:#.*)?$")


def kind_of(path: str) -> str | None:
    """ "uv", "poetry" or "pylock" for a lockfile's name, else None."""
    name = os.path.basename(path)
    if name == "uv.lock":
        return "uv"
    if name == "poetry.lock":
        return "poetry"
    if name == "pylock.toml" or PYLOCK.match(name):
        return "pylock"
    return None


def find(root: str) -> list[str]:
    """The lockfiles in a folder, in the order of preference (pylock.<name>.toml last)."""

    def there(path: str) -> bool:  # a FIFO or a device is found, and refused when read
        return os.path.exists(path) and not os.path.isdir(path)

    found = [os.path.join(root, n) for n in NAMES if there(os.path.join(root, n))]
    try:
        names = sorted(os.listdir(root))
    except OSError:
        names = []
    found += [
        os.path.join(root, n)
        for n in names
        if PYLOCK.match(n) and n != "pylock.toml" and there(os.path.join(root, n))
    ]
    return found


def _header_lines(text: str) -> list[int]:
    return [i for i, line in enumerate(text.splitlines(), 1) if _HEADER.match(line)]


def _entries(data: dict[str, Any], key: str, shown: str) -> list[dict[str, Any]]:
    entries = data.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise report.UsageError(f"{shown}: {key}: expected an array of tables [[{key}]]")
    return entries


def _version_of(data: dict[str, Any], key: str, shown: str, majors: Sequence[int]) -> None:
    raw = data.get(key)
    if isinstance(raw, dict):  # poetry: [metadata] lock-version
        raw = raw.get("lock-version")
    text = str(raw) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
    major = text.split(".", 1)[0]
    if not major.isdigit() or int(major) not in majors:
        expected = " or ".join(str(m) for m in majors)
        shown_value = repr(raw) if raw is not None else "none"
        raise report.UsageError(
            f"{shown}: lock version {shown_value} is not supported, expected {expected}.x "
            "(is this file a lockfile of the tool its name says?)"
        )


def _skip_uv(source: object) -> str | None:
    if not isinstance(source, dict) or "registry" in source:
        return None
    for key, why in (
        ("editable", "a local directory (editable)"),
        ("virtual", "a local directory (the project or a workspace member)"),
        ("directory", "a local directory"),
        ("path", "a local path"),
        ("git", "a git repository"),
        ("url", "a URL"),
    ):
        if key in source:
            return why
    return None


def _skip_poetry(entry: dict[str, Any]) -> str | None:
    source = entry.get("source")
    kind = source.get("type") if isinstance(source, dict) else None
    if kind in (None, "legacy"):  # PyPI, or another package index
        return None
    return {
        "git": "a git repository",
        "directory": "a local directory",
        "file": "a local file",
    }.get(str(kind), f"a {kind} source")


def _skip_pylock(entry: dict[str, Any]) -> str | None:
    for key, why in (
        ("directory", "a local directory"),
        ("vcs", "a version control repository"),
        ("archive", "an archive"),
    ):
        if key in entry:
            return why
    return None


def read(path: str, shown: str) -> list[Requirement]:
    """Every package a lockfile pins, as `Requirement`s (pinned ones, and skipped ones with
    their reason); the kind of lock comes from the file's name."""
    kind = kind_of(path)
    if kind is None:  # pragma: no cover - callers pass lockfiles only
        raise report.UsageError(f"{shown}: not a lockfile name, expected one of {', '.join(NAMES)}")
    text = files.read_text(path, shown, expected="a lockfile").removeprefix("\ufeff")
    data = config.parse_toml(shown, text.encode("utf-8"))
    if kind == "uv":
        _version_of(data, "version", shown, (1,))
        key = "package"
    elif kind == "poetry":
        _version_of(data, "metadata", shown, (1, 2))
        key = "package"
    else:
        _version_of(data, "lock-version", shown, (1,))
        key = "packages"
    entries = _entries(data, key, shown)
    headers = _header_lines(text)
    lines = headers if len(headers) == len(entries) else [0] * len(entries)
    found: list[Requirement] = []
    seen: set[tuple[str, str | None]] = set()
    for number, (entry, line) in enumerate(zip(entries, lines, strict=True), 1):
        name, version = entry.get("name"), entry.get("version")
        if not isinstance(name, str) or not name.strip():
            raise report.UsageError(
                f"{shown}:{line or '?'}: [[{key}]] entry {number} has no name, expected a "
                'name = "..." string'
            )
        if version is not None and not isinstance(version, str):
            raise report.UsageError(
                f"{shown}:{line or '?'}: [[{key}]] {name}: version {version!r}, expected a string"
            )
        if kind == "uv":
            skip = _skip_uv(entry.get("source"))
        elif kind == "poetry":
            skip = _skip_poetry(entry)
        else:
            skip = _skip_pylock(entry)
        if skip is None and not version:
            skip = "no version is locked"
        canonical = canonical_name(name)
        if (canonical, version) in seen:
            continue
        seen.add((canonical, version))
        text_of = f"{name}=={version}" if version else name
        pinned = None if skip else version
        found.append(Requirement(canonical, pinned, text_of, shown, line, skip=skip))
    return found
