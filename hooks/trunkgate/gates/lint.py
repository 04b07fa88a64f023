"""Lint with `ruff check` and check formatting with `ruff format --check`.

The project's own ruff configuration applies: ruff runs from the project root, and
`--force-exclude` makes ruff's `exclude` settings apply to the files it is given. Files: the
ones given (pre-commit passes the staged ones); in CI, the ones changed since the pull
request's base (or `--base REF`); `--all` the whole tree (git's tracked and not-ignored
files). All three keep the same files: those of the policy's `types` (default python, pyi,
jupyter; add markdown for ruff's Markdown formatting), so the hook, `--all` and CI agree.

The ruff that runs: the policy's `ruff-version`; else the version the project pins, by
`required-version` in its ruff configuration (.ruff.toml, ruff.toml, [tool.ruff] in
pyproject.toml) or by the `rev` of astral-sh/ruff-pre-commit in .pre-commit-config.yaml;
else the installed ruff. A pinned version other than the installed one is installed once
from the package index into trunkgate's user cache folder (tools/ruff-X.Y.Z), then reused.

Both commands are read through their JSON output; for `ruff format --check` each file that
would change is one finding, rule `format`, at the first line that would change. The
baseline (`baseline`, written by `--update-baseline`) holds the findings a team accepted
when it adopted the gate: a finding's fingerprint is its rule, its path and the code it flags
(whitespace-normalised, not its line number), and repeats are counted, as in the security
gate. `filter-mode = "added"` fails only findings on the lines the change adds or edits
(reviewdog's `filter-mode: added`). `--fix` applies ruff's fixes and formats the files, for
local use: it is refused in CI.
"""

from __future__ import annotations

import os

from trunkgate import baseline, flags, report, tools
from trunkgate.change import Change, Selection, relative
from trunkgate.files import lines_of
from trunkgate.ruff_pins import find_ruff

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Iterable, Sequence

    from trunkgate.policies import LintPolicy

GATE = "lint"
EXAMPLE = (
    "trunkgate lint src/app.py\n  trunkgate lint --base origin/main --filter-mode added\n"
    "  trunkgate lint --all --update-baseline"
)
ARGS = (
    *tools.FILE_ARGS,
    flags.Arg(
        "--fix",
        "apply ruff's fixes and format the files, then report what is left (local use only)",
        kind="flag",
    ),
    flags.Arg(
        "--update-baseline",
        "accept the current findings: write them to the baseline file (default: whole tree)",
        kind="flag",
    ),
)
FORMAT_RULE = "format"
BASELINE_ABOUT = (
    "trunkgate lint baseline: ruff findings accepted when the gate was adopted; only new "
    "findings fail. Each entry is a rule (test_id), a path and a hash of the flagged code "
    "(whitespace-normalised), with how many times it occurs. Regenerate with: "
    "trunkgate lint --update-baseline"
)
FIX = (
    "Fix it locally with `trunkgate lint --fix` (ruff check --fix, then ruff format) and review "
    "the changes; what ruff cannot fix needs an edit. For a finding that is intended, add "
    "`# noqa: <rule>` to its line, or configure ruff in the project's [tool.ruff]. When "
    "adopting the gate on existing code, accept today's findings with "
    "`trunkgate lint --update-baseline` and commit the baseline file."
)
FIX_REFUSED = (
    "--fix changes files and is for local use; in CI run `trunkgate lint` without it "
    "and fix what it reports in a commit"
)
# POSIX takes far longer command lines than Windows (32767 characters).
ARGV_CHARS = tools.MAX_ARGV_CHARS if os.name == "nt" else 1_000_000


# --------------------------------------------------------------------------- findings


class Flagged:
    """One ruff diagnostic: its finding, its fingerprint for the baseline and the rows it
    covers (for filter-mode added)."""

    __slots__ = ("finding", "fingerprint", "rows")

    def __init__(self, finding: report.Finding, code: str, rows: set[int]) -> None:
        self.finding = finding
        self.fingerprint = baseline.fingerprint(finding.rule, finding.file or "", code)
        self.rows = rows

    @property
    def line(self) -> int | None:
        return self.finding.line


def _row(where: object) -> int | None:
    row = where.get("row") if isinstance(where, dict) else None
    return row if isinstance(row, int) and row > 0 else None


def _span(start: object, end: object) -> set[int]:
    first, last = _row(start), _row(end)
    if first is None:
        return set()
    return set(range(first, max(first, last or first) + 1))


