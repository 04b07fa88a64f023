"""What the dependencies are: requirements files, pyproject's `[project] dependencies`.

A requirements file is read the way pip reads it: `\\` continuation lines joined, comments
(a `#` at the start or after whitespace) removed, `-r FILE` / `--requirement FILE` includes
followed (relative to the including file), and option lines (`-e`, `-c`, `--index-url`)
skipped. pyproject's `[project] dependencies` are found with the line each is written on.
Each requirement (PEP 508, parsed with `packaging`) becomes a `Requirement`: its canonical
name, its version when pinned to one exact `==` version, and where it is written. URL,
archive and path requirements, and those whose environment marker is false here, name no
package version and are left out.

Nothing here runs pip-audit or judges a result: that is the audit gate (`gates.audit`),
which imports this module; this module imports no gate.
"""

from __future__ import annotations

import os
import re

from trunkgate import config, registry, report
from trunkgate.change import relative

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Callable, Iterable, Sequence

    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Parsed

# options after a requirement on its line (--hash=...)
OPTION_TAIL = re.compile(r"\s+(?=--?[A-Za-z])")
# a requirement given as a URL, an archive or a local path rather than a name: pip-audit
# skips these when it does not resolve, and they never make the requirements unpinned
URL_LIKE = re.compile(
    r"^(?:[A-Za-z][\w+.-]*://|file:|\.{1,2}(?:/|\\|$)|/|~)|\.(?:whl|zip|tar\.gz|tgz|tar\.bz2)$"
)


class Requirement:
    """A requirement the audit covers, where it is written, and its `==` version if pinned."""

    __slots__ = ("file", "line", "name", "text", "version")

    def __init__(self, name: str, version: str | None, text: str, file: str, line: int) -> None:
        self.name = name  # canonical (PEP 503) name, as pip-audit reports it
        self.version = version  # None when not pinned to one exact version
        self.text = text
        self.file = file
        self.line = line

    def __repr__(self) -> str:
        return f"Requirement({self.file}:{self.line}: {self.text!r})"


def _packaging() -> tuple[type[Parsed], type[InvalidRequirement], Callable[[str], str]]:
    try:
        from packaging.requirements import InvalidRequirement
        from packaging.requirements import Requirement as Parsed
        from packaging.utils import canonicalize_name
    except ImportError:  # pragma: no cover - packaging comes with pip-audit
        raise report.UsageError(
            # packaging comes with pip-audit, which the audit extra installs
            "the audit gate needs the packaging library next to trunkgate; install: "
            + registry.tool_of("audit").install
        ) from None
    return Parsed, InvalidRequirement, canonicalize_name


def parse_requirement(text: str, file: str, line: int) -> Requirement | None:
    """One requirement (PEP 508), or None when it does not apply or names no package version.

    A URL, archive or path requirement is None (pip-audit cannot audit it unresolved); so is
    one whose environment marker is false here. Text that is not a requirement is a
    UsageError naming the file and line.
    """
    if URL_LIKE.search(text):
        return None
    parsed_type, invalid, canonical = _packaging()
    try:
        req = parsed_type(text)
    except invalid as exc:
        why = str(exc).splitlines()[0] if str(exc) else "invalid"
        raise report.UsageError(
            f"{file}:{line}: cannot parse {text!r} as a requirement ({why}); "
            "expected a name and version such as requests==2.31.0"
        ) from None
    if req.url or (req.marker is not None and not req.marker.evaluate()):
        return None
    specs = list(req.specifier)
    version = None
    if len(specs) == 1 and specs[0].operator == "==" and "*" not in specs[0].version:
        version = specs[0].version
    return Requirement(canonical(req.name), version, text, file, line)


def _strip_comment(line: str) -> str:
    """A line without its comment: from a `#` at the start or after whitespace (pip's rule)."""
    at = line.find("#")
    while at != -1:
        if at == 0 or line[at - 1].isspace():
            return line[:at]
        at = line.find("#", at + 1)
    return line


