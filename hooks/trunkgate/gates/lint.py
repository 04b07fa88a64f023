"""Lint with `ruff check` and check formatting with `ruff format --check`.

The project's own ruff configuration applies: ruff runs from the project root, and
`--force-exclude` makes ruff's `exclude` settings apply to files named on the command line
too. Files: the ones given (pre-commit passes the staged ones); in CI, the ones changed
since the pull request's base (or `--base REF`); `--all` checks the whole tree.

Both commands are read through their JSON output (`--output-format json`; for
`ruff format --check` each file that would change is one `unformatted` diagnostic, reported
here under the rule `format` at the first line that would change). `--fix` applies ruff's
fixes and formats the files, for local use: it is refused in CI.
"""

from __future__ import annotations

from trunkgate import flags, report, tools
from trunkgate.change import Change, relative

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Sequence

    from trunkgate.policies import LintPolicy

GATE = "lint"
EXAMPLE = (
    "trunkgate lint src/app.py\n  trunkgate lint --base origin/main\n  trunkgate lint --all --fix"
)
ARGS = (
    *tools.FILE_ARGS,
    flags.Arg(
        "--fix",
        "apply ruff's fixes and format the files, then report what is left (local use only)",
        kind="flag",
    ),
)
SUFFIXES = (".py", ".pyi", ".pyw", ".ipynb")
FORMAT_RULE = "format"
FIX = (
    "Fix it locally with `trunkgate lint --fix` (ruff check --fix, then ruff format) and review "
    "the changes; what ruff cannot fix needs an edit. For a finding that is intended, add "
    "`# noqa: <rule>` to its line, or configure ruff in the project's [tool.ruff]."
)
FIX_REFUSED = (
    "--fix changes files and is for local use; in CI run `trunkgate lint` without it "
    "and fix what it reports in a commit"
)


def _row(item: dict[str, object], key: str) -> int | None:
    where = item.get(key)
    row = where.get("row") if isinstance(where, dict) else None
    return row if isinstance(row, int) and row > 0 else None


def findings_from_ruff(
    diagnostics: object, root: str, *, formatting: bool = False
) -> list[report.Finding]:
    """Findings from ruff's JSON diagnostics (`ruff check` or `ruff format --check`).

    Paths become relative to the project root; a notebook's line is within its cell. For
    `ruff format --check` only the files that would be reformatted are findings (rule
    `format`): its syntax errors are `ruff check`'s to report.
    """
    if not isinstance(diagnostics, list):
        raise report.UsageError(f"ruff: expected a JSON list of diagnostics, got {diagnostics!r}")
    found = []
    for item in diagnostics:
        if not isinstance(item, dict):
            continue
        code = item.get("code") or item.get("name") or "ruff"
        if formatting and code != "unformatted":
            continue
        filename = item.get("filename")
        path = relative(filename, root) if isinstance(filename, str) and filename else None
        message = str(item.get("message") or code)
        if formatting:
            code, message = FORMAT_RULE, "would be reformatted by ruff format"
        cell = item.get("cell")
        if cell is not None:
            message = f"cell {cell}: {message}"
        severity = report.WARNING if item.get("severity") == "warning" else report.ERROR
        url = item.get("url")
        found.append(
            report.Finding(
                str(code),
                message,
                file=path,
                line=_row(item, "location"),
                severity=severity,
                url=url if isinstance(url, str) and url.startswith("https://") else None,
            )
        )
    return found


def _diagnostics(argv: Sequence[str], proc: subprocess.CompletedProcess[str]) -> object:
    """Ruff's JSON report; a clean exit with no output (every file excluded) is no findings."""
    if proc.returncode == 0 and not proc.stdout.strip():
        return []
    return tools.load_json(argv, proc)


def _sort_key(f: report.Finding) -> tuple[str, int, str]:
    return (f.file or "", f.line or 0, f.rule)


def _check_argv(ruff: str, targets: Sequence[str], fix: bool) -> list[str]:
    argv = [ruff, "check", "--output-format", "json", "--force-exclude"]
    return [*argv, "--fix" if fix else "--no-fix", "--", *targets]


def _format_argv(ruff: str, targets: Sequence[str]) -> list[str]:
    return [ruff, "format", "--check", "--output-format", "json", "--force-exclude", "--", *targets]


def _read_check(
    argv: list[str], proc: subprocess.CompletedProcess[str], root: str
) -> list[report.Finding]:
    if proc.returncode not in (0, 1):
        raise tools.failure(argv, proc, f"failed (exit status {proc.returncode})")
    return findings_from_ruff(_diagnostics(argv, proc), root)


def _read_format(
    argv: list[str], proc: subprocess.CompletedProcess[str], root: str
) -> list[report.Finding]:
    # Exit status 2 with a JSON report: files ruff could not parse (ruff check reports them).
    return findings_from_ruff(_diagnostics(argv, proc), root, formatting=True)


def _fix(
    ruff: str, targets: Sequence[str], root: str, check_format: bool, notes: list[str]
) -> list[report.Finding]:
    """ruff check --fix, then ruff format on the files that need it; what is left to fix."""
    argv = _check_argv(ruff, targets, fix=True)
    findings = _read_check(argv, tools.run(argv, cwd=root, ok=(0, 1, 2)), root)
    if check_format:
        argv = _format_argv(ruff, targets)
        unformatted = _read_format(argv, tools.run(argv, cwd=root, ok=(0, 1, 2)), root)
        files = sorted({f.file for f in unformatted if f.file})
        if files:
            tools.run([ruff, "format", "--force-exclude", "--", *files], cwd=root)
            notes.append(f"reformatted {report.plural(len(files), 'file')} with ruff format")
            argv = _check_argv(ruff, targets, fix=False)  # the lines have moved
            findings = _read_check(argv, tools.run(argv, cwd=root, ok=(0, 1, 2)), root)
    notes.append("applied ruff check --fix; review the changes before committing")
    return findings


def gate(policy: LintPolicy, opts: flags.Options, change: Change) -> report.GateResult:
    fix = bool(getattr(opts, "fix", False))
    if fix and change.ctx.ci:
        raise report.UsageError(FIX_REFUSED)
    chosen = change.select(SUFFIXES)
    notes = [chosen.note]
    if not chosen.files and not chosen.whole_tree:
        return report.GateResult(GATE, notes=notes)
    ruff = tools.find_tool("lint")
    root = policy.root
    targets = ["."] if chosen.whole_tree else chosen.files
    unformatted: list[report.Finding] = []
    if fix:
        findings = _fix(ruff, targets, root, bool(policy.check_format), notes)
    else:
        # Both at once: for a few files each is mostly ruff starting up.
        argvs = [_check_argv(ruff, targets, fix=False)]
        if policy.check_format:
            argvs.append(_format_argv(ruff, targets))
        procs = tools.run_all(argvs, cwd=root, ok=(0, 1, 2))
        findings = _read_check(argvs[0], procs[0], root)
        if policy.check_format:
            unformatted = _read_format(argvs[1], procs[1], root)
    findings = sorted(findings + unformatted, key=_sort_key)
    metrics: dict[str, object] = {
        "violations": len(findings) - len(unformatted),
        "unformatted": len(unformatted),
    }
    return report.GateResult(GATE, findings, notes=notes, fix=FIX, metrics=metrics)
