"""Total coverage, and coverage of the lines a change adds or edits (diff coverage).

Reads what coverage.py measured: its data file `.coverage` (through coverage's own API), or
its Cobertura report `coverage.xml` (`coverage xml`) or JSON report `coverage.json`
(`coverage json`). By default the newest of the three in the project root, a report winning
a tie: a report already holds every file's statements, while the data file needs coverage to
analyse the sources (every file for the total, only the changed ones with --diff-only).

Checks the total against fail-under, each file against file-fail-under (0: off), and the
lines added or changed since the base against diff-fail-under. The base: --base, else in CI
the pull request's base (or the push's previous commit), else the trunk; the change runs from
its merge-base with HEAD to the working tree, and a renamed file counts as new. Diff
coverage counts lines, as diff-cover does; a branch never taken on a changed line is a
warning. A change with fewer coverable lines than diff-min-lines is reported but not gated.
--run-tests runs test-command first.

fail-under, when the policy does not set it, is the project's own coverage `fail_under`, read
as coverage.py reads it (.coveragerc, setup.cfg, tox.ini, [tool.coverage.report] in
pyproject.toml), else 90. Data older than a changed source it measured, or measuring a source
that is gone, is stale: a `stale-data` finding says to re-run the tests, and no verdict is given
on its figures. Without data a local run (the pre-push hook) passes with a warning that says how
to make it; `require-data = true` makes that exit 2, as it always is in CI.
"""

from __future__ import annotations

import os
import time

from trunkgate import config, flags, report, tools
from trunkgate.change import Change, relative
from trunkgate.coverage_data import read

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from trunkgate.coverage_data import FileCoverage

GATE = "coverage"
EXAMPLE = (
    "trunkgate coverage --base origin/main\n"
    "  trunkgate coverage --diff-only --data coverage.xml\n"
    "  trunkgate coverage --run-tests --test-command 'pytest -q --cov'"
)
ARGS = (
    flags.Arg(
        "files",
        "limit diff coverage to these files (default: every file of the project that changed)",
        kind="pos*",
        metavar="FILE",
    ),
    flags.Arg(
        "--base",
        "measure the lines changed since the merge-base of REF and HEAD (default: in CI the "
        "pull request's base or the push's previous commit, else the trunk)",
        metavar="REF",
    ),
    flags.Arg(
        "--diff-only",
        "check diff coverage only, not the total nor each file (with a .coverage data file, "
        "coverage then analyses the changed files only)",
        kind="flag",
    ),
    flags.Arg("--run-tests", "run test-command first, to measure afresh", kind="flag"),
)
# Where to look by default; the newest wins, and on a tie the later in this list: a report
# is written from the data file, after it.
CANDIDATES = (".coverage", "coverage.xml", "coverage.json")
SLACK_NS = 2_000_000_000  # file systems that keep times in whole (or two) seconds
FIX = (
    "Add tests that run the lines reported (`coverage report -m` or `coverage html` shows "
    "every uncovered line), or exclude code that must not count with `# pragma: no cover`. "
    "Diff coverage counts only the lines the change adds or edits."
)
SHOWN = 5  # file names a note lists before "and N more"


class DiffFile:
    """One changed file that coverage measured: its changed statements, and which of them
    were not run or left a branch untaken."""

    __slots__ = ("lines", "partial", "path", "uncovered")

    def __init__(self, path: str, lines: set[int], uncovered: set[int], partial: set[int]):
        self.path = path
        self.lines = lines
        self.uncovered = uncovered
        self.partial = partial


# --------------------------------------------------------------------------- pure checks


def line_ranges(lines: Iterable[int]) -> str:
    """Line numbers as short ranges: {12, 13, 14, 20} -> "12-14, 20"."""
    parts: list[str] = []
    start = end = None
    for n in sorted(set(lines)):
        if end is not None and n == end + 1:
            end = n
            continue
        if start is not None:
            parts.append(str(start) if start == end else f"{start}-{end}")
        start = end = n
    if start is not None:
        parts.append(str(start) if start == end else f"{start}-{end}")
    return ", ".join(parts)


def percent(value: float, limit: float | None = None) -> str:
    """A percentage with two decimals; more when rounding would hide that it is below `limit`."""
    text = f"{value:.2f}"
    if limit is not None and value < limit and float(text) >= limit:
        text = f"{value:.6f}".rstrip("0")
    return f"{text}%"


def _limit(value: float) -> str:
    return f"{value:g}%"


