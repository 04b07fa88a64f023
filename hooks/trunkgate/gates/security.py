"""Scan Python files with bandit; fail on findings at or above a severity, warn below it.

Files: the ones given (pre-commit passes the staged ones); in CI, the ones changed since the
pull request's base (or `--base REF`); `--all` scans the whole tree (git's tracked and
not-ignored files), spread over one bandit process per core. The same files are kept
whichever way they came (`tools.selects`), shebang scripts included. The project's bandit
settings apply: `[tool.bandit]` in its pyproject.toml and a `.bandit` file at its root, their
`targets` and excludes (`exclude_dirs`, `exclude`) too, as `bandit -r .` from the root takes
them: a file outside the targets or excluded is not scanned, given or changed. `# nosec`
works as in bandit.

Severity: findings at or above `severity` fail the gate; those at or above `warn-severity`
are warnings; findings below `confidence` are ignored. The baseline (`baseline`, written by
`--update-baseline`) holds the findings a team accepted when it adopted the gate; only new
findings count. A finding's fingerprint is its test id, its path (relative to the project
root) and the code it flags (whitespace-normalised, not its line number), so it survives
lines moving; repeats are counted, so a third copy of a baselined pair is new.
"""

from __future__ import annotations

import os

from trunkgate import flags, report, tools
from trunkgate.baseline import (
    baseline_counts,
    fingerprint,
    make_document,
    read_baseline,
    split_baseline,
)
from trunkgate.baseline import update as update_baseline
from trunkgate.change import Change, Selection, relative
from trunkgate.files import lines_of
from trunkgate.tools import is_excluded

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from typing import Any, TypeAlias

    from trunkgate.baseline import Document, Key
    from trunkgate.policies import SecurityPolicy

    # bandit's JSON report and its results: read by key.
    Report: TypeAlias = dict[str, Any]


GATE = "security"
EXAMPLE = (
    "trunkgate security src/app.py\n  trunkgate security --base origin/main --severity medium\n"
    "  trunkgate security --all --update-baseline"
)
ARGS = (
    *tools.FILE_ARGS,
    flags.Arg(
        "--update-baseline",
        "accept the current findings: write them to the baseline file (default: whole tree)",
        kind="flag",
    ),
)
SUFFIXES = (".py", ".pyw")
LEVELS = {"undefined": 0, "low": 1, "medium": 2, "high": 3}
# bandit's severities as SARIF security-severity scores (GitHub: 7.0 and up is high).
SCORES = {"low": 2.0, "medium": 5.0, "high": 8.0}
BASELINE_ABOUT = (
    "trunkgate security baseline: bandit findings accepted when the gate was adopted; only "
    "new findings fail. Each entry is a test id, a path and a hash of the flagged code "
    "(whitespace-normalised), with how many times it occurs. Regenerate with: "
    "trunkgate security --update-baseline"
)
# Below this many files one bandit process is quicker than several (each pays ~0.3 s to start).
PARALLEL_MIN = 24
FIX = (
    "Fix the code (each rule's page says how). A finding that is a reviewed false positive "
    "can be marked on its line with `# nosec <rule>` and a comment that says why. When "
    "adopting the gate on existing code, accept today's findings with "
    "`trunkgate security --update-baseline` and commit the baseline file."
)


# --------------------------------------------------------------------------- issues


class Issue:
    """One bandit result, with its path relative to the project root and its fingerprint."""

    __slots__ = (
        "confidence",
        "fingerprint",
        "line",
        "more_info",
        "path",
        "severity",
        "test_id",
        "test_name",
        "text",
    )

    def __init__(
        self,
        test_id: str,
        path: str,
        line: int | None,
        code: str,
        *,
        severity: str = "undefined",
        confidence: str = "undefined",
        text: str = "",
        test_name: str = "",
        more_info: str = "",
    ) -> None:
        self.test_id = test_id
        self.path = path
        self.line = line
        self.severity = severity
        self.confidence = confidence
        self.text = text
        self.test_name = test_name
        self.more_info = more_info
        self.fingerprint = fingerprint(test_id, path, code)

    def __repr__(self) -> str:
        return f"Issue({self.test_id} {self.path}:{self.line} {self.severity})"


