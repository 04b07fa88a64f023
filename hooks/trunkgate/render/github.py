"""The github format: an annotation per finding, the text report, the step summary and
the step outputs, every one of them written through `trunkgate.github`."""

from __future__ import annotations

from trunkgate import github
from trunkgate.render import markdown, text
from trunkgate.report import ERROR, NOTE, WARNING, Finding, GateResult

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from trunkgate.render import Where

_LEVEL = {ERROR: "error", WARNING: "warning", NOTE: "notice"}

# GitHub shows at most 10 annotations of each level a step (and 50 a job) and drops the rest
# without a word. Past that, the step's last annotation of the level says how many more the
# log and the job summary hold, and the ones shown are those on the lines the change adds,
# then on the files it changes, then the rest, each in the report's order.
PER_LEVEL = 10


def annotation(
    finding: Finding, gate: str, where: Where | None = None
) -> tuple[str, str, dict[str, object]]:
    """(command, message, properties) of a finding's annotation; its file relative to the
    repository root, which is what GitHub shows on the diff."""
    props: dict[str, object] = {}
    if finding.file is not None:
        props["file"] = where.path(finding.file) if where is not None else finding.file
        if finding.line is not None:
            props["line"] = finding.line
    props["title"] = f"trunkgate {gate}: {finding.rule}"
    message = finding.message if not finding.hint else f"{finding.message}\n\n{finding.hint}"
    if finding.where:
        message = f"{finding.where}: {message}"
    return _LEVEL[finding.severity], message, props


def outputs(result: GateResult, prefix: str = "") -> dict[str, str]:
    """The step outputs of one gate: passed, findings, and its figures."""
    out = {
        f"{prefix}passed": str(result.passed).lower(),
        f"{prefix}findings": str(len(result.errors)),
    }
    for key, value in result.metrics.items():
        out[f"{prefix}{key}"] = str(value)
    return out


Annotation = tuple[str, str, dict[str, object]]


def annotate(
    results: Sequence[GateResult], run: bool, where: Where | None
) -> tuple[list[Annotation], list[str]]:
    """The report's annotations, at most PER_LEVEL of each level (see PER_LEVEL), and the
    text lines of the findings left out, for the log."""
    found: list[tuple[Annotation, Finding | None, str]] = []
    for r in results:
        found += [(annotation(f, r.gate, where), f, r.gate) for f in r.findings]
        if r.error and run:
            found.append((("error", r.error, {"title": f"trunkgate {r.gate}"}), None, r.gate))
    counts: dict[str, int] = {}
    for (level, _, _), _, _ in found:
        counts[level] = counts.get(level, 0) + 1
    over = [level for level in _LEVEL.values() if counts.get(level, 0) > PER_LEVEL]
    if not over:
        return [a for a, _, _ in found], []
    lines = where.changed_lines() if where is not None else {}

    def rank(at: int) -> tuple[int, int]:
        props = found[at][0][2]
        if "file" not in props:  # the change's own: its branch, a commit, a total, an error
            return (0, at)
        changed = lines.get(str(props["file"]))
        if changed is None:
            return (2, at)
        return (0 if props.get("line") in changed else 1, at)

    kept: set[int] = set()
    for level in counts:
        mine = [at for at, (a, _, _) in enumerate(found) if a[0] == level]
        kept.update(sorted(mine, key=rank)[: PER_LEVEL - 1 if level in over else PER_LEVEL])
    shown = [a for at, (a, _, _) in enumerate(found) if at in kept]
    for level in over:
        more = counts[level] - (PER_LEVEL - 1)
        shown.append(
            (
                level,
                f"{more} more {level}s not shown as annotations (GitHub shows {PER_LEVEL} of each "
                f"kind a step): they follow in the log, and the job summary lists them all.",
                {"title": f"trunkgate: {more} more {level}s"},
            )
        )
    hidden = [
        text.finding_line(f, gate)
        for at, (_, f, gate) in enumerate(found)
        if at not in kept and f is not None
    ]
    return shown, hidden


def write(results: Sequence[GateResult], run: bool, where: Where | None = None) -> None:
    github.guard()
    shown, hidden = annotate(results, run, where)
    for command in shown:
        github.command(*command)
    if hidden:
        print(f"not annotated ({len(hidden)}):")
        print("\n".join(hidden))
    if run:
        print(text.run_text(results))
    else:
        for r in results:
            print("\n".join([*r.notes, text.verdict_line(r)]))
    github.append_summary(markdown.render(results, run))
    pairs: dict[str, str] = {}
    if len(results) == 1 and not run:
        pairs.update(outputs(results[0]))
    else:
        pairs["passed"] = str(all(r.passed for r in results)).lower()
        pairs["findings"] = str(sum(len(r.errors) for r in results))
        for r in results:
            pairs.update(outputs(r, prefix=f"{r.gate}-"))
    github.set_outputs(pairs)