def _lines_phrase(lines: set[int], what: str) -> str:
    many = len(lines) > 1
    return f"line{'s' * many} {line_ranges(lines)} {'are' if many else 'is'} {what}"


def diff_files(
    changed: dict[str, set[int]], measured: dict[str, FileCoverage]
) -> tuple[list[DiffFile], list[str]]:
    """The changed files coverage measured, with their changed statements, and the changed
    files it did not measure (not Python, outside its source, omitted, or new and unrun)."""
    found, unmeasured = [], []
    for path in sorted(changed):
        cov = measured.get(path)
        if cov is None:
            unmeasured.append(path)
            continue
        lines = changed[path] & cov.statements
        found.append(DiffFile(path, lines, lines & cov.missing, lines & cov.partial))
    return found, unmeasured


def diff_percent(files: Iterable[DiffFile]) -> tuple[int, int, float | None]:
    """(changed statements, those not run, the share run in percent; None when none)."""
    total = uncovered = 0
    for f in files:
        total += len(f.lines)
        uncovered += len(f.uncovered)
    return total, uncovered, (100.0 * (total - uncovered) / total if total else None)


def check_diff(
    files: Sequence[DiffFile], policy: config.Policy, where: Callable[[str], str] = str
) -> tuple[list[report.Finding], str]:
    """Findings for the changed lines not covered, and a sentence that sums the change up.

    Uncovered lines are errors when diff coverage is below diff-fail-under and the change
    has at least diff-min-lines coverable lines; warnings otherwise. A branch never taken on
    a changed line is always a warning. `where` turns a path into the one findings show.
    """
    total, uncovered, share = diff_percent(files)
    limit = float(policy.diff_fail_under)
    minimum = int(policy.diff_min_lines)
    if share is None:
        return [], "diff coverage: no coverable lines changed"
    failed = share < limit and total >= minimum
    severity = report.ERROR if failed else report.WARNING
    findings: list[report.Finding] = []
    for f in files:
        mine = []
        if f.uncovered:
            mine.append(
                report.Finding(
                    "diff-uncovered",
                    _lines_phrase(f.uncovered, "not covered"),
                    file=where(f.path),
                    line=min(f.uncovered),
                    severity=severity,
                )
            )
        if f.partial:
            mine.append(
                report.Finding(
                    "diff-partial-branch",
                    _lines_phrase(f.partial, "only partly covered: a branch is never taken"),
                    file=where(f.path),
                    line=min(f.partial),
                    severity=report.WARNING,
                )
            )
        findings += sorted(mine, key=lambda x: x.line or 0)
    counts = f"{total - uncovered} of {report.plural(total, 'changed line')} covered"
    summary = f"diff coverage {percent(share, limit)}: {counts}"
    if failed:
        findings.insert(
            0,
            report.Finding(
                "diff-coverage",
                f"diff coverage {percent(share, limit)} is below the minimum {_limit(limit)} "
                f"({uncovered} of {report.plural(total, 'changed line')} not covered)",
            ),
        )
        return findings, summary
    if total < minimum:
        return findings, f"{summary} (not gated: fewer than diff-min-lines, {minimum})"
    return findings, f"{summary} (minimum {_limit(limit)})"


def check_total(total: float, limit: float) -> tuple[list[report.Finding], str]:
    """The total against fail-under (0: reported, not gated)."""
    if limit and total < limit:
        message = f"total coverage {percent(total, limit)} is below the minimum {_limit(limit)}"
        return [report.Finding("fail-under", message)], f"total coverage {percent(total, limit)}"
    gate = f"minimum {_limit(limit)}" if limit else "not gated: fail-under is 0"
    return [], f"total coverage {percent(total)} ({gate})"


def check_files(
    files: dict[str, FileCoverage], policy: config.Policy, where: Callable[[str], str] = str
) -> list[report.Finding]:
    """Each measured file against file-fail-under (0: off); files with no statements pass."""
    limit = float(policy.file_fail_under)
    if not limit:
        return []
    return [
        report.Finding(
            "file-fail-under",
            f"coverage {percent(cov.percent, limit)} is below the per-file minimum {_limit(limit)}",
            file=where(path),
        )
        for path, cov in sorted(files.items())
        if cov.statements and cov.percent < limit
    ]


class NoData(report.UsageError):
    """There is no coverage data to read: what is missing, and how to make it."""