def _column(where: object) -> int:
    column = where.get("column") if isinstance(where, dict) else None
    return column if isinstance(column, int) and column > 0 else 1


def _edited_rows(edit: dict[str, object], lines: list[str]) -> set[int]:
    """The rows of the original an edit really changes: ruff's format edits span from the
    first difference to the last, so compare the span line by line with what replaces it."""
    span = _span(edit.get("location"), edit.get("end_location"))
    content = edit.get("content")
    if not span or not isinstance(content, str) or max(span) > len(lines):
        return span
    import difflib

    first, last = min(span), max(span)
    old = lines[first - 1 : last]
    start = _column(edit.get("location")) - 1
    end = _column(edit.get("end_location")) - 1
    new = (old[0][:start] + content + old[-1][end:]).split("\n")
    if len(new) > 1 and new[-1] == "" and content.endswith("\n"):
        new.pop()  # the span ends at its last line's end: that newline is the source's own
    rows: set[int] = set()
    for op, i1, i2, _, _ in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op != "equal":
            rows |= set(range(first + i1, first + max(i2, i1 + 1)))
    return {min(r, last) for r in rows} or span


def _rows(item: dict[str, object], formatting: bool, lines: list[str]) -> set[int]:
    """The rows a diagnostic flags: its range; for a format diagnostic, the rows its edits
    change (from the source when it could be read)."""
    if not formatting:
        return _span(item.get("location"), item.get("end_location"))
    rows: set[int] = set()
    fix = item.get("fix")
    edits = fix.get("edits") if isinstance(fix, dict) else None
    for edit in edits if isinstance(edits, list) else []:
        if isinstance(edit, dict):
            rows |= (
                _edited_rows(edit, lines)
                if lines
                else _span(edit.get("location"), edit.get("end_location"))
            )
    return rows or _span(item.get("location"), item.get("end_location"))


def flagged_from_ruff(diagnostics: object, root: str, *, formatting: bool = False) -> list[Flagged]:
    """Ruff's JSON diagnostics (`ruff check` or `ruff format --check`) as findings, each with
    its fingerprint: its rule, its path and the source lines it flags (a notebook's lines are
    within a cell: its message and cell stand for them)."""
    if not isinstance(diagnostics, list):
        raise report.UsageError(f"ruff: expected a JSON list of diagnostics, got {diagnostics!r}")
    cache: dict[str, list[str]] = {}
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
        lines = lines_of(os.path.join(root, path), cache) if path and cell is None else []
        rows = _rows(item, formatting, lines)
        line = min(rows) if formatting and rows else _row(item.get("location"))
        url = item.get("url")
        finding = report.Finding(
            str(code),
            message,
            file=path,
            line=line,
            severity=severity,
            url=url if isinstance(url, str) and url.startswith("https://") else None,
        )
        picked = [lines[n - 1] for n in sorted(rows) if 0 < n <= len(lines)]
        flagged = "\n".join(picked) if picked else message
        found.append(Flagged(finding, flagged, rows))
    return found


def findings_from_ruff(
    diagnostics: object, root: str, *, formatting: bool = False
) -> list[report.Finding]:
    """Findings from ruff's JSON diagnostics (`ruff check` or `ruff format --check`).

    Paths become relative to the project root; a notebook's line is within its cell. For
    `ruff format --check` only the files that would be reformatted are findings (rule
    `format`): its syntax errors are `ruff check`'s to report.
    """
    return [f.finding for f in flagged_from_ruff(diagnostics, root, formatting=formatting)]


# --------------------------------------------------------------------------- running ruff


def _diagnostics(argv: Sequence[str], proc: subprocess.CompletedProcess[str]) -> object:
    """Ruff's JSON report; a clean exit with no output (every file excluded) is no findings."""
    if proc.returncode == 0 and not proc.stdout.strip():
        return []
    return tools.load_json(argv, proc)


def _sort_key(f: Flagged) -> tuple[str, int, str]:
    return (f.finding.file or "", f.finding.line or 0, f.finding.rule)


def _check_argv(ruff: str, targets: Sequence[str], fix: bool) -> list[str]:
    argv = [ruff, "check", "--output-format", "json", "--force-exclude"]
    return [*argv, "--fix" if fix else "--no-fix", "--", *targets]


def _format_argv(ruff: str, targets: Sequence[str]) -> list[str]:
    return [ruff, "format", "--check", "--output-format", "json", "--force-exclude", "--", *targets]


