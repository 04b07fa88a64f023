"""What the dependencies are: requirements files, pyproject's `[project] dependencies`, and
the project itself where a requirements file names it (`-e .[extras]`, `.`).

A requirements file is read the way pip reads it: `\\` continuation lines joined, comments
(a `#` at the start or after whitespace) removed, `-r FILE` / `--requirement FILE` includes
followed (relative to the including file), and option lines (`-c`, `--index-url`) skipped.
A line that names a local project (`-e .[dev]`, `--editable ./lib`, `.`, `./lib[x]`, relative
to the project root as pip run there reads it) stands for that project's own `[project]
dependencies` and the optional dependencies of those extras (an extra may name the project
itself, `demo[test]`, and is followed). pyproject's dependencies are found with the line each
is written on. Each requirement (PEP 508, parsed with `packaging`) becomes a `Requirement`:
its canonical name, its version when pinned to one exact `==` version, and where it is
written. A URL, archive or path requirement names no version to audit: it is kept with the
reason (`skip`), for the report; one whose environment marker is false here is left out.

Lockfiles are `trunkgate.lockfiles`. Nothing here runs pip-audit or judges a result: that is
the audit gate (`gates.audit`), which imports this module; this module imports no gate.
"""

from __future__ import annotations

import os
import re

from trunkgate import config, files, registry, report
from trunkgate.change import relative

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Callable, Iterable, Sequence
    from typing import Any

    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Parsed

# options after a requirement on its line (--hash=...)
OPTION_TAIL = re.compile(r"\s+(?=--?[A-Za-z])")
# a requirement given as a URL, an archive or a local path rather than a name: it names no
# version to audit, and never makes the requirements unpinned
URL_LIKE = re.compile(
    r"^(?:[A-Za-z][\w+.-]*://|file:|\.{1,2}(?:/|\\|$|\[)|/|~)|\.(?:whl|zip|tar\.gz|tgz|tar\.bz2)$"
)
# a local project: `.`, `..`, `./lib`, `/abs/lib`, with optional `[extra, ...]`
LOCAL_PROJECT = re.compile(
    r"^(?P<path>\.{1,2}(?:[/\\][^\[\s]*)?|/[^\[\s]*)(?:\[(?P<extras>[^\]]*)\])?$"
)
EDITABLE = re.compile(r"^(?:-e|--editable)(?:\s*=\s*|\s+|(?=\.))(?P<target>\S.*)$")
PROJECT_DEPTH = 20  # extras that name the project itself, followed at most this deep


class Requirement:
    """A requirement the audit covers, where it is written, and its `==` version if pinned.

    `skip` says why it cannot be audited (a URL or a path names no version); such a
    requirement is listed in the report, never queried."""

    __slots__ = ("file", "line", "name", "skip", "text", "version")

    def __init__(
        self,
        name: str,
        version: str | None,
        text: str,
        file: str,
        line: int,
        skip: str | None = None,
    ) -> None:
        self.name = name  # canonical (PEP 503) name, as pip-audit reports it
        self.version = version  # None when not pinned to one exact version
        self.text = text
        self.file = file
        self.line = line
        self.skip = skip

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


def canonical_name(name: str) -> str:
    return _packaging()[2](name)


def parse_requirement(text: str, file: str, line: int) -> Requirement | None:
    """One requirement (PEP 508), or None when its environment marker is false here.

    A URL, archive or path requirement is kept with its `skip` reason (it names no version
    to audit). Text that is not a requirement is a UsageError naming the file and line.
    """
    if URL_LIKE.search(text):
        return Requirement(text, None, text, file, line, skip="a URL or path names no version")
    parsed_type, invalid, canonical = _packaging()
    try:
        req = parsed_type(text)
    except invalid as exc:
        why = str(exc).splitlines()[0] if str(exc) else "invalid"
        raise report.UsageError(
            f"{file}:{line}: cannot parse {text!r} as a requirement ({why}); "
            "expected a name and version such as requests==2.31.0"
        ) from None
    if req.marker is not None and not req.marker.evaluate():
        return None
    name = canonical(req.name)
    if req.url:
        return Requirement(name, None, text, file, line, skip="a URL requirement names no version")
    specs = list(req.specifier)
    version = None
    if len(specs) == 1 and specs[0].operator == "==" and "*" not in specs[0].version:
        version = specs[0].version
    return Requirement(name, version, text, file, line)


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


