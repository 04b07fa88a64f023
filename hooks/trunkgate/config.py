"""The policy: `[tool.trunkgate]` in pyproject.toml, or `.trunkgate.toml`, or the defaults.

Precedence, for the gate that runs: a command-line flag, over the gate's own table
(`[tool.trunkgate.<gate>]`), over the shared keys at the top of `[tool.trunkgate]`, over
the built-in defaults. Every key is declared once in `SCHEMA` below, with its type, default
and help; the same declaration validates the file, derives the command-line flags of each
gate and documents the key (`trunkgate <gate> --help`).

Command-line parsing lives here too, because every policy key is also a flag. Parsing is a
small hand-written pass for speed (a hook runs on every commit); anything it does not
understand, `--help` included, goes to argparse built from the same declarations.
"""

from __future__ import annotations

import os

from trunkgate.render import FORMATS, RUN_FORMATS
from trunkgate.report import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

# Kinds of value. A key is (kind, default, help) or (CHOICE, default, help, choices).
STR, INT, NUMBER, BOOL, LIST, REGEX, DATE, CHOICE = (
    "str",
    "int",
    "number",
    "bool",
    "list",
    "regex",
    "date",
    "choice",
)
# A list of tables, each with exactly the fields of spec[3] ({field: kind}), all required:
# (TABLES, [], help, {"id": STR, "until": DATE}). On the command line: a TOML array of tables.
TABLES = "tables"

VERSION_SCHEMES = ("semver", "calver", "pep440")

SHARED: dict[str, tuple] = {
    "trunk": (STR, "main", "the trunk branch that every change merges into"),
    "version-scheme": (
        CHOICE,
        "semver",
        "how versions are written: semver X.Y.Z, calver YYYY.MM[.DD][.N], pep440",
        VERSION_SCHEMES,
    ),
    "changelog-file": (STR, "CHANGELOG.md", "the changelog, relative to the project root"),
    "tag-prefix": (STR, "v", "what release tags put before the version (v1.2.3)"),
}

BRANCH_PREFIXES = [
    "feature/",
    "fix/",
    "hotfix/",
    "release/",
    "chore/",
    "docs/",
    "refactor/",
    "test/",
    "ci/",
    "perf/",
    "build/",
]
COMMIT_TYPES = [
    "feat",
    "fix",
    "docs",
    "style",
    "refactor",
    "perf",
    "test",
    "build",
    "ci",
    "chore",
    "revert",
]

