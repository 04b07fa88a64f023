"""The files a release reads and changes: version files (the version in a pyproject.toml, a
`__version__` line of a .py file, or a file holding only the version; more through patterns:
`VersionFile`, `version_files`, `held_versions`), the changelog's
place, `owner/repo@vX.Y.Z` references and the repository's owner/name, and text files read
shown as a diff (`unified_diff`); reading and writing go through `trunkgate.files`.
"""

from __future__ import annotations

import os

from trunkgate import git, report, versions
from trunkgate.release.output import warn

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

    from trunkgate.policies import ReleasePolicy


def split_lines(text: str) -> tuple[list[str], str]:
    """(the lines without their ends, the newline: CRLF if the text has any, else LF)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    return text.replace("\r\n", "\n").split("\n"), newline


def changelog_path(policy: ReleasePolicy) -> tuple[str, str]:
    """(path, path as shown) of the policy's changelog file."""
    path = policy.path(str(policy.changelog_file))
    return path, os.path.relpath(path)


def _toml_version(text: str, path: str) -> tuple[int, str, str, str]:
    """(line index, before, old version, after) of `version = "X"` in [project] (or
    [tool.poetry]) of a TOML file."""
    import re

    assign = re.compile(r"""^(\s*version\s*=\s*)(["'])([^"'\n]*)\2(.*)$""")
    table = None
    dynamic = False
    lines = text.split("\n")
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            table = stripped.split("#", 1)[0].strip()
            continue
        if table not in ("[project]", "[tool.poetry]"):
            continue
        m = assign.match(line)
        if m:
            return index, m[1] + m[2], m[3], m[2] + m[4]
        if stripped.startswith("dynamic") and "version" in stripped:
            dynamic = True
    if dynamic:
        raise report.UsageError(
            f"{path}: [project] version is dynamic; expected the policy key version-file to "
            "name the file that holds it (e.g. src/pkg/__init__.py)"
        )
    raise report.UsageError(f'{path}: no version = "X" in [project]; expected one to bump')


def _py_version(text: str, path: str) -> tuple[int, str, str, str]:
    import re

    assign = re.compile(r"""^(\s*__version__\s*(?::\s*str\s*)?=\s*)(["'])([^"'\n]*)\2(.*)$""")
    for index, line in enumerate(text.split("\n")):
        m = assign.match(line)
        if m:
            return index, m[1] + m[2], m[3], m[2] + m[4]
    raise report.UsageError(f'{path}: no __version__ = "X" line; expected one to bump')


def _find_version(text: str, path: str) -> tuple[int, str, str, str]:
    if path.endswith(".toml"):
        return _toml_version(text, path)
    if path.endswith(".py"):
        return _py_version(text, path)
    lines = text.split("\n")
    index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if index is None or any(line.strip() for line in lines[index + 1 :]):
        raise report.UsageError(f"{path}: expected a file holding only the version")
    line = lines[index]
    lead = line[: len(line) - len(line.lstrip())]
    return index, lead, line.strip(), line[len(line.rstrip()) :]


def read_version(text: str, path: str) -> str:
    """The version a version file holds."""
    return _find_version(text.replace("\r\n", "\n"), path)[2]


def set_version(text: str, path: str, version: str, scheme: str = "semver") -> tuple[str, str]:
    """(old version, new text) with the version file's version replaced."""
    lines, newline = split_lines(text)
    index, before, old, after = _find_version("\n".join(lines), path)
    if (
        old != version
        and versions.is_valid(old, scheme)
        and versions.sort_key(old, scheme) > versions.sort_key(version, scheme)
    ):
        raise report.UsageError(
            f"{path}: holds version {old}, above {version}; expected a lower version to bump"
        )
    lines[index] = f"{before}{version}{after}"
    return old, newline.join(lines)