def _read_check(
    argv: list[str], proc: subprocess.CompletedProcess[str], root: str
) -> list[Flagged]:
    if proc.returncode not in (0, 1):
        raise tools.failure(argv, proc, f"failed (exit status {proc.returncode})")
    return flagged_from_ruff(_diagnostics(argv, proc), root)


def _no_json_format(proc: subprocess.CompletedProcess[str]) -> bool:
    """True for a ruff whose `ruff format` has no JSON output: too old for the flag, or one
    where it needs preview mode (it then warns and writes text)."""
    if proc.returncode == 2 and "'--output-format'" in (proc.stderr or ""):
        return True
    out = proc.stdout.strip()
    return bool(out) and not out.startswith("[") and "--output-format" in (proc.stderr or "")


def _diff_argv(ruff: str, targets: Sequence[str]) -> list[str]:
    return [ruff, "format", "--diff", "--force-exclude", "--", *targets]


def diagnostics_from_diff(text: str) -> list[dict[str, object]]:
    """`ruff format --diff` output as the diagnostics `ruff format --check --output-format
    json` gives: one per file, its edits at the rows of the original the diff changes."""
    found: dict[str, list[int]] = {}
    rows: list[int] | None = None
    row = 0
    before = ""
    for line in text.splitlines():
        if line.startswith("--- "):
            rows = None
        elif line.startswith("+++ "):
            rows = found.setdefault(line[4:].strip(), [])
        elif line.startswith("@@ ") and rows is not None:
            old = line.split(" ", 3)[1]
            row = int(old[1:].partition(",")[0] or 1)
            before = ""
        elif rows is not None and line[:1] in (" ", "-", "+"):
            kind = line[:1]
            if kind == " ":
                row += 1
            elif kind == "-":
                rows.append(row)
                row += 1
            elif before != "-":
                rows.append(max(row - 1, 1))  # inserted after this row of the original
            if kind != "+":
                before = kind  # a "+" run after a "-" run replaces it: still after "-"
    out: list[dict[str, object]] = []
    for name, changed in found.items():
        if not changed:
            continue
        edits = [{"location": {"row": r}, "end_location": {"row": r}} for r in sorted(set(changed))]
        out.append(
            {
                "code": "unformatted",
                "filename": name,
                "location": {"row": min(changed)},
                "fix": {"edits": edits},
            }
        )
    return out


def _read_format(
    argv: list[str], proc: subprocess.CompletedProcess[str], root: str
) -> list[Flagged]:
    if _no_json_format(proc):
        argv = _diff_argv(argv[0], argv[argv.index("--") + 1 :])
        proc = tools.run(argv, cwd=root, ok=(0, 1, 2))
        if proc.returncode == 2 and not proc.stdout.strip():
            raise tools.failure(argv, proc, "failed (exit status 2)")
        return flagged_from_ruff(diagnostics_from_diff(proc.stdout), root, formatting=True)
    # Exit status 2 with a JSON report: files ruff could not parse (ruff check reports them).
    return flagged_from_ruff(_diagnostics(argv, proc), root, formatting=True)


def _fix(
    ruff: str, targets: Sequence[str], root: str, check_format: bool, notes: list[str]
) -> tuple[list[Flagged], list[Flagged]]:
    """ruff check --fix, then ruff format on the files that need it; what is left to fix."""
    argv = _check_argv(ruff, targets, fix=True)
    findings = _read_check(argv, tools.run(argv, cwd=root, ok=(0, 1, 2)), root)
    if check_format:
        argv = _format_argv(ruff, targets)
        unformatted = _read_format(argv, tools.run(argv, cwd=root, ok=(0, 1, 2)), root)
        files = sorted({f.finding.file for f in unformatted if f.finding.file})
        if files:
            tools.run([ruff, "format", "--force-exclude", "--", *files], cwd=root)
            notes.append(f"reformatted {report.plural(len(files), 'file')} with ruff format")
            argv = _check_argv(ruff, targets, fix=False)  # the lines have moved
            findings = _read_check(argv, tools.run(argv, cwd=root, ok=(0, 1, 2)), root)
    notes.append("applied ruff check --fix; review the changes before committing")
    return findings, []


def _check(
    ruff: str, targets: Sequence[str], root: str, check_format: bool
) -> tuple[list[Flagged], list[Flagged]]:
    """(check findings, format findings): both commands at once, per command-line-sized group
    of files (for a few files each is mostly ruff starting up)."""
    findings: list[Flagged] = []
    unformatted: list[Flagged] = []
    for group in tools.chunks(list(targets), 1, limit=ARGV_CHARS):
        argvs = [_check_argv(ruff, group, fix=False)]
        if check_format:
            argvs.append(_format_argv(ruff, group))
        procs = tools.run_all(argvs, cwd=root, ok=(0, 1, 2))
        findings += _read_check(argvs[0], procs[0], root)
        if check_format:
            unformatted += _read_format(argvs[1], procs[1], root)
    return findings, unformatted