def find_data(policy: config.Policy) -> str:
    """The data file or report to read: the policy's `data`, else the newest of .coverage,
    coverage.xml and coverage.json in the project root (a report wins a tie). None there is
    a `NoData` error that says how to make it."""
    if policy.data:
        path = policy.path(str(policy.data))
        if not os.path.isfile(path):
            raise NoData(
                f"{policy.data}: no such file (policy key data); run the tests under coverage "
                "first, or pass --run-tests"
            )
        return path
    best: tuple[int, int, str] | None = None
    for rank, name in enumerate(CANDIDATES):
        path = policy.path(name)
        try:
            stamp = os.stat(path).st_mtime_ns
        except OSError:
            continue
        if best is None or (stamp, rank) > best[:2]:
            best = (stamp, rank, path)
    if best is not None:
        return best[2]
    parallel = [n for n in os.listdir(policy.root) if n.startswith(".coverage.")]
    if parallel:
        raise NoData(
            f".coverage: not found, but {report.plural(len(parallel), 'parallel data file')} "
            "(.coverage.*) are; run `coverage combine` first"
        )
    raise NoData(
        f"no coverage data in {policy.root}: expected .coverage, coverage.xml or coverage.json; "
        "run the tests under coverage first (pytest --cov, or coverage run -m pytest), "
        "or pass --run-tests"
    )


# Where coverage.py reads each file's [report] section, for notes.
_SECTIONS = {
    ".coveragerc": "[report]",
    ".coveragerc.toml": "[report]",
    "setup.cfg": "[coverage:report]",
    "tox.ini": "[coverage:report]",
    "pyproject.toml": "[tool.coverage.report]",
}


def project_fail_under(root: str) -> tuple[float, str] | None:
    """The project's own `fail_under` and where it is set, read by coverage.py's own config
    reader, from the files it tries in its order (COVERAGE_RCFILE, .coveragerc,
    .coveragerc.toml, setup.cfg, tox.ini, pyproject.toml; the first with coverage settings
    wins); None when none sets one, or coverage.py is not installed."""
    try:
        from coverage.config import CoverageConfig, config_files_to_try
        from coverage.exceptions import CoverageException
    except ImportError:
        return None
    settings = CoverageConfig()
    for name, ours, specified in config_files_to_try(True):
        path = name if os.path.isabs(name) else os.path.join(root, name)
        try:
            found = settings.from_file(path, lambda _: None, our_file=ours)
        except CoverageException as exc:
            raise report.UsageError(f"{relative(path, root)}: {exc}") from None
        if found:
            if not settings.fail_under:
                return None
            section = _SECTIONS.get(os.path.basename(name), "[report]")
            return float(settings.fail_under), f"{relative(path, root)} {section} fail_under"
        if specified:
            raise report.UsageError(
                f"{name}: cannot read it as a coverage configuration file (COVERAGE_RCFILE)"
            )
    return None


def fail_under(policy: config.Policy, notes: list[str]) -> float:
    """The minimum total: the policy's fail-under when it sets one, else the project's
    coverage fail_under, else the built-in 90."""
    if policy.is_set("fail-under"):
        return float(policy.fail_under)
    found = project_fail_under(policy.root)
    if found is None:
        return float(policy.fail_under)
    value, where = found
    notes.append(f"fail-under {value:g}% from {where}")
    return value


def stale_sources(
    path: str,
    where: str,
    top: str,
    changed: Iterable[str],
    measured: Iterable[str],
) -> report.Finding | None:
    """A finding when the data is older than a changed source it measured, or measures a
    source that is gone: its figures are then not this tree's."""
    try:
        written = os.stat(path).st_mtime_ns
    except OSError:
        return None
    names = set(measured)
    newer, gone = [], []
    for name in sorted(set(changed) & names):
        try:
            if os.stat(os.path.join(top, name)).st_mtime_ns > written:
                newer.append(name)
        except OSError:
            pass
    for name in sorted(names):
        if not os.path.isabs(name) and not os.path.exists(os.path.join(top, name)):
            gone.append(name)
    if not newer and not gone:
        return None
    why = []
    if newer:
        why.append(f"older than {report.plural(len(newer), 'changed source')} ({_names(newer)})")
    if gone:
        why.append(f"measures {report.plural(len(gone), 'file')} no longer here ({_names(gone)})")
    return report.Finding(
        "stale-data",
        f"{where} is stale: {' and '.join(why)}; re-run the tests under coverage, "
        "then run the gate again",
        hint="the figures of stale data are not this tree's, so no verdict is given on them",
    )


# --------------------------------------------------------------------------- the gate


