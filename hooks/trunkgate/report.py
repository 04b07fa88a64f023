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
RUN_FORMATS = (*FORMATS, "sarif")


class UsageError(Exception):
    """Bad input: reported as one line on stderr and exit code 2."""


class Finding:
    """One problem: where it is, which rule, how bad, and what to do about it."""

    __slots__ = ("file", "hint", "line", "message", "rule", "severity", "where")

    def __init__(
        self,
        rule: str,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        severity: str = ERROR,
        hint: str | None = None,
        where: str | None = None,
    ) -> None:
        self.rule = rule
        self.message = message
        self.file = file  # a path, relative to the project root
        self.line = line
        self.severity = severity
        self.hint = hint
        self.where = where  # a location that is not a file: a commit, a pull-request title

    def _key(self) -> tuple[object, ...]:
        return (self.file, self.line, self.rule, self.severity, self.message, self.hint, self.where)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Finding) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Finding({self.location()}: {self.rule}: {self.message!r}, {self.severity})"

    def location(self, default: str = "") -> str:
        if self.file is None:
            return self.where or default
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "file": self.file,
            "line": self.line,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
        }
        if self.where:
            out["where"] = self.where
        return out


class GateResult:
    """What a gate concluded: its findings, notes for the reader, and figures for outputs."""

    __slots__ = ("error", "findings", "fix", "gate", "metrics", "notes", "seconds")

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
        self.error: str | None = None  # set when the gate could not decide (exit code 2)

    @classmethod
    def failed_to_run(cls, gate: str, message: str) -> GateResult:
        result = cls(gate)
        result.error = message
        return result

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def passed(self) -> bool:
        return self.error is None and not self.errors

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return USAGE
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
        if self.error is not None:
            out["error"] = self.error
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
    if result.error is not None:
        return f"trunkgate {result.gate}: {_paint('error', '31;1', color)}: {result.error}"
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
    if finding.where:
        message = f"{finding.where}: {message}"
    return f"::{_LEVEL[finding.severity]} {','.join(props)}::{_escape_data(message)}"


def error_annotation(title: str, message: str) -> str:
    return f"::error title={_escape_property(title)}::{_escape_data(message)}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _verdict_word(result: GateResult) -> str:
    if result.error is not None:
        return "error"
    return "passed" if result.passed else "failed"


_MARKS = {"passed": "✅ passed", "failed": "❌ failed", "error": "⚠️ error"}


def render_markdown(result: GateResult) -> str:
    lines = [f"### trunkgate {result.gate}: {_MARKS[_verdict_word(result)]}", ""]
    if result.error is not None:
        lines += [f"> {_cell(result.error)}", ""]
    if result.findings:
        lines += ["| severity | where | rule | message |", "| --- | --- | --- | --- |"]
        for f in result.findings:
            where = f"`{_cell(f.location())}`" if f.file or f.where else ""
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


# --------------------------------------------------------------------------- several gates


def render_run_text(results: Sequence[GateResult], color: bool = False) -> str:
    """A summary table (gate, verdict, findings, time), then each gate's findings."""
    width = max([len("gate"), *(len(r.gate) for r in results)])
    lines = [f"{'gate':<{width}}  verdict  findings    time"]
    for r in results:
        word = _verdict_word(r)
        painted = _paint(f"{word:<7}", {"passed": "32", "failed": "31;1"}.get(word, "33"), color)
        seconds = f"{r.seconds:6.2f}s" if r.seconds is not None else "      -"
        lines.append(f"{r.gate:<{width}}  {painted}  {len(r.errors):>8}  {seconds}")
    for r in results:
        if r.findings or r.error:
            lines.append("")
            lines.append(f"== {r.gate}")
            lines.extend(finding_line(f, r.gate) for f in r.findings)
            if r.error:
                lines.append(f"{r.gate}: error: {r.error}")
    failed = [r.gate for r in results if not r.passed]
    lines.append("")
    if failed:
        lines.append(f"trunkgate run: {_paint('failed', '31;1', color)} ({', '.join(failed)})")
    else:
        lines.append(f"trunkgate run: {_paint('passed', '32', color)}")
    return "\n".join(lines)


