"""What `trunkgate init` learns from a repository, each fact with where it came from.

- the trunk: where origin/HEAD points, else the one of main and master that exists;
- the tag prefix and version scheme: from the release tags (`versions.detect_scheme_and_prefix`);
- the version file: pyproject's `[project] version`, or the file its dynamic version is read
  from, or none when the version comes from the tags (setuptools_scm, hatch-vcs);
- the changelog: the first of the usual names, and whether it is Keep a Changelog;
- the coverage threshold: `fail_under` from coverage's own configuration, read where coverage
  reads it (.coveragerc, setup.cfg, tox.ini, pyproject.toml);
- the test command: `pytest` when pytest's addopts measure coverage, `coverage run -m pytest`
  when the project does not depend on pytest-cov;
- ruff's version: an exact `required-version`, or the `rev` of ruff-pre-commit.

Only what differs from trunkgate's defaults becomes a fact; nothing here writes.
"""

from __future__ import annotations

import os

from trunkgate import config, git, schema, versions
from trunkgate.report import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CHANGELOG_NAMES = (
    "CHANGELOG.md",
    "CHANGES.md",
    "HISTORY.md",
    "NEWS.md",
    "docs/CHANGELOG.md",
    "docs/changelog.md",
    "CHANGELOG.rst",
    "CHANGES.rst",
    "HISTORY.rst",
    "NEWS.rst",
    "docs/changelog.rst",
    "CHANGELOG",
    "CHANGES",
    "CHANGELOG.txt",
)
SKELETON = """\
# Changelog

All notable changes to this project are documented in this file. The format follows
[Keep a Changelog](https://keepachangelog.com/en/1.1.0/).

## [Unreleased]
"""


def github_repository(url: str | None) -> str | None:
    """owner/name of a GitHub remote URL (https, ssh or scp-like), else None."""
    if not url:
        return None
    text = url.strip().removesuffix("/").removesuffix(".git")
    for head in (
        "https://github.com/",
        "http://github.com/",
        "ssh://git@github.com/",
        "git@github.com:",
    ):
        if text.startswith(head):
            parts = text[len(head) :].split("/")
            if len(parts) == 2 and all(parts):
                return "/".join(parts)
    return None


def skeleton(directory: str, facts: Facts) -> str:
    """A Keep a Changelog skeleton, with the Unreleased link when origin is on GitHub."""
    repository = github_repository(git.remote_url(cwd=directory))
    if repository is None:
        return SKELETON
    names = git.tags(cwd=directory)
    prefix = str(facts.value("", "tag-prefix"))
    scheme = str(facts.value("", "version-scheme"))
    latest = next(
        (n for n in names if n.startswith(prefix) and versions.is_valid(n[len(prefix) :], scheme)),
        None,
    )
    base = f"https://github.com/{repository}"
    url = f"{base}/compare/{latest}...HEAD" if latest else f"{base}/commits/HEAD"
    return f"{SKELETON}\n[unreleased]: {url}\n"


class Fact:
    """One policy value the repository implies: its table ("" for the shared keys), key,
    value, and where it was read."""

    __slots__ = ("key", "source", "table", "value")

    def __init__(self, table: str, key: str, value: object, source: str) -> None:
        self.table = table
        self.key = key
        self.value = value
        self.source = source

    @property
    def default(self) -> object:
        spec = schema.SHARED[self.key] if not self.table else schema.GATES[self.table][self.key]
        return spec[1]

    def __repr__(self) -> str:
        return f"Fact({self.table or 'shared'} {self.key}={self.value!r}: {self.source})"


class Facts:
    """Everything read: the policy facts, the hook settings, the changelog's state, notes."""

    def __init__(self) -> None:
        self.policy: list[Fact] = []
        self.notes: list[str] = []
        self.ruff: tuple[str, str] | None = None  # (version, where it is pinned)
        self.changelog: str = "CHANGELOG.md"
        self.changelog_exists = False
        self.changelog_other: str | None = None  # another convention, described

    def add(self, table: str, key: str, value: object, source: str) -> None:
        fact = Fact(table, key, value, source)
        if value != fact.default:
            self.policy.append(fact)

    def value(self, table: str, key: str) -> object:
        for fact in self.policy:
            if (fact.table, fact.key) == (table, key):
                return fact.value
        spec = schema.SHARED[key] if not table else schema.GATES[table][key]
        return spec[1]


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read(1_000_000)
    except OSError:
        return None


def _toml(path: str) -> dict[str, Any]:
    if not os.path.isfile(path):
        return {}
    with open(path, "rb") as fh:
        return config.parse_toml(path, fh.read())


def _ini(path: str) -> Any:
    import configparser

    parser = configparser.RawConfigParser()
    if os.path.isfile(path):
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError) as exc:
            first = str(exc).splitlines()[0]
            raise UsageError(f"{os.path.basename(path)}: cannot be read as INI: {first}") from None
    return parser