GATES: dict[str, dict[str, tuple]] = {
    "branch": {
        "prefixes": (LIST, BRANCH_PREFIXES, "allowed branch prefixes; the trunk is always allowed"),
        "pattern": (
            REGEX,
            "",
            "a regular expression a branch name must match in full; replaces the prefixes rule",
        ),
        "exempt": (
            LIST,
            ["dependabot/*", "renovate/*", "pre-commit-ci-update-config"],
            "branch names (shell-style patterns) that are never checked",
        ),
        "start-after": (
            DATE,
            None,
            "grandfather branches whose first own commit is older than this date (YYYY-MM-DD)",
        ),
        "allow-trunk-commits": (BOOL, False, "allow committing straight onto the trunk"),
        "max-age-days": (
            INT,
            0,
            "fail a branch whose first own commit is older than this many days (0: off)",
        ),
        "max-behind": (
            INT,
            0,
            "fail a branch that is more than this many commits behind the trunk (0: off)",
        ),
        "versioned-prefixes": (
            LIST,
            ["release/", "hotfix/"],
            "prefixes whose names may carry a version (release/1.4.0), checked in the scheme",
        ),
    },
    "commits": {
        "types": (LIST, COMMIT_TYPES, "allowed Conventional Commits types"),
        "scopes": (LIST, [], "allowed scopes (empty: any scope)"),
        "require-scope": (BOOL, False, "every commit must name a scope"),
        "max-subject-length": (INT, 72, "longest allowed header line, in characters (0: off)"),
        "strict": (BOOL, False, "refuse merge, revert and fixup!/squash!/amend! commits"),
    },
    "changelog": {
        "extra-groups": (LIST, [], "change groups allowed besides the six of Keep a Changelog"),
        "mode": (
            CHOICE,
            "require",
            "require: a change to code needs an Unreleased entry; remind: only warn",
            ("require", "remind"),
        ),
        "code": (
            LIST,
            ["*.py", "*.pyi", "pyproject.toml", "setup.cfg", "setup.py", "requirements*.txt"],
            "files (shell-style patterns, matched against the whole path) that count as code",
        ),
        "exempt-types": (
            LIST,
            ["docs", "ci", "test", "style", "chore"],
            "commit types that need no changelog entry",
        ),
        "skip-label": (STR, "skip-changelog", "pull-request label that lets a change through"),
    },
    "run": {
        "gates": (
            LIST,
            [
                "branch",
                "commits",
                "changelog",
                "changelog-updated",
                "lint",
                "security",
                "audit",
                "coverage",
                "version",
            ],
            "the gates `trunkgate run` runs",
        ),
        "skip": (LIST, [], "gates `trunkgate run` leaves out"),
    },
    # The tool gates: each owner extends its own table.
    "lint": {
        # Not "format": that would collide with the --format (output format) flag.
        "check-format": (BOOL, True, "also check formatting with `ruff format --check`"),
    },
    "security": {
        "severity": (
            CHOICE,
            "high",
            "findings of this severity or above fail the gate",
            ("low", "medium", "high"),
        ),
        "warn-severity": (
            CHOICE,
            "medium",
            "findings of this severity or above (below `severity`) are reported as warnings",
            ("low", "medium", "high"),
        ),
        "confidence": (
            CHOICE,
            "low",
            "findings of lower confidence than this are ignored",
            ("low", "medium", "high"),
        ),
        "exclude": (
            LIST,
            [],
            "paths not scanned (shell-style patterns matched against the whole path, or folders)",
        ),
        "baseline": (
            STR,
            ".trunkgate/bandit-baseline.json",
            "accepted findings (write it with --update-baseline); only new findings count",
        ),
    },
    "audit": {
        "osv-url": (STR, "", "the OSV query endpoint (default: pip-audit's, api.osv.dev)"),
        "requirements": (
            LIST,
            [],
            "requirements files to audit, relative to the project root (default: "
            "requirements*.txt in the root, else pyproject's [project] dependencies, "
            "else the installed environment)",
        ),
        "ignore": (
            TABLES,
            [],
            "advisories accepted for now, each {id, reason, until}; id may be an alias "
            "(a CVE id); an entry past its until date fails the gate",
            {"id": STR, "reason": STR, "until": DATE},
        ),
        "cache-dir": (
            STR,
            "",
            "pip-audit's HTTP cache folder (default: pip-audit/ in trunkgate's user cache folder)",
        ),
    },
    "coverage": {
        "fail-under": (NUMBER, 90, "minimum total coverage, in percent"),
        "diff-fail-under": (NUMBER, 90, "minimum coverage of the lines a change adds, in percent"),
        "diff-min-lines": (
            INT,
            5,
            "a change with fewer coverable lines is reported but not gated",
        ),
        "file-fail-under": (NUMBER, 0, "minimum coverage of each measured file, percent (0: off)"),
        "data": (
            STR,
            "",
            "coverage data (.coverage) or report (coverage.xml, coverage.json) to read; "
            "default: the newest of the three in the project root",
        ),
        "test-command": (STR, "pytest --cov", "the command --run-tests runs to measure afresh"),
    },
    # `trunkgate release next|notes|cut` and the `version` gate.
    "release": {
        "zero-major-breaking": (
            CHOICE,
            "minor",
            "what a breaking change bumps while the major version is 0",
            ("minor", "major"),
        ),
        "initial-version": (STR, "0.1.0", "the first release's version, when no tag exists yet"),
        "version-file": (
            STR,
            "pyproject.toml",
            "the file holding the version: pyproject.toml ([project] version), a .py file "
            '(__version__ = "X") or a text file holding only the version; empty: none',
        ),
        "reference-files": (
            LIST,
            [],
            "files (shell-style patterns) whose <repository>/...@<tag> references to this "
            "repository `release cut` rewrites to the new tag",
        ),
        "repository": (
            STR,
            "",
            "this repository as owner/name (default: GITHUB_REPOSITORY, else the origin remote)",
        ),
    },
}


_KEY_WORDS = {
    STR: "a string",
    INT: "a whole number >= 0",
    NUMBER: "a number from 0 to 100",
    BOOL: "true or false",
    LIST: "a list of strings",
    REGEX: "a regular expression",
    DATE: "a date YYYY-MM-DD",
    TABLES: "a list of tables",
}


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _show(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value)


