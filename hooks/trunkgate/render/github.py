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


def write(results: Sequence[GateResult], run: bool, where: Where | None = None) -> None:
    github.guard()
    for r in results:
        for finding in r.findings:
            github.command(*annotation(finding, r.gate, where))
        if r.error and run:
            github.command("error", r.error, {"title": f"trunkgate {r.gate}"})
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