# --------------------------------------------------------------------------- the gate


def _selection(policy: LintPolicy, change: Change, update: bool) -> tuple[Selection, list[str]]:
    """The files to check (one rule for the hook, --all and CI: `tools.selects`)."""
    suffixes = tools.suffixes_of(policy.types, "policy key types")
    if update and not change.given and not change.explicit_base:
        chosen = Selection([], "checked the whole tree", whole_tree=True)
    else:
        chosen = change.select(suffixes)
    files = chosen.files
    if chosen.whole_tree:
        files = tools.tree_files(policy.root, suffixes)
        chosen.note += f": {report.plural(len(files), 'file')} of types {', '.join(policy.types)}"
    return chosen, files


def _added_only(
    flagged: list[Flagged], change: Change, root: str, notes: list[str]
) -> list[Flagged]:
    """filter-mode added: the findings on lines the change adds or edits (and those of no
    line); with no base to compare with, every finding."""
    if change.base is None:
        notes.append("filter-mode added: no base to compare with, so every finding counts")
        return flagged
    top = change.top
    changed: dict[str, set[int]] = {}
    for name, lines in change.changed_lines().items():
        changed[relative(os.path.join(top, name), root)] = lines
    kept = [
        f
        for f in flagged
        if not f.rows or f.finding.line is None or f.rows & changed.get(f.finding.file or "", set())
    ]
    left = len(flagged) - len(kept)
    if left:
        notes.append(
            f"{report.plural(left, 'finding')} on lines the change did not touch not counted "
            "(filter-mode added)"
        )
    return kept


def _update(
    policy: LintPolicy,
    flagged: Iterable[Flagged],
    scanned: Iterable[str],
    whole: bool,
    notes: list[str],
) -> report.GateResult:
    name = str(policy.baseline)
    path = policy.path(name) if name else None
    return baseline.update(
        GATE,
        path,
        name,
        ((f.fingerprint, {}) for f in flagged),
        entries=baseline.read_baseline(path, name, gate=GATE) if path else None,
        scanned=scanned,
        whole_tree=whole,
        about=BASELINE_ABOUT,
        noun="accepted finding",
        notes=notes,
    )


def gate(policy: LintPolicy, opts: flags.Options, change: Change) -> report.GateResult:
    fix = bool(getattr(opts, "fix", False))
    update = bool(getattr(opts, "update_baseline", False))
    if fix and change.ctx.ci:
        raise report.UsageError(FIX_REFUSED)
    root = policy.root
    chosen, targets = _selection(policy, change, update)
    notes = [chosen.note]
    name = str(policy.baseline)
    entries = baseline.read_baseline(policy.path(name), name, gate=GATE) if name else None
    if not targets and not update:
        return report.GateResult(GATE, notes=notes)
    ruff = find_ruff(policy, notes)
    findings: list[Flagged] = []
    unformatted: list[Flagged] = []
    if targets:
        if fix:
            findings, unformatted = _fix(ruff, targets, root, bool(policy.check_format), notes)
        else:
            findings, unformatted = _check(ruff, targets, root, bool(policy.check_format))
    if update:
        return _update(policy, findings + unformatted, targets, chosen.whole_tree, notes)
    flagged = sorted(findings + unformatted, key=_sort_key)
    counts = baseline.baseline_counts(entries or [])
    new, matched, stale = baseline.split_baseline(flagged, counts, targets)
    if str(policy.filter_mode) == "added":
        new = _added_only(new, change, root, notes)
    if matched:
        notes.append(f"{report.plural(matched, 'finding')} accepted by the baseline {name}")
    if stale:
        entries_word = "entry no longer occurs" if stale == 1 else "entries no longer occur"
        notes.append(f"{stale} baseline {entries_word}; shrink the baseline with --update-baseline")
    new.sort(key=_sort_key)
    shown = [f.finding for f in new]
    formats = sum(1 for f in shown if f.rule == FORMAT_RULE)
    metrics: dict[str, object] = {
        "violations": len(shown) - formats,
        "unformatted": formats,
        "baselined": matched,
    }
    return report.GateResult(GATE, shown, notes=notes, fix=FIX, metrics=metrics)