def _clean(spec: tuple, value: object, where: str) -> object:
    """Check one value against its declaration; return it in its working form."""
    kind = spec[0]

    def bad(expected: str | None = None) -> UsageError:
        return UsageError(f"{where}: expected {expected or _KEY_WORDS[kind]}, got {_show(value)}")

    if kind in (STR, REGEX, CHOICE) and not isinstance(value, str):
        raise bad()
    if kind == INT:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise bad()
    elif kind == NUMBER:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
            raise bad()
        return float(value)
    elif kind == BOOL:
        if not isinstance(value, bool):
            raise bad()
    elif kind == LIST:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad()
        return list(value)
    elif kind == REGEX and value:
        import re

        try:
            re.compile(value)  # type: ignore[call-overload]
        except re.error as exc:
            raise bad(f"a valid regular expression ({exc})") from None
    elif kind == CHOICE and value not in spec[3]:
        raise bad("one of " + ", ".join(spec[3]))
    elif kind == DATE:
        import datetime

        if isinstance(value, datetime.datetime) or not isinstance(value, (str, datetime.date)):
            raise bad()
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                raise bad() from None
    elif kind == TABLES:
        return _clean_tables(spec[3], value, where)
    return value


def _clean_tables(fields: dict[str, str], value: object, where: str) -> list[dict[str, object]]:
    """A list of tables with exactly these fields, each cleaned; errors name the entry index."""
    wanted = ", ".join(fields)
    if not isinstance(value, list):
        raise UsageError(f"{where}: expected a list of tables with {wanted}, got {_show(value)}")
    out = []
    for index, entry in enumerate(value):
        at = f"{where}[{index}]"
        if not isinstance(entry, dict):
            raise UsageError(f"{at}: expected a table with {wanted}, got {_show(entry)}")
        for name in entry:
            if name not in fields:
                hint = _did_you_mean(name, list(fields))
                raise UsageError(f"{at}: unknown field {_show(name)}{hint}; expected {wanted}")
        missing = [name for name in fields if name not in entry]
        if missing:
            raise UsageError(f"{at}: missing field {_show(missing[0])}; expected {wanted}")
        clean: dict[str, object] = {}
        for name, kind in fields.items():
            item = _clean((kind,), entry[name], f"{at} {name}")
            if kind == STR and not str(item).strip():
                raise UsageError(f"{at} {name}: expected a non-empty string, got {_show(item)}")
            clean[name] = item
        out.append(clean)
    return out


def _from_text(spec: tuple, text: str, where: str) -> object:
    """A flag's text, turned into the value its key takes, then cleaned."""
    kind = spec[0]
    value: object = text
    if kind == INT:
        value = int(text) if text.isdigit() else text
    elif kind == NUMBER:
        try:
            value = float(text)
        except ValueError:
            value = text
    elif kind == LIST:
        value = [part.strip() for part in text.split(",") if part.strip()]
    elif kind == TABLES:
        value = _toml_tables(spec[3], text.strip(), where)
    return _clean(spec, value, where)


def _toml_tables(fields: dict[str, str], text: str, where: str) -> object:
    """A flag's text read as a TOML array of tables (`[{id = "X", ...}]`, or one table)."""
    if text.startswith("{"):
        text = f"[{text}]"
    try:
        return _parse_toml(where, f"value = {text}".encode())["value"]
    except UsageError:
        shape = ", ".join(
            f"{k} = {'YYYY-MM-DD' if v == DATE else '...'}" for k, v in fields.items()
        )
        raise UsageError(
            f"{where}: expected a TOML array of tables like [{{{shape}}}], got {_show(text)}"
        ) from None


def keys_for(table: str) -> dict[str, tuple]:
    """Every key a gate's table may hold: its own and the shared ones."""
    return {**GATES.get(table, {}), **SHARED}