class VersionFile:
    """A file that holds the version: the policy's version-file (read by its kind: a
    pyproject.toml, a .py file's __version__, a file holding only the version) or one of
    version-files, read through its pattern (`{version}` where the version goes)."""

    __slots__ = ("path", "pattern", "shown", "where")

    def __init__(self, path: str, pattern: str | None, where: str) -> None:
        self.path = path
        self.shown = os.path.relpath(path)
        self.pattern = pattern
        self.where = where  # the policy key, for messages

    def _regex(self) -> re.Pattern[str]:
        import re

        pattern = self.pattern or ""
        before, _, after = pattern.partition("{version}")
        if pattern.count("{version}") != 1 or not (before.strip() or after.strip()):
            raise report.UsageError(
                f"{self.where}: pattern {pattern!r} for {self.shown}: expected the text around "
                'the version with one {version} in it, e.g. __version__ = "{version}"'
            )
        version = r"(?P<version>\d[0-9A-Za-z.+!_-]*)"
        return re.compile(re.escape(before) + version + re.escape(after))

    def read(self, text: str) -> list[str]:
        """The versions the file holds (several matches of a pattern: each)."""
        if self.pattern is None:
            return [read_version(text, self.shown)]
        return [m["version"] for m in self._regex().finditer(text.replace("\r\n", "\n"))]

    def write(self, text: str, version: str, scheme: str) -> tuple[str, str]:
        """(old version, new text) with the version replaced, then read back to check it."""
        if self.pattern is None:
            old, new = set_version(text, self.shown, version, scheme)
        else:
            regex = self._regex()
            found = list(regex.finditer(text))
            if not found:
                raise report.UsageError(
                    f"{self.shown}: the version-files pattern {self.pattern!r} matches nothing; "
                    f"expected it to match the text around the version; nothing was written"
                )
            old = found[0]["version"]
            new = regex.sub(
                lambda m: (
                    m[0][: m.start("version") - m.start()]
                    + version
                    + m[0][m.end("version") - m.start() :]
                ),
                text,
            )
            count = len(found)
        held = self.read(new)
        if any(v != version for v in held) or (self.pattern is not None and len(held) != count):
            raise report.UsageError(
                f"{self.shown}: after the edit it holds {', '.join(held) or 'no version'}, not "
                f"{version}; expected the {self.where} entry to find the version exactly; "
                "nothing was written"
            )
        return old, new


def version_files(policy: ReleasePolicy) -> list[VersionFile]:
    """The policy's version-file (if any), then its version-files."""
    found = []
    if policy.version_file:
        found.append(VersionFile(policy.path(str(policy.version_file)), None, "version-file"))
    entries: list[dict[str, object]] = policy.version_files
    for index, entry in enumerate(entries):
        where = f"version-files[{index}]"
        found.append(VersionFile(policy.path(str(entry["path"])), str(entry["pattern"]), where))
    return found


def held_versions(policy: ReleasePolicy) -> list[tuple[str, str]]:
    """(version, file as shown) of each version the version files hold; files that are
    missing or hold no version are left out (a cut says so; `next` only reads)."""
    from trunkgate.files import read_text

    held = []
    for vf in version_files(policy):
        if not os.path.isfile(vf.path):
            continue
        try:
            held += [(v, vf.shown) for v in vf.read(read_text(vf.path, vf.shown))]
        except report.UsageError:
            continue
    return held


def repository_of(policy: ReleasePolicy, environ: dict[str, str] | None = None) -> str:
    """owner/name: the policy's, else GITHUB_REPOSITORY, else the origin remote's, else ""."""
    env = os.environ if environ is None else environ
    if policy.repository:
        return str(policy.repository)
    if env.get("GITHUB_REPOSITORY"):
        return env["GITHUB_REPOSITORY"]
    return repository_from_url(git.config_get("remote.origin.url") or "")


def repository_from_url(url: str) -> str:
    """owner/name from a remote URL (https://host/o/r.git, git@host:o/r.git), else ""."""
    url = url.strip()
    if "://" in url:
        path = url.split("://", 1)[1].partition("/")[2]
    elif ":" in url and "@" in url.split(":", 1)[0]:
        path = url.split(":", 1)[1]
    else:
        return ""  # a local path
    parts = path.strip("/").removesuffix(".git").split("/")
    return f"{parts[-2]}/{parts[-1]}" if len(parts) >= 2 and all(parts[-2:]) else ""


def rewrite_references(text: str, repository: str, prefix: str, tag: str) -> tuple[int, str]:
    """(count, text) with `<repository>[/path]@<prefix>X.Y.Z` rewritten to `...@<tag>`."""
    import re

    pattern = re.compile(
        rf"(?<![\w./-])({re.escape(repository)}(?:/[\w./-]*)?)@{re.escape(prefix)}"
        r"(\d+\.\d+\.\d+(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)(?![\w+-])(?!\.\w)",
        re.IGNORECASE,
    )
    count = 0

    def swap(m: re.Match[str]) -> str:
        nonlocal count
        new = f"{m[1]}@{tag}"
        count += new != m[0]
        return new

    text = pattern.sub(swap, text)
    return count, text


def reference_paths(policy: ReleasePolicy) -> list[str]:
    """The files the policy's reference-files patterns name, relative to the project root."""
    import glob

    found: list[str] = []
    patterns: list[str] = policy.reference_files
    for pattern in patterns:
        matches = sorted(glob.glob(pattern, root_dir=policy.root, recursive=True))
        matches = [m for m in matches if os.path.isfile(policy.path(m))]
        if not matches:
            warn(f"reference-files pattern {pattern!r} matches no file")
        found += [m for m in matches if m not in found]
    return found


def unified_diff(shown: str, old: str, new: str) -> str:
    import difflib

    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"a/{shown}",
            tofile=f"b/{shown}",
        )
    )