def _level(value: object) -> str:
    text = str(value or "").lower()
    return text if text in LEVELS else "undefined"


def _flagged_code(item: Report, lines: list[str]) -> str:
    """The source lines a result flags (its line range), else bandit's own excerpt."""
    numbers = item.get("line_range") or [item.get("line_number")]
    picked = [lines[n - 1] for n in numbers if isinstance(n, int) and 0 < n <= len(lines)]
    if picked:
        return "\n".join(picked)
    excerpt = str(item.get("code") or "")  # "12 code\n13 more": drop the line numbers
    return "\n".join(line.partition(" ")[2] for line in excerpt.splitlines())


def issues_from_bandit(data: object, root: str) -> tuple[list[Issue], list[tuple[str, str]], int]:
    """(issues, files bandit could not scan as (path, reason), lines skipped by # nosec).

    `data` is bandit's JSON report; paths in it are relative to `root` (or absolute).
    """
    if not isinstance(data, dict):
        raise report.UsageError(f"bandit: expected a JSON report object, got {type(data).__name__}")
    cache: dict[str, list[str]] = {}
    issues = []
    for item in data.get("results") or []:
        if not isinstance(item, dict):
            continue
        path = relative(str(item.get("filename") or ""), root)
        lines = lines_of(os.path.join(root, path), cache)
        line = item.get("line_number")
        issues.append(
            Issue(
                str(item.get("test_id") or "B000"),
                path,
                line if isinstance(line, int) else None,
                _flagged_code(item, lines),
                severity=_level(item.get("issue_severity")),
                confidence=_level(item.get("issue_confidence")),
                text=str(item.get("issue_text") or ""),
                test_name=str(item.get("test_name") or ""),
                more_info=str(item.get("more_info") or ""),
            )
        )
    errors = [
        (relative(str(e.get("filename") or ""), root), str(e.get("reason") or "unknown"))
        for e in data.get("errors") or []
        if isinstance(e, dict)
    ]
    issues.sort(key=lambda i: (i.path, i.line or 0, i.test_id))
    return issues, errors, _nosec(data)


def _nosec(data: Report) -> int:
    """Findings bandit skipped for a `# nosec` (bare, or naming the test)."""
    totals = (data.get("metrics") or {}).get("_totals") or {}
    if not isinstance(totals, dict):
        return 0
    counts = (totals.get("nosec"), totals.get("skipped_tests"))
    return sum(n for n in counts if isinstance(n, int))


# --------------------------------------------------------------------------- baseline


def baseline_document(issues: Iterable[Issue], keep: Iterable[dict[str, object]] = ()) -> Document:
    """The baseline file's content: `keep` (entries of unscanned files) plus the issues."""
    return make_document(_entries(issues), keep, about=BASELINE_ABOUT)


def _entries(issues: Iterable[Issue]) -> Iterator[tuple[Key, dict[str, object]]]:
    """Each issue's fingerprint and the fields its baseline entry records."""
    for issue in issues:
        yield issue.fingerprint, {"test_name": issue.test_name, "severity": issue.severity}


# --------------------------------------------------------------------------- verdict


def classify(
    issues: Iterable[Issue], severity: str, warn_severity: str, confidence: str
) -> tuple[list[report.Finding], int]:
    """Findings for the issues under the thresholds, and how many fell below them."""
    fail, warn, sure = LEVELS[severity], LEVELS[warn_severity], LEVELS[confidence]
    found = []
    below = 0
    for issue in issues:
        level = LEVELS[issue.severity]
        if LEVELS[issue.confidence] < sure or (level < fail and level < warn):
            below += 1
            continue
        found.append(
            report.Finding(
                issue.test_id,
                f"{issue.text} (severity {issue.severity}, confidence {issue.confidence})",
                file=issue.path,
                line=issue.line,
                severity=report.ERROR if level >= fail else report.WARNING,
                hint=f"{issue.test_id}: {issue.more_info}" if issue.more_info else None,
                url=issue.more_info if issue.more_info.startswith("https://") else None,
                score=SCORES.get(issue.severity),
            )
        )
    return found, below