class LocalProject:
    """A requirements line that names a local project: `-e .[dev]`, `.`, `./lib[x]`."""

    __slots__ = ("extras", "file", "line", "path", "text")

    def __init__(self, path: str, extras: Sequence[str], text: str, file: str, line: int) -> None:
        self.path = path  # as written
        self.extras = list(extras)
        self.text = text
        self.file = file
        self.line = line


def local_project(line: str, file: str, number: int) -> LocalProject | None:
    """The local project a requirements line names (`-e .[dev]`, `.`), else None."""
    editable = EDITABLE.match(line)
    target = editable.group("target").strip() if editable else line
    target = OPTION_TAIL.split(target, maxsplit=1)[0]
    if target.startswith("file:") and not target.startswith("file://"):
        target = target[len("file:") :]
    match = LOCAL_PROJECT.match(target)
    if not match:
        return None
    extras = [e.strip() for e in (match.group("extras") or "").split(",") if e.strip()]
    return LocalProject(match.group("path"), extras, line, file, number)


def parse_requirements(
    text: str, file: str
) -> tuple[list[Requirement], list[str], list[LocalProject]]:
    """The requirements of one requirements file, the files it includes with `-r`, and the
    local projects it names (`-e .[x]`, `.`).

    Included paths are as written (relative to the including file's folder). Other
    editable, constraint and option lines name no requirement to audit here.
    """
    found: list[Requirement] = []
    includes: list[str] = []
    projects: list[LocalProject] = []
    for number, item, is_include in _entries(text):
        if is_include:
            includes.append(item)
            continue
        project = local_project(item, file, number)
        if project is not None:
            projects.append(project)
            continue
        if item.startswith("-"):  # -e of a URL, -c, --index-url, ...: nothing to audit
            continue
        spec = OPTION_TAIL.split(item, maxsplit=1)[0]
        req = parse_requirement(spec, file, number)
        if req is not None:
            found.append(req)
    return found, includes, projects


def _entries(text: str) -> Iterable[tuple[int, str, bool]]:
    """(line number, requirement line or included path, is an include) of a requirements
    file."""
    for number, line in _logical_lines(text):
        include = _include(line)
        if include:
            yield number, include, True
        else:
            yield number, line, False


def read_text(path: str, shown: str, what: str) -> str:
    """A text file through `files` (size limit, FIFOs refused), without a byte order mark."""
    return files.read_text(path, shown, expected=what).removeprefix("\ufeff")


class Found:
    """What a set of requirements files defines: the files (includes and the pyproject.toml
    of each local project too), the requirements, and notes on what was left out."""

    __slots__ = ("files", "notes", "requirements")

    def __init__(self) -> None:
        self.files: list[str] = []
        self.requirements: list[Requirement] = []
        self.notes: list[str] = []


