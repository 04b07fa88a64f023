"""Results and their renderings: text, json, github (annotations, step summary, outputs).

Every gate returns a `GateResult`; this module is the only place that turns results into
output. It imports nothing heavy at module level: `json` loads only when asked for.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

PASS = 0  # the gate passed (or had nothing to check, and said so)
FAIL = 1  # the gate ran and found problems
USAGE = 2  # usage, configuration or input error: the gate could not decide

ERROR = "error"
WARNING = "warning"
NOTE = "note"
SEVERITIES = (ERROR, WARNING, NOTE)

FORMATS = ("text", "json", "github")


class UsageError(Exception):
    """Bad input: reported as one line on stderr and exit code 2."""


class Finding:
    """One problem: where it is, which rule, how bad, and what to do about it."""

    __slots__ = ("file", "hint", "line", "message", "rule", "severity")

    def __init__(
        self,
        rule: str,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        severity: str = ERROR,
        hint: str | None = None,
    ) -> None:
        self.rule = rule
        self.message = message
        self.file = file
        self.line = line
        self.severity = severity
        self.hint = hint

    def _key(self) -> tuple[object, ...]:
        return (self.file, self.line, self.rule, self.severity, self.message, self.hint)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Finding) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Finding({self.location()}: {self.rule}: {self.message!r}, {self.severity})"

    def location(self, default: str = "") -> str:
        if self.file is None:
            return default
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
        }


class GateResult:
    """What a gate concluded: its findings, notes for the reader, and figures for outputs."""

    __slots__ = ("findings", "fix", "gate", "metrics", "notes", "seconds")

    def __init__(
        self,
        gate: str,
        findings: Iterable[Finding] = (),
        *,
        notes: Iterable[str] = (),
        fix: str | None = None,
        metrics: dict[str, object] | None = None,
    ) -> None:
        self.gate = gate
        self.findings = list(findings)
        self.notes = list(notes)
        self.fix = fix
        self.metrics = dict(metrics or {})
        self.seconds: float | None = None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def passed(self) -> bool:
        return not self.errors

    @property
    def exit_code(self) -> int:
        return PASS if self.passed else FAIL

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "gate": self.gate,
            "passed": self.passed,
            "findings": [f.as_dict() for f in self.findings],
        }
        if self.notes:
            out["notes"] = self.notes
        if self.metrics:
            out["metrics"] = self.metrics
        return out


# --------------------------------------------------------------------------- text


def _use_color(stream: object) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TRUNKGATE_NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _paint(text: str, code: str, color: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if color else text


def verdict_line(result: GateResult, color: bool = False) -> str:
    errors = len(result.errors)
    warnings = sum(1 for f in result.findings if f.severity == WARNING)
    counts = []
    if errors:
        counts.append(f"{errors} error{'s' * (errors != 1)}")
    if warnings:
        counts.append(f"{warnings} warning{'s' * (warnings != 1)}")
    tail = f" ({', '.join(counts)})" if counts else ""
    if result.passed:
        return f"trunkgate {result.gate}: {_paint('passed', '32', color)}{tail}"
    return f"trunkgate {result.gate}: {_paint('failed', '31;1', color)}{tail}"


def finding_line(finding: Finding, gate: str) -> str:
    where = finding.location(default=gate)
    sev = "" if finding.severity == ERROR else f"{finding.severity}: "
    return f"{where}: {finding.rule}: {sev}{finding.message}"


def render_text(result: GateResult, color: bool = False) -> str:
    lines = [finding_line(f, result.gate) for f in result.findings]
    hints = [f.hint for f in result.findings if f.hint]
    unique_hints = list(dict.fromkeys(hints))
    if unique_hints:
        lines.append("")
        lines.extend(unique_hints)
    if result.fix and not result.passed:
        lines.append("")
        lines.append(result.fix)
    lines.extend(result.notes)
    lines.append(verdict_line(result, color))
    return "\n".join(lines)


# --------------------------------------------------------------------------- github


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


_LEVEL = {ERROR: "error", WARNING: "warning", NOTE: "notice"}


def annotation(finding: Finding, gate: str) -> str:
    props = []
    if finding.file is not None:
        props.append(f"file={_escape_property(finding.file)}")
        if finding.line is not None:
            props.append(f"line={finding.line}")
    props.append(f"title={_escape_property(f'trunkgate {gate}: {finding.rule}')}")
    message = finding.message if not finding.hint else f"{finding.message}\n\n{finding.hint}"
    return f"::{_LEVEL[finding.severity]} {','.join(props)}::{_escape_data(message)}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(result: GateResult) -> str:
    mark = "✅ passed" if result.passed else "❌ failed"
    lines = [f"### trunkgate {result.gate}: {mark}", ""]
    if result.findings:
        lines += ["| severity | where | rule | message |", "| --- | --- | --- | --- |"]
        for f in result.findings:
            where = f"`{_cell(f.location())}`" if f.file else ""
            lines.append(f"| {f.severity} | {where} | {_cell(f.rule)} | {_cell(f.message)} |")
        lines.append("")
    for note in result.notes:
        lines.append(f"> {_cell(note)}")
    if result.fix and not result.passed:
        lines += ["", "<details><summary>How to fix</summary>", "", result.fix, "", "</details>"]
    lines.append("")
    return "\n".join(lines)


def _append(path: str, text: str) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)


def github_outputs(result: GateResult, prefix: str = "") -> dict[str, str]:
    """The step outputs of one gate: passed, findings, and its figures."""
    out = {
        f"{prefix}passed": str(result.passed).lower(),
        f"{prefix}findings": str(len(result.errors)),
    }
    for key, value in result.metrics.items():
        out[f"{prefix}{key}"] = str(value)
    return out


def write_github_files(results: Sequence[GateResult]) -> None:
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        _append(summary, "".join(render_markdown(r) for r in results))
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        pairs: dict[str, str] = {}
        if len(results) == 1:
            pairs.update(github_outputs(results[0]))
        else:
            pairs["passed"] = str(all(r.passed for r in results)).lower()
            pairs["findings"] = str(sum(len(r.errors) for r in results))
            for r in results:
                pairs.update(github_outputs(r, prefix=f"{r.gate}-"))
        _append(output, "".join(f"{k}={v.replace(chr(10), ' ')}\n" for k, v in pairs.items()))


# --------------------------------------------------------------------------- emit


def emit(result: GateResult, fmt: str = "text", stream: object = None) -> int:
    """Print one gate's result in the format asked for; return its exit code."""
    out = stream if stream is not None else sys.stdout
    if fmt == "json":
        import json

        print(json.dumps(result.as_dict(), indent=2), file=out)  # type: ignore[call-overload]
    elif fmt == "github":
        for finding in result.findings:
            print(annotation(finding, result.gate), file=out)  # type: ignore[call-overload]
        for note in result.notes:
            print(note, file=out)  # type: ignore[call-overload]
        print(verdict_line(result), file=out)  # type: ignore[call-overload]
        write_github_files([result])
    else:
        print(render_text(result, _use_color(out)), file=out)  # type: ignore[call-overload]
    return result.exit_code


def entrypoint(prog: str):
    """Wrap a gate's `main` so that a UsageError becomes one stderr line and exit code 2."""

    def wrap(func):
        def main(argv: Sequence[str] | None = None) -> int:
            try:
                code: int = func(argv)
            except UsageError as exc:
                return usage_error(prog, str(exc))
            return code

        main.__doc__ = func.__doc__
        main.__name__ = func.__name__
        return main

    return wrap


def usage_error(prog: str, message: str) -> int:
    """One clear line on stderr; exit code 2."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        print(f"::error title={_escape_property(prog)}::{_escape_data(message)}")
    return USAGE