def error_findings(errors: Iterable[tuple[str, str]]) -> list[report.Finding]:
    return [
        report.Finding(
            "scan-error",
            f"bandit could not scan this file: {reason}",
            file=path,
            hint="a file bandit cannot parse cannot be checked: fix it, or exclude it with the "
            "policy key exclude",
        )
        for path, reason in errors
    ]


# --------------------------------------------------------------------------- scanning


def _config_args(root: str) -> list[str]:
    """The project's own bandit settings: [tool.bandit] in pyproject.toml, and .bandit."""
    args = []
    try:
        with open(os.path.join(root, "pyproject.toml"), "rb") as fh:
            if b"[tool.bandit" in fh.read():
                args += ["-c", "pyproject.toml"]
    except OSError:
        pass
    if os.path.isfile(os.path.join(root, ".bandit")):
        args += ["--ini", ".bandit"]
    return args


def _words(value: object) -> list[str]:
    """A list of strings from TOML, or an INI value's comma-separated words."""
    if isinstance(value, str):
        return [w.strip() for w in value.split(",") if w.strip()]
    if isinstance(value, list):
        return [str(w).strip() for w in value if str(w).strip()]
    return []


def bandit_settings(root: str) -> tuple[list[str], list[str], list[str]]:
    """(targets, excludes, where they came from): the project's bandit scope, as `bandit -r`
    run from the root takes it: `targets` and `exclude_dirs` of [tool.bandit] in
    pyproject.toml, `targets` and `exclude` of the [bandit] section of .bandit."""
    from trunkgate.config import parse_toml

    targets: list[str] = []
    excludes: list[str] = []
    sources: list[str] = []
    path = os.path.join(root, "pyproject.toml")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        data = b""
    if b"bandit" in data:
        tool = parse_toml("pyproject.toml", data).get("tool")
        table = tool.get("bandit") if isinstance(tool, dict) else None
        if isinstance(table, dict):
            found = _words(table.get("targets")), _words(table.get("exclude_dirs"))
            if any(found):
                sources.append("[tool.bandit] in pyproject.toml")
            targets += found[0]
            excludes += found[1]
    ini = os.path.join(root, ".bandit")
    if os.path.isfile(ini):
        import configparser

        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(ini, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise report.UsageError(
                f".bandit: not an INI file with a [bandit] section ({first})"
            ) from None
        if parser.has_section("bandit"):
            section = parser["bandit"]
            found = _words(section.get("targets")), _words(section.get("exclude"))
            if any(found):
                sources.append(".bandit")
            targets += found[0]
            excludes += found[1]
    return targets, excludes, sources


def _clean(pattern: str) -> str:
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return pattern.rstrip("/")


def in_targets(path: str, targets: Iterable[str]) -> bool:
    """A path inside one of bandit's targets (all of them when there are none)."""
    cleaned = [_clean(t) for t in targets]
    if not cleaned or "" in cleaned or "." in cleaned:
        return True
    return any(path == t or path.startswith(t + "/") for t in cleaned)


def bandit_excluded(path: str, root: str, patterns: Iterable[str]) -> bool:
    """A path bandit leaves out when it walks the root (`bandit -r .` sees `./pkg/a.py`): a
    shell-style pattern matching it, a pattern found inside it, or a folder it is in."""
    from fnmatch import fnmatch

    seen = ("./" + path, path)
    for raw in patterns:
        pattern = raw.strip()
        if not pattern:
            continue
        if os.path.isdir(os.path.join(root, pattern)):
            pattern = pattern.rstrip("/") + "/*"
        for name in seen:
            if fnmatch(name, pattern) or pattern in name:
                return True
        if is_excluded(path, [pattern.removesuffix("/*")]):
            return True
    return False


def _sizes(files: Sequence[str], root: str) -> dict[str, int]:
    sizes = {}
    for name in files:
        try:
            sizes[name] = os.path.getsize(os.path.join(root, name))
        except OSError:
            sizes[name] = 0
    return sizes


def scan(bandit: str, files: Sequence[str], root: str) -> dict[str, object]:
    """Bandit's JSON report on the files (relative to root), merged over parallel runs."""
    cpus = os.cpu_count() or 1
    count = cpus if len(files) >= PARALLEL_MIN else 1
    groups = tools.chunks(files, count, _sizes(files, root) if count > 1 else None)
    base = [bandit, "-q", "-f", "json", *_config_args(root), "--"]
    argvs = [[*base, *group] for group in groups]
    procs = tools.run_all(argvs, cwd=root, ok=(0, 1))
    merged: dict[str, list[object]] = {"results": [], "errors": []}
    nosec = 0
    for argv, proc in zip(argvs, procs, strict=True):
        data = tools.load_json(argv, proc)
        if not isinstance(data, dict):
            raise tools.failure(argv, proc, "gave a JSON report that is not an object")
        merged["results"] += data.get("results") or []
        merged["errors"] += data.get("errors") or []
        nosec += _nosec(data)
    return {**merged, "metrics": {"_totals": {"nosec": nosec}}}


def gate(policy: SecurityPolicy, opts: flags.Options, change: Change) -> report.GateResult:
    root = policy.root
    update = bool(getattr(opts, "update_baseline", False))
    if update and not change.given and not change.explicit_base:
        chosen = Selection([], "scanned the whole tree", whole_tree=True)
    else:
        chosen = change.select(SUFFIXES, verb="scanned")
    files = chosen.files
    if chosen.whole_tree:
        files = tools.tree_files(root, SUFFIXES)
        chosen.note += f": {report.plural(len(files), 'Python file')}"
    patterns: list[str] = policy.exclude
    kept = [f for f in files if not is_excluded(f, patterns)]
    notes = [chosen.note]
    if len(kept) != len(files):
        notes[0] += f" ({len(files) - len(kept)} excluded by the policy)"
    targets, excludes, sources = bandit_settings(root)
    ours = [f for f in kept if in_targets(f, targets) and not bandit_excluded(f, root, excludes)]
    if len(ours) != len(kept):
        notes[0] += (
            f" ({len(kept) - len(ours)} outside the targets or excluded by {' and '.join(sources)})"
        )
    kept = ours
    baseline: str = policy.baseline
    baseline_path = policy.path(baseline) if baseline else None
    shown = str(baseline)
    entries = read_baseline(baseline_path, shown) if baseline_path else None
    if not kept and not update:
        return report.GateResult(GATE, notes=notes)
    issues: list[Issue] = []
    errors: list[tuple[str, str]] = []
    nosec = 0
    if kept:
        data = scan(tools.find_tool("security"), kept, root)
        issues, errors, nosec = issues_from_bandit(data, root)
    if update:
        return update_baseline(
            GATE,
            baseline_path,
            shown,
            _entries(issues),
            entries=entries,
            scanned=kept,
            whole_tree=chosen.whole_tree,
            about=BASELINE_ABOUT,
            noun="accepted finding",
            notes=notes,
        )
    new, matched, stale = split_baseline(issues, baseline_counts(entries or []), kept)
    severity: str = policy.severity
    warn_severity: str = policy.warn_severity
    confidence: str = policy.confidence
    findings, below = classify(new, severity, warn_severity, confidence)
    findings = error_findings(errors) + findings
    findings.sort(key=lambda f: (f.file or "", f.line or 0, f.rule))
    if matched:
        notes.append(f"{report.plural(matched, 'finding')} accepted by the baseline {shown}")
    if stale:
        entries_word = "entry no longer occurs" if stale == 1 else "entries no longer occur"
        notes.append(f"{stale} baseline {entries_word}; shrink the baseline with --update-baseline")
    if below:
        notes.append(
            f"{report.plural(below, 'finding')} below the thresholds not shown (warn-severity "
            f"{policy.warn_severity}, confidence {policy.confidence})"
        )
    if nosec:
        notes.append(f"{report.plural(nosec, 'finding')} skipped by # nosec")
    reported = {(f.file, f.line, f.rule) for f in findings}
    levels = [i.severity for i in new if (i.path, i.line, i.test_id) in reported]
    metrics: dict[str, object] = {level: levels.count(level) for level in ("high", "medium", "low")}
    metrics["baselined"] = matched
    return report.GateResult(GATE, findings, notes=notes, fix=FIX, metrics=metrics)
