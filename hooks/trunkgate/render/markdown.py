"""The step summary, valid CommonMark (with GitHub's tables).

`trunkgate run` writes one table of every gate first (gate, verdict, findings, time), then
one collapsible section per gate, open when the gate did not pass. A single gate writes its
section alone. Every block ends with a blank line, so no heading or table is swallowed by
the HTML block of a `<details>` before it.

Every value that comes from a change goes through `github.cell` or `github.code`: it
cannot end its cell, its row or the table, and no HTML or Markdown in it renders.
"""

from __future__ import annotations

from trunkgate import github
from trunkgate.render.text import verdict_word
from trunkgate.report import WARNING, GateResult, plural

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

MARKS = {"passed": "✅ passed", "failed": "❌ failed", "error": "⚠️ error"}


def counts(result: GateResult) -> str:
    """`3 errors, 1 warning`, or what the verdict needs when there are none."""
    if result.error is not None:
        return "could not decide"
    errors = len(result.errors)
    warnings = sum(1 for f in result.findings if f.severity == WARNING)
    parts = [plural(errors, "error")] if errors else []
    if warnings:
        parts.append(plural(warnings, "warning"))
    return ", ".join(parts) or "no findings"


def _body(result: GateResult) -> list[str]:
    lines: list[str] = []
    if result.error is not None:
        lines += [f"> {github.cell(result.error)}", ""]
    if result.findings:
        rows = [
            [
                github.cell(f.severity),
                github.code(f.location()) if f.file or f.where else "",
                github.cell(f.rule),
                github.cell(f.message),
            ]
            for f in result.findings
        ]
        lines += github.summary_table(["severity", "where", "rule", "message"], rows)
    for note in result.notes:
        lines += [f"> {github.cell(note)}", ""]
    if result.fix and not result.passed:
        lines += ["**How to fix**", "", result.fix, ""]
    return lines


def section(result: GateResult) -> str:
    """One gate: a heading with its verdict, its findings, notes and how to fix."""
    heading = f"### trunkgate {github.cell(result.gate)}: {MARKS[verdict_word(result)]}"
    return "\n".join([heading, "", *_body(result)]) + "\n"


def collapsible(result: GateResult) -> str:
    """One gate of a run, folded unless it did not pass."""
    word = verdict_word(result)
    opened = " open" if word != "passed" else ""
    summary = f"<b>{github.cell(result.gate)}</b>: {MARKS[word]}, {counts(result)}"
    body = _body(result) or ["Nothing to report.", ""]
    return "\n".join(
        [f"<details{opened}><summary>{summary}</summary>", "", *body, "</details>", ""]
    )


def verdict_table(results: Sequence[GateResult]) -> list[str]:
    rows = []
    for r in results:
        found = "-" if r.error is not None else str(len(r.errors))
        seconds = f"{r.seconds:.2f} s" if r.seconds is not None else "-"
        rows.append([github.cell(r.gate), MARKS[verdict_word(r)], found, seconds])
    return github.summary_table(["gate", "verdict", "errors", "time"], rows)


def render(results: Sequence[GateResult], run: bool) -> str:
    if not run:
        return "".join(section(r) for r in results)
    word = "passed" if all(r.passed for r in results) else "failed"
    if any(r.error is not None for r in results):
        word = "error"
    lines = [f"### trunkgate run: {MARKS[word]}", "", *verdict_table(results)]
    return "\n".join(lines) + "\n" + "\n".join(collapsible(r) for r in results) + "\n"