def _validate(raw: dict, source: str, prefix: str) -> dict[str, dict[str, object]]:
    """Validate a whole [tool.trunkgate] table; return {"": shared, gate: {...}}."""
    out: dict[str, dict[str, object]] = {"": {}}
    for key, value in raw.items():
        if key in GATES:
            if not isinstance(value, dict):
                raise UsageError(f"{source}: [{prefix}{key}] must be a table, got {_show(value)}")
            allowed = keys_for(key)
            section: dict[str, object] = {}
            for sub, subvalue in value.items():
                where = f"{source}: [{prefix}{key}] {sub}"
                if sub not in allowed:
                    hint = _did_you_mean(sub, list(allowed))
                    raise UsageError(f"{source}: [{prefix}{key}] unknown key {_show(sub)}{hint}")
                section[sub] = _clean(allowed[sub], subvalue, where)
            out[key] = section
        elif key in SHARED:
            top = prefix.rstrip(".") or "top level"
            out[""][key] = _clean(SHARED[key], value, f"{source}: [{top}] {key}")
        else:
            known = list(SHARED) + list(GATES)
            hint = _did_you_mean(key, known)
            top = f"[{prefix.rstrip('.')}]" if prefix else "top level"
            raise UsageError(f"{source}: {top} unknown key {_show(key)}{hint}")
    return out


def _parse_toml(path: str, data: bytes) -> dict:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None


# The parsed table of a policy file is cached, keyed by the file's path, size and times, so
# that a hook on every commit does not pay for the TOML parser (it costs more than the gate).
_CACHE_VERSION = 2


def _freeze(value: object) -> object:
    """TOML values as marshal holds them: dates and times become tagged tuples."""
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_freeze(v) for v in value]
    if isinstance(value, (str, int, float, bool)):
        return value
    return ("\0" + type(value).__name__, value.isoformat())  # type: ignore[attr-defined]


def _thaw(value: object) -> object:
    if isinstance(value, dict):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_thaw(v) for v in value]
    if isinstance(value, tuple):  # TOML has no tuples: a date, datetime or time
        import datetime

        return getattr(datetime, value[0][1:]).fromisoformat(value[1])
    return value


def _cache_file(path: str) -> str | None:
    if os.environ.get("TRUNKGATE_NO_CACHE"):
        return None
    base = os.environ.get("TRUNKGATE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "trunkgate"
    )
    import zlib

    key = zlib.crc32(path.encode("utf-8", "surrogateescape"))
    return os.path.join(base, f"policy-{key:08x}.marshal")