TOOLS = {
    "lint": ("ruff", "https://docs.astral.sh/ruff/"),
    "security": ("bandit", "https://bandit.readthedocs.io/"),
    "audit": ("pip-audit", "https://github.com/pypa/pip-audit"),
    "coverage": ("coverage", "https://coverage.readthedocs.io/"),
}
_SARIF_LEVEL = {ERROR: "error", WARNING: "warning", NOTE: "note"}


def _sarif_text(f: Finding) -> str:
    text = f"{f.where}: {f.message}" if f.where else f.message
    return f"{text}\n\n{f.hint}" if f.hint else text


def render_sarif(results: Sequence[GateResult]) -> dict[str, object]:
    """SARIF 2.1.0 with one run per gate (and so per tool), as GitHub code scanning takes it."""
    from trunkgate import __version__

    runs = []
    for r in results:
        tool, uri = TOOLS.get(r.gate, ("trunkgate", "https://github.com/trunkgate/trunkgate"))
        rule_ids = sorted({f.rule for f in r.findings})
        sarif_results = []
        for f in r.findings:
            item: dict[str, object] = {
                "ruleId": f.rule,
                "ruleIndex": rule_ids.index(f.rule),
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": _sarif_text(f)},
            }
            if f.file is not None:
                physical: dict[str, object] = {"artifactLocation": {"uri": f.file}}
                if f.line is not None and f.line > 0:
                    physical["region"] = {"startLine": f.line}
                item["locations"] = [{"physicalLocation": physical}]
            sarif_results.append(item)
        runs.append(
            {
                "tool": {
                    "driver": {
                        "name": f"trunkgate {r.gate}"
                        + (f" ({tool})" if tool != "trunkgate" else ""),
                        "version": __version__,
                        "informationUri": uri,
                        "rules": [{"id": rid, "name": rid} for rid in rule_ids],
                    }
                },
                "automationDetails": {"id": f"trunkgate/{r.gate}/"},
                "results": sarif_results,
                "invocations": [
                    {
                        "executionSuccessful": r.error is None,
                        **(
                            {"toolExecutionNotifications": [{"message": {"text": r.error}}]}
                            if r.error
                            else {}
                        ),
                    }
                ],
            }
        )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": runs,
    }


def exit_code_of(results: Sequence[GateResult]) -> int:
    """The worst of the gates' exit codes."""
    return max((r.exit_code for r in results), default=PASS)


def emit_run(
    results: Sequence[GateResult], fmt: str = "text", sarif_path: str | None = None
) -> int:
    """Print several gates' results; optionally also write SARIF; return the worst exit code."""
    out = sys.stdout
    if sarif_path or fmt in ("json", "sarif"):
        import json

        if sarif_path:
            write_atomic(sarif_path, json.dumps(render_sarif(results), indent=2) + "\n")
        if fmt == "sarif":
            print(json.dumps(render_sarif(results), indent=2))
        elif fmt == "json":
            doc = {
                "passed": all(r.passed for r in results),
                "gates": [r.as_dict() for r in results],
            }
            print(json.dumps(doc, indent=2))
    if fmt == "github":
        for r in results:
            for finding in r.findings:
                print(annotation(finding, r.gate))
            if r.error:
                print(error_annotation(f"trunkgate {r.gate}", r.error))
        print(render_run_text(results))
        write_github_files(results)
    elif fmt == "text":
        print(render_run_text(results, _use_color(out)))
    return exit_code_of(results)


def write_atomic(path: str, text: str) -> None:
    """Write a whole file or nothing: a temporary file beside it, then a rename."""
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise UsageError(f"{path}: cannot write the file ({exc.strerror})") from None


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
        print(error_annotation(prog, message))
    return USAGE
