"""SARIF 2.1.0, one run per gate (and so per tool), as GitHub code scanning takes it.

What GitHub's upload asks beyond the schema, and how each is met:

- every result has a location: a finding with no file of its own (a branch name, a commit,
  a pull-request title, a total) points at the line of the policy file that governs it
  (the gate's table, else `[tool.trunkgate]`, else line 1);
- URIs are relative to the repository root, so a monorepo package's alerts land on its
  files, and `automationDetails.id` names the gate and the package, so two packages' runs
  do not replace each other's alerts;
- each rule has a short and a full description, help and a help URI, and the rules of the
  security gates carry `security-severity`;
- `partialFingerprints` hash the rule, the file and the flagged line's code (not its
  number), so a finding that moves is the same alert, and repeats are told apart by their
  order.
"""

from __future__ import annotations

import json

from trunkgate import registry
from trunkgate.report import ERROR, NOTE, WARNING, Finding, GateResult

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from trunkgate.render import Where

HOME = "https://github.com/trunkgate/trunkgate"
FINGERPRINT = "trunkgate/v1"
_LEVEL = {ERROR: "error", WARNING: "warning", NOTE: "note"}
# A security finding with no score of its own, by its level (GitHub: 7.0 and up is high).
_SCORE = {ERROR: 7.0, WARNING: 4.0, NOTE: 1.0}
_SOURCE_LIMIT = 4 * 1024 * 1024  # a larger source file is fingerprinted without its code


def _text(f: Finding) -> str:
    text = f"{f.where}: {f.message}" if f.where else f.message
    return f"{text}\n\n{f.hint}" if f.hint else text


class _Sources:
    """The lines of the files findings point at, each file read once (none if unreadable)."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._lines: dict[str, list[str]] = {}

    def lines(self, path: str) -> list[str]:
        """The lines of `path` (relative to the project root, or absolute)."""
        if path not in self._lines:
            import os

            from trunkgate.files import read_text
            from trunkgate.report import UsageError

            try:
                text = read_text(os.path.join(self.root, path), path, _SOURCE_LIMIT)
            except (UsageError, OSError):
                text = ""
            self._lines[path] = text.splitlines()
        return self._lines[path]

    def line(self, path: str, number: int | None) -> str:
        lines = self.lines(path)
        return lines[number - 1] if number and 0 < number <= len(lines) else ""


def _anchor(sources: _Sources, policy: str, table: str | None) -> int:
    """The policy file's line for a gate's table: `[tool.trunkgate.<table>]` (or `[<table>]`
    in `.trunkgate.toml`), else `[tool.trunkgate]`, else 1."""
    lines = ["".join(line.split("#", 1)[0].split()) for line in sources.lines(policy)]
    wanted = [f"[tool.trunkgate.{table}]", f"[{table}]"] if table else []
    for heading in [*wanted, "[tool.trunkgate]"]:
        if heading in lines:
            return lines.index(heading) + 1
    return 1


def _rule(rule: str, gate: str, found: Sequence[Finding], run: GateResult) -> dict[str, object]:
    declared = registry.BY_NAME.get(gate)
    tool = declared.tool if declared else None
    summary = declared.summary if declared else gate
    hint = next((f.hint for f in found if f.hint), None) or run.fix or summary
    url = next((f.url for f in found if f.url), None) or (tool.url if tool else HOME)
    short = f"{gate}: {rule}"
    full = f"trunkgate {gate} ({summary}): rule {rule}" + (f", from {tool.name}" if tool else "")
    descriptor: dict[str, object] = {
        "id": rule,
        "name": rule,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": hint},
        "helpUri": url,
        "properties": {"tags": ["trunkgate", gate]},
    }
    if declared is not None and declared.security:
        scores = [f.score if f.score is not None else _SCORE[f.severity] for f in found]
        properties: dict[str, object] = {
            "tags": list(dict.fromkeys(["trunkgate", gate, "security"])),
            "security-severity": f"{max(scores):.1f}",
        }
        descriptor["properties"] = properties
    return descriptor


def _fingerprint(rule: str, uri: str, code: str, seen: dict[tuple[str, ...], int]) -> str:
    import hashlib

    from trunkgate.baseline import normalise_code

    key = (rule, uri, normalise_code(code))
    seen[key] = seen.get(key, 0) + 1
    text = "\0".join([*key, str(seen[key])])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _run(r: GateResult, where: Where, sources: _Sources) -> dict[str, object]:
    from trunkgate import __version__

    declared = registry.BY_NAME.get(r.gate)
    tool = declared.tool if declared else None
    table = declared.table if declared else None
    rule_ids = sorted({f.rule for f in r.findings})
    seen: dict[tuple[str, ...], int] = {}
    results = []
    ordered = sorted(r.findings, key=lambda f: (f.file or "", f.line or 0))
    for f in ordered:
        if f.file is not None:
            uri = where.path(f.file)
            line = f.line if f.line is not None and f.line > 0 else None
            code = sources.line(f.file, line)
        else:
            uri = where.policy
            line = _anchor(sources, where.policy_file, table)
            code = f"{f.where or ''}\0{f.message}"
        physical: dict[str, object] = {"artifactLocation": {"uri": uri}}
        if line is not None:
            physical["region"] = {"startLine": line}
        results.append(
            {
                "ruleId": f.rule,
                "ruleIndex": rule_ids.index(f.rule),
                "level": _LEVEL[f.severity],
                "message": {"text": _text(f)},
                "locations": [{"physicalLocation": physical}],
                "partialFingerprints": {FINGERPRINT: _fingerprint(f.rule, uri, code, seen)},
            }
        )
    invocation: dict[str, object] = {"executionSuccessful": r.error is None}
    if r.error:
        invocation["toolExecutionNotifications"] = [{"message": {"text": r.error}}]
    rules = [_rule(rid, r.gate, [f for f in r.findings if f.rule == rid], r) for rid in rule_ids]
    return {
        "tool": {
            "driver": {
                "name": f"trunkgate {r.gate}" + (f" ({tool.name})" if tool else ""),
                "version": __version__,
                "informationUri": tool.url if tool else HOME,
                "rules": rules,
            }
        },
        "automationDetails": {"id": f"trunkgate/{r.gate}/{where.prefix}"},
        "results": results,
        "invocations": [invocation],
    }


def render(results: Sequence[GateResult], run: bool, where: Where | None = None) -> str:
    from trunkgate.github import inert_json
    from trunkgate.render import Where

    where = where or Where()
    sources = _Sources(where.root)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [_run(r, where, sources) for r in results],
    }
    return inert_json(json.dumps(doc, indent=2)) + "\n"
