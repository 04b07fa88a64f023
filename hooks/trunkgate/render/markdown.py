"""The step summary: a section per gate, its findings as a table, valid CommonMark.

Every value that comes from a change goes through `github.cell` or `github.code`: it
cannot end its cell, its row or the table, and no HTML or Markdown in it renders.
"""

from __future__ import annotations

from trunkgate import github
from trunkgate.render.text import verdict_word
from trunkgate.report import GateResult

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

MARKS = {"passed": "✅ passed", "failed": "❌ failed", "error": "⚠️ error"}


def section(result: GateResult) -> str:
    lines = [f"### trunkgate {github.cell(result.gate)}: {MARKS[verdict_word(result)]}", ""]
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
        lines += ["<details><summary>How to fix</summary>", "", result.fix, "", "</details>", ""]
    return "\n".join(lines) + "\n"


def render(results: Sequence[GateResult], run: bool) -> str:
    return "".join(section(r) for r in results)
