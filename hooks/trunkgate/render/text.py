"""The text report: one gate's findings and verdict, or `run`'s table of gates."""

from __future__ import annotations

from trunkgate.report import ERROR, WARNING, Finding, GateResult, plural

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

_COLORS = {"passed": "32", "failed": "31;1", "error": "31;1"}


def paint(text: str, code: str, color: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if color else text


def verdict_word(result: GateResult) -> str:
    if result.error is not None:
        return "error"
    return "passed" if result.passed else "failed"


def verdict_line(result: GateResult, color: bool = False) -> str:
    word = verdict_word(result)
    painted = paint(word, _COLORS[word], color)
    if result.error is not None:
        return f"trunkgate {result.gate}: {painted}: {result.error}"
    errors = len(result.errors)
    warnings = sum(1 for f in result.findings if f.severity == WARNING)
    counts = [plural(errors, "error")] if errors else []
    if warnings:
        counts.append(plural(warnings, "warning"))
    tail = f" ({', '.join(counts)})" if counts else ""
    return f"trunkgate {result.gate}: {painted}{tail}"


def finding_line(finding: Finding, gate: str) -> str:
    where = finding.location(default=gate)
    sev = "" if finding.severity == ERROR else f"{finding.severity}: "
    return f"{where}: {finding.rule}: {sev}{finding.message}"


def gate_text(result: GateResult, color: bool = False) -> str:
    """One gate: a line per finding, the hints, how to fix, the notes, the verdict."""
    lines = [finding_line(f, result.gate) for f in result.findings]
    hints = list(dict.fromkeys(f.hint for f in result.findings if f.hint))
    if hints:
        lines += ["", *hints]
    if result.fix and not result.passed:
        lines += ["", result.fix]
    lines += result.notes
    lines.append(verdict_line(result, color))
    return "\n".join(lines)


def run_text(results: Sequence[GateResult], color: bool = False) -> str:
    """A summary table (gate, verdict, findings, time), then each gate's findings."""
    width = max([len("gate"), *(len(r.gate) for r in results)])
    lines = [f"{'gate':<{width}}  verdict  findings    time"]
    for r in results:
        word = verdict_word(r)
        painted = paint(f"{word:<7}", {"passed": "32", "failed": "31;1"}.get(word, "33"), color)
        seconds = f"{r.seconds:6.2f}s" if r.seconds is not None else "      -"
        lines.append(f"{r.gate:<{width}}  {painted}  {len(r.errors):>8}  {seconds}")
    for r in results:
        if r.findings or r.error:
            lines += ["", f"== {r.gate}"]
            lines.extend(finding_line(f, r.gate) for f in r.findings)
            if r.error:
                lines.append(f"{r.gate}: error: {r.error}")
    failed = [r.gate for r in results if not r.passed]
    lines.append("")
    if failed:
        lines.append(f"trunkgate run: {paint('failed', '31;1', color)} ({', '.join(failed)})")
    else:
        lines.append(f"trunkgate run: {paint('passed', '32', color)}")
    return "\n".join(lines)


def render(results: Sequence[GateResult], run: bool, color: bool = False) -> str:
    if run:
        return run_text(results, color)
    return "\n".join(gate_text(r, color) for r in results)