def read_requirements(paths: Sequence[str], root: str, *, parse: bool = True) -> Found:
    """Every file (the given ones, then their `-r` includes and the pyproject.toml of the
    local projects they name) and every requirement in them (none when not `parse`:
    finding the files needs no requirement parser, except for the local projects).
    """
    found = Found()
    projects: list[LocalProject] = []
    queue = [(p, relative(p, root), "a requirements file") for p in map(os.path.abspath, paths)]
    while queue:
        path, shown, what = queue.pop(0)
        if path in found.files:
            continue
        found.files.append(path)
        text = read_text(path, shown, what)
        if parse:
            reqs, includes, local = parse_requirements(text, shown)
            found.requirements.extend(reqs)
            projects.extend(local)
        else:
            includes = []
            for number, item, is_include in _entries(text):
                if is_include:
                    includes.append(item)
                else:
                    project = local_project(item, shown, number)
                    projects.extend([project] if project else [])
        for include in includes:
            target = os.path.normpath(os.path.join(os.path.dirname(path), include))
            where = f"a requirements file (included by {shown})"
            queue.append((target, relative(target, root), where))
    for project in projects:
        pyproject = os.path.normpath(os.path.join(root, project.path, "pyproject.toml"))
        if not os.path.isfile(pyproject):
            found.notes.append(
                f"not audited: {project.text!r} ({project.file}:{project.line}): "
                f"{relative(pyproject, root)} does not exist, so its dependencies are unknown"
            )
            continue
        if pyproject not in found.files:
            found.files.append(pyproject)
        if not parse:
            continue
        shown = relative(pyproject, root)
        deps = project_dependencies(
            read_text(pyproject, shown, "a pyproject.toml"), shown, project.extras
        )
        if deps is None:
            found.notes.append(
                f"not audited: {project.text!r} ({project.file}:{project.line}): {shown} "
                "has no [project] dependencies"
            )
            continue
        found.requirements.extend(deps)
    return found


def line_of(text: str, needle: str, start: int = 0) -> int | None:
    """The line number of a quoted string in a TOML text, searching from a line index."""
    lines = text.splitlines()
    for quote in ('"', "'"):
        quoted = f"{quote}{needle}{quote}"
        for index in range(start, len(lines)):
            if quoted in lines[index]:
                return index + 1
    return None


def _strings(value: object, shown: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(d, str) for d in value):
        raise report.UsageError(f"{shown}: {key}: expected a list of strings, got {value!r}")
    return value


def project_dependencies(
    text: str, shown: str, extras: Sequence[str] = ()
) -> list[Requirement] | None:
    """The [project] dependencies of a pyproject.toml text, and the optional dependencies of
    `extras`; None when it declares no dependencies (and no extra was asked for).

    An optional dependency that names the project itself (`demo[test]`) brings that extra's
    dependencies in its place. An extra the project does not declare is a UsageError.
    """
    data = config.parse_toml(shown, text.encode("utf-8"))
    project = data.get("project")
    if not isinstance(project, dict) or ("dependencies" not in project and not extras):
        return None
    deps = _strings(project.get("dependencies", []), shown, "[project] dependencies")
    optional: Any = project.get("optional-dependencies", {})
    if not isinstance(optional, dict):
        raise report.UsageError(
            f"{shown}: [project.optional-dependencies]: expected a table, got {optional!r}"
        )
    own = canonical_name(str(project.get("name", ""))) if project.get("name") else None
    lines = text.splitlines()
    header = next((i for i, line in enumerate(lines) if line.strip() == "[project]"), 0)
    found: list[Requirement] = []
    for dep in deps:
        line = line_of(text, dep, header) or 0
        req = parse_requirement(dep.strip(), shown, line)
        if req is not None:
            found.append(req)
    wanted = [canonical_name(e) for e in extras]
    by_name = {canonical_name(k): k for k in optional}
    done: set[str] = set()
    depth = 0
    while wanted and depth < PROJECT_DEPTH:
        depth += 1
        following: list[str] = []
        for extra in wanted:
            if extra in done:
                continue
            done.add(extra)
            key = by_name.get(extra)
            if key is None:
                declared = ", ".join(sorted(optional)) or "none"
                raise report.UsageError(
                    f"{shown}: no optional dependencies for the extra {extra!r} "
                    f"(declared extras: {declared})"
                )
            where = next(
                (
                    i
                    for i, line in enumerate(lines)
                    if line.strip() == "[project.optional-dependencies]"
                ),
                header,
            )
            for dep in _strings(optional[key], shown, f"[project.optional-dependencies] {key}"):
                line = line_of(text, dep, where) or 0
                req = parse_requirement(dep.strip(), shown, line)
                if req is None:
                    continue
                if own is not None and req.name == own and req.skip is None:
                    parsed = _packaging()[0](dep.strip())
                    following.extend(canonical_name(e) for e in parsed.extras)
                    continue
                found.append(req)
        wanted = following
    return found
