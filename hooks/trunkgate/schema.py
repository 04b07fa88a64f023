"""The policy's schema: every key of `[tool.trunkgate]`, declared once, and its validation.

A key is (kind, default, help) or (CHOICE, default, help, choices). The same declaration
validates the policy file (`validate`), turns a flag's text into a value (`trunkgate.flags`)
and documents the key (`trunkgate <gate> --help`, the README's policy reference).
Most of its length is the declarations themselves (one entry a key): the one place they are
written.
"""

from __future__ import annotations

from trunkgate.report import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, TypeAlias

    # (kind, default, help) or (kind, default, help, choices or fields), read by position.
    Spec: TypeAlias = tuple[Any, ...]

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

SHARED: dict[str, Spec] = {
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

GATES: dict[str, dict[str, Spec]] = {
    "branch": {
        "prefixes": (LIST, BRANCH_PREFIXES, "allowed branch prefixes; the trunk is always allowed"),
        "pattern": (
            REGEX,
            "",
            "a regular expression a branch name must match in full; replaces the prefixes rule",
        ),
        "exempt": (
            LIST,
            ["dependabot/*", "renovate/*", "pre-commit-ci-update-config", "gh-readonly-queue/*"],
            "branch names (shell-style patterns) that are never checked (gh-readonly-queue/* "
            "is a merge queue's own branch)",
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
        "ignore-pr-number": (
            BOOL,
            True,
            "max-subject-length leaves out a trailing ` (#123)`, the pull request number "
            "GitHub's merge adds",
        ),
        "squash-subject": (
            BOOL,
            True,
            "on a pull request, also check the subject a squash merge writes (title and "
            "` (#N)`) against max-subject-length; off for repositories that do not "
            "squash-merge (only counts with ignore-pr-number = false)",
        ),
        "exempt-authors": (
            LIST,
            ["dependabot[bot]", "renovate[bot]", "pre-commit-ci[bot]", "github-actions[bot]"],
            "commit authors whose commits are not checked: a name, an email or the login of "
            "a GitHub noreply email, any case; * and ? are wildcards, [ and ] match themselves "
            '("*[bot]": every GitHub App)',
        ),
        "exempt-subjects": (
            LIST,
            [],
            "commit subjects that are not checked; * and ? are wildcards, [ and ] match "
            'themselves ("[pre-commit.ci] *", "Bump *")',
        ),
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
        "skip-label": (
            STR,
            "skip-changelog",
            "pull-request label that lets a change through without an entry (released "
            "sections are still checked)",
        ),
        "findings-per-rule": (
            INT,
            10,
            "report at most this many findings of one rule, then a count of the rest (0: all)",
        ),
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
                "tests",
                "coverage",
                "secrets",
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
        "types": (
            LIST,
            ["python", "pyi", "jupyter"],
            "the file types checked, by pre-commit's names: python, pyi, jupyter, markdown; "
            "the hook, --all and CI select the same files",
        ),
        "ruff-version": (
            STR,
            "",
            "the ruff version to run, installed into trunkgate's cache when it is not the "
            "installed one (default: the project's pin, required-version in its ruff "
            "configuration or the ruff-pre-commit rev in .pre-commit-config.yaml, else the "
            "installed ruff)",
        ),
        "baseline": (
            STR,
            ".trunkgate/ruff-baseline.json",
            "accepted findings (write it with --update-baseline); only new findings count",
        ),
        "filter-mode": (
            CHOICE,
            "file",
            "file: every finding in the checked files counts; added: only findings on the "
            "lines the change adds or edits (as reviewdog's filter-mode added)",
            ("file", "added"),
        ),
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
            "paths not scanned (shell-style patterns matched against the whole path, or "
            "folders), besides the project's own bandit targets and excludes ([tool.bandit] "
            "exclude_dirs and targets in pyproject.toml, exclude and targets in .bandit)",
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
            "requirements files to audit, relative to the project root (default: the "
            "lockfile, else requirements*.txt in the root, else pyproject's [project] "
            "dependencies, else the installed environment)",
        ),
        "lockfile": (
            STR,
            "",
            "the lockfile to audit at its locked versions, relative to the project root: "
            "uv.lock, poetry.lock or pylock.toml (default: the first of these in the root)",
        ),
        "severity": (
            CHOICE,
            "high",
            "vulnerabilities of this severity or above (CVSS, from the OSV record) fail the "
            "gate; lower ones are warnings",
            ("low", "medium", "high", "critical"),
        ),
        "unknown-severity": (
            CHOICE,
            "high",
            "what a vulnerability whose advisory gives no severity counts as",
            ("low", "medium", "high", "critical"),
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
        "fail-under": (
            NUMBER,
            90,
            "minimum total coverage, in percent (unset: the project's coverage fail_under, "
            "read as coverage.py reads it from .coveragerc, setup.cfg, tox.ini or "
            "[tool.coverage.report] in pyproject.toml; else 90)",
        ),
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
        "require-data": (
            BOOL,
            False,
            "fail (exit 2) when there is no coverage data; otherwise a local run without data "
            "passes with a warning that says how to make it (in CI data is always required)",
        ),
    },
    "secrets": {
        "plugins": (
            LIST,
            [
                "AWSKeyDetector",
                "ArtifactoryDetector",
                "AzureStorageKeyDetector",
                "BasicAuthDetector",
                "CloudantDetector",
                "DiscordBotTokenDetector",
                "GitHubTokenDetector",
                "GitLabTokenDetector",
                "IbmCloudIamDetector",
                "IbmCosHmacDetector",
                "JwtTokenDetector",
                "MailchimpDetector",
                "NpmDetector",
                "OpenAIDetector",
                "PrivateKeyDetector",
                "PypiTokenDetector",
                "SendGridDetector",
                "SlackDetector",
                "SoftlayerDetector",
                "SquareOAuthDetector",
                "StripeDetector",
                "TelegramBotTokenDetector",
                "TwilioKeyDetector",
            ],
            "detect-secrets plugins to run (class names); the default leaves out the noisy "
            "ones: Base64HighEntropyString, HexHighEntropyString, KeywordDetector and "
            "IPPublicDetector",
        ),
        "scope": (
            CHOICE,
            "added-lines",
            "added-lines: of a change's files, only the lines it adds count (files given, "
            "as pre-commit does, and --all are scanned whole); files: every line of them",
            ("added-lines", "files"),
        ),
        "exclude": (
            LIST,
            [],
            "paths not scanned (shell-style patterns matched against the whole path, or folders)",
        ),
        "baseline": (
            STR,
            ".trunkgate/secrets-baseline.json",
            "accepted secrets, as hashes (write it with --update-baseline); only new ones count",
        ),
    },
    "review": {
        "min-share": (
            NUMBER,
            100,
            "the share of the range's commits, in percent, that must have come through a pull "
            "request approved by someone other than its author",
        ),
        "exempt-authors": (
            LIST,
            ["*[bot]"],
            "authors whose commits need no review: shell patterns, as the commits gate's "
            "exempt-authors (a bracket matches itself), matched against a commit's author "
            "name, email and noreply login and its pull request's author login",
        ),
    },
    # The api gate: the public API at the base and at the head, compared with griffe.
    "api": {
        "packages": (
            LIST,
            [],
            "the packages whose public API is compared (import names); empty: the project's "
            "own, from [project] name in pyproject.toml",
        ),
        "search-paths": (
            LIST,
            ["src", "."],
            "folders, relative to the project root, where the packages are found",
        ),
    },
    # `trunkgate metrics`: DORA's four keys from the history.
    "metrics": {
        "since": (
            STR,
            "90d",
            "the window measured: the last N days (90d) or weeks (13w), or since a date "
            "(YYYY-MM-DD)",
        ),
        "deploy-tags": (
            STR,
            "",
            "tags that mark a deployment (a shell-style pattern such as deploy-*); empty: the "
            "release tags (tag-prefix and a version in the scheme; pre-releases and floating "
            "aliases aside)",
        ),
        "failure-window-days": (
            INT,
            7,
            "a deployment that a patch release, a hotfix or a revert repairs within this many "
            "days counts as failed",
        ),
        "hotfix-prefixes": (
            LIST,
            ["hotfix/"],
            "branch prefixes whose merges are hotfixes (a `hotfix:` subject is one too)",
        ),
        "target-deploys-per-week": (
            INT,
            5,
            "target: at least this many deployments a week (5: daily, on working days)",
        ),
        "target-lead-time-hours": (
            NUMBER,
            2,
            "target: a median lead time for changes under this many hours",
        ),
        "target-failure-rate": (
            NUMBER,
            5,
            "target: a change failure rate under this percentage",
        ),
        "target-restore-minutes": (
            INT,
            30,
            "target: a median time to restore under this many minutes",
        ),
    },
    "tests": {
        "command": (
            STR,
            "pytest",
            "the project's test command, run once in the project root (with pytest, trunkgate "
            "adds --junitxml to read each failing test's file and line)",
        ),
        "junit-xml": (
            STR,
            "",
            "the JUnit XML report the command writes (default: a temporary one, with pytest)",
        ),
        "coverage": (
            CHOICE,
            "auto",
            "run pytest under coverage (coverage run -m pytest) so the coverage gate reads "
            "this run's data: always, never, or auto (when run's gates include coverage)",
            ("auto", "always", "never"),
        ),
    },
    "performance": {
        "baseline": (
            STR,
            "",
            "the base's benchmark results (pytest-benchmark's --benchmark-json, or an asv "
            "results file), relative to the project root",
        ),
        "threshold": (
            NUMBER,
            10,
            "a median must move by more than this many percent (and out of the runs' "
            "interquartile ranges) to count",
        ),
        "command": (
            STR,
            "pytest --benchmark-only -q",
            "runs the head's benchmarks when no HEAD.json is given (with pytest, trunkgate "
            "adds --benchmark-json)",
        ),
        "results": (
            STR,
            "",
            "the results file command writes, when it is not pytest",
        ),
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
        "version-files": (
            TABLES,
            [],
            "more files holding the version, each {path, pattern}: the pattern is the text "
            'around the version, written with {version} (__version__ = "{version}")',
            {"path": STR, "pattern": STR},
        ),
        "paths": (
            LIST,
            [],
            "a package of a monorepo: release only the commits that touch these paths "
            "(relative to the project root; empty: the project's folder when it is a folder "
            "of the repository, else the whole repository)",
        ),
        "non-conventional": (
            CHOICE,
            "fail",
            "commits that are not Conventional Commits: fail (exit 2, the next version cannot "
            "be told), patch (each counts as a fix) or ignore",
            ("fail", "patch", "ignore"),
        ),
    },
}


KEY_WORDS = {
    STR: "a string",
    INT: "a whole number >= 0",
    NUMBER: "a number from 0 to 100",
    BOOL: "true or false",
    LIST: "a list of strings",
    REGEX: "a regular expression",
    DATE: "a date YYYY-MM-DD",
    TABLES: "a list of tables",
}


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def show(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value)


def clean(spec: Spec, value: object, where: str) -> object:
    """Check one value against its declaration; return it in its working form."""
    kind = spec[0]

    def bad(expected: str | None = None) -> UsageError:
        return UsageError(f"{where}: expected {expected or KEY_WORDS[kind]}, got {show(value)}")

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
            re.compile(str(value))
        except re.error as exc:
            raise bad(f"a valid regular expression ({exc})") from None
        risk = backtracking_risk(str(value))
        if risk:
            raise bad(f"a regular expression that cannot backtrack without end ({risk})")
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
        return clean_tables(spec[3], value, where)
    return value


def clean_tables(fields: dict[str, str], value: object, where: str) -> list[dict[str, object]]:
    """A list of tables with exactly these fields, each cleaned; errors name the entry index."""
    wanted = ", ".join(fields)
    if not isinstance(value, list):
        raise UsageError(f"{where}: expected a list of tables with {wanted}, got {show(value)}")
    out = []
    for index, entry in enumerate(value):
        at = f"{where}[{index}]"
        if not isinstance(entry, dict):
            raise UsageError(f"{at}: expected a table with {wanted}, got {show(entry)}")
        for name in entry:
            if name not in fields:
                hint = did_you_mean(name, list(fields))
                raise UsageError(f"{at}: unknown field {show(name)}{hint}; expected {wanted}")
        missing = [name for name in fields if name not in entry]
        if missing:
            raise UsageError(f"{at}: missing field {show(missing[0])}; expected {wanted}")
        cleaned: dict[str, object] = {}
        for name, kind in fields.items():
            item = clean((kind,), entry[name], f"{at} {name}")
            if kind == STR and not str(item).strip():
                raise UsageError(f"{at} {name}: expected a non-empty string, got {show(item)}")
            cleaned[name] = item
        out.append(cleaned)
    return out


def keys_for(table: str) -> dict[str, Spec]:
    """Every key a gate's table may hold: its own and the shared ones."""
    return {**GATES.get(table, {}), **SHARED}


def validate(raw: dict[str, object], source: str, prefix: str) -> dict[str, dict[str, object]]:
    """Validate a whole [tool.trunkgate] table; return {"": shared, gate: {...}}."""
    out: dict[str, dict[str, object]] = {"": {}}
    for key, value in raw.items():
        if key in GATES:
            if not isinstance(value, dict):
                raise UsageError(f"{source}: [{prefix}{key}] must be a table, got {show(value)}")
            allowed = keys_for(key)
            section: dict[str, object] = {}
            for sub, subvalue in value.items():
                where = f"{source}: [{prefix}{key}] {sub}"
                if sub not in allowed:
                    hint = did_you_mean(sub, list(allowed))
                    raise UsageError(f"{source}: [{prefix}{key}] unknown key {show(sub)}{hint}")
                section[sub] = clean(allowed[sub], subvalue, where)
            out[key] = section
        elif key in SHARED:
            top = prefix.rstrip(".") or "top level"
            out[""][key] = clean(SHARED[key], value, f"{source}: [{top}] {key}")
        else:
            known = list(SHARED) + list(GATES)
            hint = did_you_mean(key, known)
            top = f"[{prefix.rstrip('.')}]" if prefix else "top level"
            raise UsageError(f"{source}: {top} unknown key {show(key)}{hint}")
    return out


# A policy's regular expression is matched against names that come from a change (a branch
# from a pull request), so a pattern that can backtrack exponentially would let a change
# stall the gate. It is refused when the policy loads: nested unbounded quantifiers, and
# alternations under a quantifier whose branches can start alike (or match nothing). The
# names themselves are bounded (255 bytes, GitHub's limit for a ref), which keeps what is
# left (a few adjacent quantifiers) polynomial and small. A time limit was the other way:
# `trunkgate run` matches in worker threads, where no signal timer can be set, and a
# process per match would cost every hook.
_ANY = None


def _first(items: list[tuple[object, Any]]) -> set[int] | None:
    """The characters an alternative can start with; None for "any" or "nothing".

    Items are the parser's (op, argument) pairs; the argument's shape depends on the op.
    """
    if not items:
        return None
    op, av = items[0]
    name = str(op)
    if name == "LITERAL":
        return {av}
    if name == "IN":
        chars: set[int] = set()
        for kind, value in av:
            if str(kind) == "LITERAL":
                chars.add(value)
            elif str(kind) == "RANGE":
                low, high = value
                if high - low > 512:
                    return _ANY
                chars.update(range(low, high + 1))
            else:  # NEGATE, CATEGORY: too wide to tell
                return _ANY
        return chars
    if name == "SUBPATTERN":
        return _first(list(av[3]))
    return _ANY


def _delimited(inner: list[tuple[object, Any]], rest: list[tuple[object, Any]]) -> bool:
    """True when what follows a repeat inside a repeat must start with a character the inner
    repeat cannot match (`(?:[a-z]+-)*`): then the text splits one way only."""
    chars = _first(inner)
    if chars is None:
        return False
    for op, av in rest:
        name = str(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            if av[0] == 0:
                continue  # optional: it delimits nothing
            first = _first(list(av[2]))
        elif name in ("LITERAL", "IN", "SUBPATTERN"):
            first = _first([(op, av)])
        else:
            return False
        return first is not None and not first & chars
    return False


def backtracking_risk(pattern: str) -> str | None:
    """Why a pattern could backtrack without end, or None when it cannot."""
    try:
        import re._parser as sre_parse  # type: ignore[import-not-found]  # 3.11+, not in typeshed
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse

    def walk(items: Any, repeated: bool) -> str | None:  # a parsed (sub)pattern
        sequence = list(items)
        for at, (op, av) in enumerate(sequence):
            name = str(op)
            if name in ("MAX_REPEAT", "MIN_REPEAT"):
                sub = av[2]
                many = av[1] > 1
                if many and repeated and not _delimited(list(sub), sequence[at + 1 :]):
                    return "a quantifier inside a quantifier, as in (a+)+"
                found = walk(sub, repeated or many)
            elif name == "BRANCH":
                alternatives = av[1]
                if repeated:
                    firsts = [_first(list(alt)) for alt in alternatives]
                    seen: set[int] = set()
                    for first in firsts:
                        if first is None or seen & first:
                            return "alternatives that can start alike under a quantifier, (a|ab)*"
                        seen |= first
                found = next((r for alt in alternatives if (r := walk(alt, repeated))), None)
            elif name == "SUBPATTERN":
                found = walk(av[3], repeated)
            elif name in ("ASSERT", "ASSERT_NOT"):
                found = walk(av[1], repeated)
            elif name == "GROUPREF_EXISTS":
                found = walk(av[1], repeated) or (walk(av[2], repeated) if av[2] else None)
            else:  # literals, classes, anchors; atomic groups, possessive repeats: no backtracking
                found = None
            if found:
                return found
        return None

    return walk(sre_parse.parse(pattern), False)