def _include(line: str) -> str | None:
    """The path of a `-r FILE` / `-rFILE` / `--requirement[=| ]FILE` line, else None."""
    if line.startswith("--requirement"):
        rest = line[len("--requirement") :]
        if not rest[:1] or not (rest[0] == "=" or rest[0].isspace()):
            return None
    elif line.startswith("-r"):
        rest = line[2:]
    else:
        return None
    path = rest.strip().lstrip("=").strip()
    return path or None


def _logical_lines(text: str) -> Iterable[tuple[int, str]]:
    """(first line number, line) with `\\` continuations joined and comments removed."""
    start = 0
    parts: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not parts:
            start = number
        if raw.endswith("\\"):
            parts.append(raw[:-1])
            continue
        parts.append(raw)
        joined = _strip_comment(" ".join(parts)).strip()
        parts = []
        if joined:
            yield start, joined
    if parts:
        joined = _strip_comment(" ".join(parts)).strip()
        if joined:
            yield start, joined


def parse_requirements(text: str, file: str) -> tuple[list[Requirement], list[str]]:
    """The requirements of one requirements file, and the files it includes with `-r`.

    Included paths are as written (relative to the including file's folder). Editable,
    constraint and other option lines name no requirement to audit here.
    """
    found: list[Requirement] = []
    includes: list[str] = []
    for number, item, is_include in _entries(text):
        if is_include:
            includes.append(item)
            continue
        spec = OPTION_TAIL.split(item, maxsplit=1)[0]
        req = parse_requirement(spec, file, number)
        if req is not None:
            found.append(req)
    return found, includes


def _entries(text: str) -> Iterable[tuple[int, str, bool]]:
    """(line number, requirement line or included path, is an include) of a requirements
    file."""
    for number, line in _logical_lines(text):
        include = _include(line)
        if include:
            yield number, include, True
        elif not line.startswith("-"):  # -e, -c, --index-url, ...: nothing to audit
            yield number, line, False


def read_text(path: str, shown: str, what: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read().removeprefix("\ufeff")  # a byte order mark from Windows editors
    except FileNotFoundError:
        raise report.UsageError(f"{shown}: no such {what}") from None
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise report.UsageError(f"{shown}: cannot read the {what} ({why})") from None


def read_requirements(
    paths: Sequence[str], root: str, *, parse: bool = True
) -> tuple[list[str], list[Requirement]]:
    """Every file (the given ones, then their `-r` includes) and every requirement in them
    (none when not `parse`: finding the files needs no requirement parser).

    pip-audit does not follow `-r` lines when it does not resolve, so every file found here
    is passed to it explicitly.
    """
    files: list[str] = []
    reqs: list[Requirement] = []
    queue = [(p, relative(p, root), "requirements file") for p in map(os.path.abspath, paths)]
    while queue:
        path, shown, what = queue.pop(0)
        if path in files:
            continue
        files.append(path)
        text = read_text(path, shown, what)
        if parse:
            found, includes = parse_requirements(text, shown)
            reqs.extend(found)
        else:
            includes = [item for _, item, is_include in _entries(text) if is_include]
        for include in includes:
            target = os.path.normpath(os.path.join(os.path.dirname(path), include))
            where = f"requirements file (included by {shown})"
            queue.append((target, relative(target, root), where))
    return files, reqs


def line_of(text: str, needle: str, start: int = 0) -> int | None:
    """The line number of a quoted string in a TOML text, searching from a line index."""
    lines = text.splitlines()
    for quote in ('"', "'"):
        quoted = f"{quote}{needle}{quote}"
        for index in range(start, len(lines)):
            if quoted in lines[index]:
                return index + 1
    return None


def project_dependencies(text: str, shown: str) -> list[Requirement] | None:
    """The [project] dependencies of a pyproject.toml text; None when it declares none."""
    data = config.parse_toml(shown, text.encode("utf-8"))
    project = data.get("project")
    if not isinstance(project, dict) or "dependencies" not in project:
        return None
    deps = project["dependencies"]
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise report.UsageError(
            f"{shown}: [project] dependencies: expected a list of strings, got {deps!r}"
        )
    header = next((i for i, line in enumerate(text.splitlines()) if line.strip() == "[project]"), 0)
    found = []
    for dep in deps:
        line = line_of(text, dep, header) or 0
        req = parse_requirement(dep.strip(), shown, line)
        if req is not None:
            found.append(req)
    return found
