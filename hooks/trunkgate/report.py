"""The results of the gates: findings, a gate's verdict, exit codes, and bad input.

Every gate returns a `GateResult`; `trunkgate.render` turns results into output (text, json,
github, sarif, the Markdown summary). A bad input anywhere is a `UsageError`: one line on
stderr and exit code 2.
"""

from __future__ import annotations

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
    """Bad input: reported as one line on stderr and exit code 2.

    `detail` holds what did not fit on the line (a tool's whole error output), shown under
    `--verbose`.
    """

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail


class Finding:
    """One problem: where it is, which rule, how bad, and what to do about it."""

    __slots__ = ("file", "hint", "line", "message", "rule", "score", "severity", "url", "where")

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
        url: str | None = None,
        score: float | None = None,
    ) -> None:
        self.rule = rule
        self.message = message
        self.file = file  # a path, relative to the project root
        self.line = line
        self.severity = severity
        self.hint = hint
        self.where = where  # a location that is not a file: a commit, a pull-request title
        self.url = url  # the rule's documentation, when the tool names it
        self.score = score  # a security finding's severity, 0.0 to 10.0 (CVSS-like)

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
        if self.url:
            out["url"] = self.url
        if self.score is not None:
            out["score"] = self.score
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


def plural(count: int, word: str, words: str | None = None) -> str:
    """`1 file`, `2 files`; `words` for an irregular plural."""
    return f"{count} {word if count == 1 else words or word + 's'}"


def exit_code_of(results: Sequence[GateResult]) -> int:
    """The worst of the gates' exit codes."""
    return max((r.exit_code for r in results), default=PASS)