def _get(table: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if not isinstance(table, dict):
            return None
        table = table.get(key)  # type: ignore[assignment]
    return table


# --------------------------------------------------------------------------- each fact


def trunk(facts: Facts, directory: str, given: object) -> None:
    if given is not None:
        facts.add("", "trunk", given, "--trunk")
        return
    found = git.default_branch(cwd=directory)
    if found is None:
        facts.notes.append("trunk: no origin/HEAD and no main or master branch; kept main")
        return
    facts.add("", "trunk", found[0], found[1])


def tags(facts: Facts, directory: str, prefix: object, scheme: object) -> None:
    names = git.tags(cwd=directory)
    found = versions.detect_scheme_and_prefix(names, config.project_name(directory))
    if found is not None:
        matching = [
            n
            for n in names
            if n.startswith(found[1]) and versions.is_valid(n[len(found[1]) :], found[0])
        ]
        example = matching[0] if matching else names[0]
        some = f"{len(matching)} of " if len(matching) < len(names) else ""
        source = f"{some}the repository's {len(names)} tags (e.g. {example})"
    if scheme is not None:
        facts.add("", "version-scheme", scheme, "--version-scheme")
    elif found is not None:
        facts.add("", "version-scheme", found[0], source)
    if prefix is not None:
        facts.add("", "tag-prefix", prefix, "--tag-prefix")
    elif found is not None:
        facts.add("", "tag-prefix", found[1], source)


def _module_file(directory: str, dotted: str) -> str | None:
    """The file of `pkg.mod` (an attr's module), under the root or src/."""
    parts = dotted.split(".")
    for base in ("", "src"):
        for candidate in (
            os.path.join(base, *parts) + ".py",
            os.path.join(base, *parts, "__init__.py"),
        ):
            if os.path.isfile(os.path.join(directory, candidate)):
                return candidate.replace(os.sep, "/")
    return None


def version_file(facts: Facts, directory: str, pyproject: dict[str, Any]) -> None:
    project = _get(pyproject, "project") or {}
    if "version" in project:
        return  # the default: pyproject.toml
    dynamic = "version" in (project.get("dynamic") or [])
    tool = _get(pyproject, "tool") or {}
    attr = _get(tool, "setuptools", "dynamic", "version", "attr")
    hatch = _get(tool, "hatch", "version") or {}
    if isinstance(attr, str):
        module = attr.rsplit(".", 1)[0]
        path = _module_file(directory, module)
        if path:
            facts.add(
                "release", "version-file", path, f"[tool.setuptools.dynamic] version = {attr}"
            )
            return
    if isinstance(hatch, dict) and isinstance(hatch.get("path"), str):
        facts.add("release", "version-file", hatch["path"], "[tool.hatch.version] path")
        return
    scm = (
        "setuptools_scm" in tool
        or "setuptools-scm" in tool
        or hatch.get("source") == "vcs"
        or _get(tool, "pdm", "version", "source") == "scm"
    )
    backend = str(_get(pyproject, "build-system", "build-backend") or "")
    if dynamic and backend.startswith("flit"):  # flit reads __version__ from the module
        name = _get(tool, "flit", "module", "name") or str(project.get("name", ""))
        path = _module_file(directory, name.replace("-", "_"))
        if path:
            facts.add("release", "version-file", path, "flit reads the version from the module")
            return
    if scm:
        facts.add("release", "version-file", "", "the version comes from the tags (a VCS plugin)")
    elif dynamic or (project == {} and os.path.isfile(os.path.join(directory, "setup.cfg"))):
        cfg = _ini(os.path.join(directory, "setup.cfg"))
        value = cfg.get("metadata", "version", fallback="")
        if value.startswith("attr:"):
            path = _module_file(directory, value[5:].strip().rsplit(".", 1)[0])
            if path:
                facts.add(
                    "release", "version-file", path, f"setup.cfg [metadata] version = {value}"
                )
                return
        facts.add("release", "version-file", "", "no [project] version in pyproject.toml")


def changelog(facts: Facts, directory: str, given: object) -> None:
    from trunkgate import changelog_rules
    from trunkgate import keepachangelog as kac

    names = [str(given)] if given is not None else list(CHANGELOG_NAMES)
    for name in names:
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            continue
        facts.changelog, facts.changelog_exists = name, True
        facts.add(
            "",
            "changelog-file",
            name,
            "--changelog-file" if given is not None else f"{name} exists",
        )
        text = _read(path) or ""
        other = changelog_rules.convention(text, kac.parse(text))
        if other is not None:
            facts.changelog_other = other
            facts.add("run", "skip", ["changelog", "changelog-updated"], f"{name}: {other}")
        return
    if given is not None:
        facts.changelog = str(given)
        facts.add("", "changelog-file", given, "--changelog-file")


def _coverage_sources(directory: str, pyproject: dict[str, Any]) -> list[tuple[str, Any]]:
    """(name, report section) in coverage's own order of configuration files."""
    out: list[tuple[str, Any]] = []
    rc = _ini(os.path.join(directory, ".coveragerc"))
    if rc.has_section("report") or rc.has_section("run"):
        out.append((".coveragerc [report]", dict(rc["report"]) if rc.has_section("report") else {}))
    for name in ("setup.cfg", "tox.ini"):
        cfg = _ini(os.path.join(directory, name))
        if cfg.has_section("coverage:report") or cfg.has_section("coverage:run"):
            section = dict(cfg["coverage:report"]) if cfg.has_section("coverage:report") else {}
            out.append((f"{name} [coverage:report]", section))
    cov = _get(pyproject, "tool", "coverage")
    if isinstance(cov, dict):
        out.append(("pyproject.toml [tool.coverage.report]", cov.get("report") or {}))
    return out


def coverage(facts: Facts, directory: str, pyproject: dict[str, Any], given: object) -> None:
    if given is not None:
        facts.add("coverage", "fail-under", float(str(given)), "--fail-under")
        return
    sources = _coverage_sources(directory, pyproject)
    if not sources:
        return
    name, section = sources[0]  # coverage reads the first file that configures it
    value = section.get("fail_under")
    if value is None:
        return
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{name} fail_under: expected a number, got {value!r}") from None
    facts.add("coverage", "fail-under", number, f"{name} fail_under")


def _pytest_addopts(directory: str, pyproject: dict[str, Any]) -> tuple[str, str] | None:
    """(where, addopts) of pytest's configuration, in pytest's own order, or None."""
    ini = _ini(os.path.join(directory, "pytest.ini"))
    if ini.has_section("pytest"):
        return "pytest.ini", ini.get("pytest", "addopts", fallback="")
    options = _get(pyproject, "tool", "pytest", "ini_options")
    if isinstance(options, dict):
        value = options.get("addopts", "")
        return "pyproject.toml", " ".join(value) if isinstance(value, list) else str(value)
    for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        cfg = _ini(os.path.join(directory, name))
        if cfg.has_section(section):
            return name, cfg.get(section, "addopts", fallback="")
    return None


def test_command(facts: Facts, directory: str, pyproject: dict[str, Any], given: object) -> None:
    if given is not None:
        facts.add("coverage", "test-command", given, "--test-command")
        return
    pytest = _pytest_addopts(directory, pyproject)
    if pytest is not None and "--cov" in pytest[1]:
        facts.add(
            "coverage",
            "test-command",
            "pytest",
            f"pytest's addopts in {pytest[0]} measure coverage",
        )
        return
    texts = [
        _read(os.path.join(directory, name)) or ""
        for name in os.listdir(directory)
        if name in ("pyproject.toml", "setup.cfg", "setup.py", "tox.ini", "noxfile.py")
        or (name.startswith("requirements") and name.endswith((".txt", ".in")))
    ]
    if any("pytest-cov" in text or "pytest_cov" in text for text in texts):
        return  # the default, pytest --cov, works
    configured = pytest is not None or _coverage_sources(directory, pyproject)
    if configured or os.path.isdir(os.path.join(directory, "tests")):
        facts.add(
            "coverage",
            "test-command",
            "coverage run -m pytest",
            "pytest-cov is not a dependency of the project",
        )


def _exact(spec: str) -> str | None:
    text = spec.strip().removeprefix("==").strip()
    return text if text and all(p.isdigit() for p in text.split(".")) else None


def ruff(facts: Facts, directory: str, pyproject: dict[str, Any], hooks_text: str | None) -> None:
    for name, table in (
        ("ruff.toml", _toml(os.path.join(directory, "ruff.toml"))),
        (".ruff.toml", _toml(os.path.join(directory, ".ruff.toml"))),
        ("pyproject.toml [tool.ruff]", _get(pyproject, "tool", "ruff") or {}),
    ):
        spec = table.get("required-version") if isinstance(table, dict) else None
        if isinstance(spec, str):
            version = _exact(spec)
            if version:
                facts.ruff = (version, f"required-version in {name}")
                return
            facts.notes.append(f"ruff: required-version {spec!r} in {name} is not one version")
            break
    if hooks_text:
        from trunkgate import precommit_config

        rev = precommit_config.repo_rev(hooks_text, "ruff-pre-commit")
        if rev and _exact(rev.removeprefix("v")):
            facts.ruff = (rev.removeprefix("v"), f"ruff-pre-commit's rev {rev}")


def read(directory: str, given: dict[str, object]) -> Facts:
    """Every fact of the repository at `directory`; `given` are the flags (None: not given)."""
    facts = Facts()
    pyproject = _toml(os.path.join(directory, "pyproject.toml"))
    hooks_text = _read(os.path.join(directory, ".pre-commit-config.yaml"))
    trunk(facts, directory, given.get("trunk"))
    tags(facts, directory, given.get("tag-prefix"), given.get("version-scheme"))
    changelog(facts, directory, given.get("changelog-file"))
    version_file(facts, directory, pyproject)
    coverage(facts, directory, pyproject, given.get("fail-under"))
    test_command(facts, directory, pyproject, given.get("test-command"))
    ruff(facts, directory, pyproject, hooks_text)
    return facts