def run_tests(policy: config.Policy) -> report.Finding | None:
    """Run test-command in the project root; a finding when the tests fail (exit status 1)."""
    command = str(policy.test_command)
    argv = tools.command(command, "test-command", "pip install pytest pytest-cov")
    proc = tools.run(argv, cwd=policy.root, ok=(0, 1))
    if proc.returncode == 0:
        return None
    detail = "\n  ".join(tools.tail(proc.stdout) or tools.tail(proc.stderr) or ["(no output)"])
    return report.Finding(
        "tests-failed", f"the tests failed (`{command}` exited with 1):\n  {detail}"
    )


def _names(paths: Sequence[str]) -> str:
    shown = ", ".join(paths[:SHOWN])
    return shown + (f" and {len(paths) - SHOWN} more" if len(paths) > SHOWN else "")


def gate(policy: config.Policy, opts: flags.Options, change: Change) -> report.GateResult:
    root = policy.root
    notes: list[str] = []
    ran = getattr(opts, "run_tests", False)
    if ran:
        started = time.time_ns()
        failed = run_tests(policy)
        notes.append(f"ran the tests: {policy.test_command}")
        if failed:
            return report.GateResult(GATE, [failed], notes=notes, fix=FIX)
    try:
        path = find_data(policy)
    except NoData as exc:
        if change.ctx.ci or policy.require_data:
            raise
        how = f"{exc} (set require-data = true to make missing data an error)"
        missing = report.Finding("no-data", how, severity=report.WARNING)
        return report.GateResult(GATE, [missing], notes=[*notes, "no coverage data: not checked"])
    where = relative(path, root)
    if ran and os.stat(path).st_mtime_ns < started - SLACK_NS:
        raise report.UsageError(
            f"{where}: older than the test run, so test-command `{policy.test_command}` does "
            "not measure coverage; make it (pytest --cov, coverage run -m pytest), or point "
            "the policy key data at the file it writes"
        )
    diff_only = bool(getattr(opts, "diff_only", False))
    each_file = not diff_only and bool(policy.file_fail_under)
    total = not diff_only and bool(policy.fail_under)

    top = os.path.realpath(change.top)
    # A schedule, a manual run or a tag push has no base: the total still counts, and there
    # are no changed lines to measure.
    without = change.without_change if not change.given else None
    changed: dict[str, set[int]] = {}
    if without is None:
        base = change.require_base()
        start = change.diff_start
        changed = change.changed_lines([os.path.abspath(f) for f in change.given])
    measured = read(path, where, top, None if each_file else changed, total)
    notes.append(f"read {where} ({measured.kind})")
    if change.head_is_worktree:
        stale = stale_sources(path, where, top, changed, measured.names)
        if stale is not None:
            return report.GateResult(GATE, [stale], notes=notes, fix=FIX)

    inside = os.path.relpath(os.path.realpath(root), top).replace(os.sep, "/") + "/"

    def shown(p: str) -> str:  # findings name files relative to the project root
        if inside == "./":
            return p
        if p.startswith(inside):
            return p[len(inside) :]
        return relative(os.path.join(top, p), root)

    findings: list[report.Finding] = []
    metrics: dict[str, object] = {}
    if diff_only:
        notes.append("total coverage not checked (--diff-only)")
    elif measured.total is not None:
        found, note = check_total(measured.total, fail_under(policy, notes))
        findings += found
        notes.append(note)
        metrics["coverage"] = round(measured.total, 2)
        findings += check_files(measured.files, policy, shown)
    else:
        notes.append("total coverage not measured (fail-under and file-fail-under are 0)")

    if without is not None:
        notes.append(f"diff coverage not measured: {without}")
        return report.GateResult(GATE, findings, notes=notes, fix=FIX, metrics=metrics)
    files, unmeasured = diff_files(changed, measured.files)
    found, note = check_diff(files, policy, shown)
    findings += found
    since = f"since {base.since(start)}"
    if not changed:
        notes.append(f"diff coverage: nothing to measure, no lines changed {since}")
    else:
        scope = f"{report.plural(len(changed), 'changed file')} {since}"
        if unmeasured:
            scope += f"; not measured: {_names([shown(p) for p in unmeasured])}"
        notes.append(f"{note}, in {scope}")
        share = diff_percent(files)[2]
        if share is not None:
            metrics["diff-coverage"] = round(share, 2)
    return report.GateResult(GATE, findings, notes=notes, fix=FIX, metrics=metrics)