def _display(path: str) -> str:
    """A path as the user would name it: relative to the current folder when below it."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _stamp(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _load_table(path: str, extract) -> dict | None:  # extract: (path, bytes) -> dict | None
    """`extract(path, data)` of a policy file, through the cache when it is fresh."""
    import marshal

    path = os.path.abspath(path)
    try:
        stamp = _stamp(os.stat(path))
    except OSError:
        return None
    cache = _cache_file(path)
    if cache:
        try:
            # Our own cache of plain values (dicts, lists, strings, numbers) in the user's own
            # cache folder; marshal executes nothing, and anything unexpected is ignored.
            with open(cache, "rb") as fh:
                version, cached_path, cached_stamp, dated, table = marshal.load(fh)  # noqa: S302  # nosec B302
            if (version, cached_path, cached_stamp) == (_CACHE_VERSION, path, stamp) and (
                table is None or isinstance(table, dict)
            ):
                return _thaw(table) if dated else table  # type: ignore[return-value]
        except (OSError, ValueError, EOFError, TypeError, AttributeError, IndexError):
            pass
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise UsageError(f"{_display(path)}: cannot read the file ({exc.strerror})") from None
    table = extract(_display(path), data)
    if cache:
        try:
            try:
                blob = marshal.dumps((_CACHE_VERSION, path, stamp, False, table))
            except ValueError:  # TOML dates or times
                blob = marshal.dumps((_CACHE_VERSION, path, stamp, True, _freeze(table)))
            os.makedirs(os.path.dirname(cache), exist_ok=True)
            tmp = f"{cache}.{os.getpid()}.tmp"
            with open(tmp, "wb") as fh:
                fh.write(blob)
            os.replace(tmp, cache)
        except (OSError, ValueError):
            pass  # no writable cache: no cache
    return table  # type: ignore[no-any-return]


def _pyproject_table(path: str, data: bytes) -> dict | None:
    if b"trunkgate" not in data:
        return None  # no table: skip the TOML parser entirely
    tool = _parse_toml(path, data).get("tool")
    table = tool.get("trunkgate") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.trunkgate] must be a table, got {_show(table)}")
    return table


def _table_of_pyproject(path: str) -> dict | None:
    """The [tool.trunkgate] table of a pyproject.toml, or None when it has none."""
    return _load_table(path, _pyproject_table)


def _read_toml(path: str) -> dict:
    return _load_table(path, _parse_toml) or {}


def find_config(start: str | None = None) -> tuple[str | None, dict, str]:
    """(file, raw table, project root) for the nearest policy, walking up to the repo root.

    In each folder a pyproject.toml with a [tool.trunkgate] table wins over a .trunkgate.toml;
    the nearest folder wins. The search stops at the folder that holds `.git`.
    """
    here = os.path.abspath(start or os.getcwd())
    first = here
    while True:
        pyproject = os.path.join(here, "pyproject.toml")
        table = _table_of_pyproject(pyproject)
        if table is not None:
            return pyproject, table, here
        dotfile = os.path.join(here, ".trunkgate.toml")
        if os.path.isfile(dotfile):
            return dotfile, _read_toml(dotfile), here
        parent = os.path.dirname(here)
        if os.path.exists(os.path.join(here, ".git")) or parent == here:
            return None, {}, here if os.path.exists(os.path.join(here, ".git")) else first
        here = parent


def load_file(path: str) -> tuple[dict, str]:
    """The raw table of an explicitly named policy file, and its project root."""
    if not os.path.isfile(path):
        raise UsageError(f"{path}: no such file (from --config)")
    root = os.path.dirname(os.path.abspath(path))
    if os.path.basename(path) == "pyproject.toml":
        table = _table_of_pyproject(path)
        return (table or {}), root
    return _read_toml(path), root


class Policy:
    """The resolved settings of one gate; `policy.max_age_days` reads key `max-age-days`."""

    def __init__(self, table: str, values: dict[str, object], source: str | None, root: str):
        self._table = table
        self._values = values
        self.source = source
        self.root = root

    def __getattr__(self, name: str) -> object:
        try:
            return self._values[name.replace("_", "-")]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, key: str) -> object:
        return self._values[key]

    def items(self) -> list[tuple[str, object]]:
        return list(self._values.items())

    def path(self, relative: str) -> str:
        """A path from the policy, made absolute against the project root."""
        return os.path.join(self.root, relative)


def resolve(
    table: str,
    overrides: dict[str, object] | None = None,
    config: str | None = None,
    start: str | None = None,
) -> Policy:
    """The policy for one gate table: defaults < shared keys < gate table < overrides."""
    if config:
        raw, root = load_file(config)
        source: str | None = config
    else:
        source, raw, root = find_config(start)
    label = source or "defaults"
    if source and os.path.basename(source) == "pyproject.toml":
        sections = _validate(raw, os.path.relpath(source), "tool.trunkgate.")
    else:
        sections = _validate(raw, os.path.relpath(source) if source else label, "")
    values = {key: spec[1] for key, spec in keys_for(table).items()}
    values.update(sections[""])
    values.update(sections.get(table, {}))
    values.update(overrides or {})
    return Policy(table, values, source, root)


# --------------------------------------------------------------------------- command line


class Arg:
    """A command-line argument of a gate (policy keys become Args automatically)."""

    __slots__ = ("choices", "default", "dest", "flag", "help", "kind", "metavar")

    def __init__(
        self,
        flag: str,
        help: str,
        *,
        kind: str = "value",
        dest: str | None = None,
        metavar: str | None = None,
        default: object = None,
        choices: Sequence[str] | None = None,
    ) -> None:
        # kind: "value" (--x V), "flag" (--x), "bool" (--x/--no-x), "pos?" / "pos*" / "pos"
        self.flag = flag
        self.help = help
        self.kind = kind
        self.dest = dest or flag.lstrip("-").replace("-", "_")
        self.metavar = metavar
        self.default = [] if kind == "pos*" and default is None else default
        self.choices = choices


class Options:
    """Parsed command-line options (attribute access), plus the policy overrides."""

    def __init__(self, values: dict[str, object], overrides: dict[str, object]) -> None:
        self.__dict__.update(values)
        self.overrides = overrides


COMMON = (
    Arg("--config", "policy file to read (default: nearest pyproject.toml)", metavar="PATH"),
    Arg("--format", "output format", default="text", choices=FORMATS),
)
RUN_COMMON = (COMMON[0], Arg("--format", "output format", default="text", choices=RUN_FORMATS))


def defaults(args: Sequence[Arg]) -> dict[str, object]:
    """The values of arguments that were not given: False for a flag, None for --x/--no-x."""
    values: dict[str, object] = {}
    for arg in args:
        if arg.kind == "flag":
            values[arg.dest] = False
        elif arg.kind == "bool":
            values[arg.dest] = None
        else:
            values[arg.dest] = arg.default
    return values


def _policy_args(table: str) -> list[Arg]:
    args = []
    for key, spec in keys_for(table).items():
        kind = "bool" if spec[0] == BOOL else "value"
        words = _KEY_WORDS.get(spec[0], "one of " + ", ".join(spec[3]) if spec[0] == CHOICE else "")
        default = spec[1]
        shown = ",".join(default) if isinstance(default, list) else default
        help_text = f"{spec[2]} ({words}; policy key {key}, default: {shown})"
        args.append(Arg(f"--{key}", help_text, kind=kind, dest=f"policy:{key}", metavar="VALUE"))
    return args


def _argparse(prog: str, description: str, example: str, args: Sequence[Arg]):
    import argparse

    parser = argparse.ArgumentParser(
        prog=prog,
        description=description,
        epilog=f"example:\n  {example}\n\nexit codes: 0 passed, 1 failed, 2 usage or input error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for arg in args:
        if arg.kind.startswith("pos"):
            nargs = {"pos?": "?", "pos*": "*", "pos": None}[arg.kind]
            parser.add_argument(
                arg.dest, nargs=nargs, help=arg.help, metavar=arg.metavar, default=arg.default
            )
        elif arg.kind == "flag":
            parser.add_argument(arg.flag, dest=arg.dest, action="store_true", help=arg.help)
        elif arg.kind == "bool":
            parser.add_argument(
                arg.flag,
                dest=arg.dest,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=arg.help,
            )
        else:
            parser.add_argument(
                arg.flag,
                dest=arg.dest,
                metavar=arg.metavar,
                default=arg.default,
                choices=arg.choices,
                help=arg.help,
            )
    return parser


def _fast_parse(argv: Sequence[str], args: Sequence[Arg]) -> dict[str, object] | None:
    """Parse the plain cases without argparse; None when argparse should decide."""
    flags: dict[str, Arg] = {}
    for arg in args:
        if not arg.kind.startswith("pos"):
            flags[arg.flag] = arg
            if arg.kind == "bool":
                flags["--no-" + arg.flag[2:]] = arg
    values = defaults(args)
    positionals: list[str] = []
    i = 0
    while i < len(argv):
        item = argv[i]
        if item == "--":
            positionals.extend(argv[i + 1 :])
            break
        if item.startswith("--"):
            name, eq, text = item.partition("=")
            arg = flags.get(name)
            if arg is None:
                return None
            if arg.kind in ("flag", "bool"):
                if eq:
                    return None
                values[arg.dest] = name == arg.flag
            else:
                if not eq:
                    i += 1
                    if i >= len(argv):
                        return None
                    text = argv[i]
                if arg.choices is not None and text not in arg.choices:
                    return None
                values[arg.dest] = text
        elif item.startswith("-") and item != "-":
            return None
        else:
            positionals.append(item)
        i += 1
    for arg in args:
        if arg.kind == "pos":
            if not positionals:
                return None
            values[arg.dest] = positionals.pop(0)
        elif arg.kind == "pos?":
            values[arg.dest] = positionals.pop(0) if positionals else arg.default
        elif arg.kind == "pos*":
            values[arg.dest], positionals = list(positionals), []
    return None if positionals else values


def parse_args(
    prog: str,
    table: str,
    argv: Sequence[str] | None,
    args: Sequence[Arg],
    description: str,
    example: str,
    *,
    run: bool = False,
) -> tuple[Options, Policy]:
    """Parse a command's arguments and resolve its policy table (flags win over the file)."""
    every = [*args, *(RUN_COMMON if run else COMMON), *_policy_args(table)]
    argv = list(argv or ())
    values = _fast_parse(argv, every)
    if values is None:
        namespace = _argparse(prog, description, example, every).parse_args(argv)
        values = vars(namespace)
    overrides: dict[str, object] = {}
    plain: dict[str, object] = {}
    specs = keys_for(table)
    for dest, value in values.items():
        if dest.startswith("policy:"):
            if value is not None:
                key = dest[len("policy:") :]
                if isinstance(value, bool):
                    overrides[key] = _clean(specs[key], value, f"--{key}")
                else:
                    overrides[key] = _from_text(specs[key], str(value), f"--{key}")
        else:
            plain[dest] = value
    options = Options(plain, overrides)
    policy = resolve(table, overrides, config=plain.get("config"))  # type: ignore[arg-type]
    return options, policy
