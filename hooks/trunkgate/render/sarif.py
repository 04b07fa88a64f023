"""SARIF 2.1.0, one run per gate (and so per tool), as GitHub code scanning takes it."""

from __future__ import annotations

import json

from trunkgate import registry
from trunkgate.report import ERROR, NOTE, WARNING, Finding, GateResult

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

HOME = "https://github.com/trunkgate/trunkgate"
_LEVEL = {ERROR: "error", WARNING: "warning", NOTE: "note"}


def _text(f: Finding) -> str:
    text = f"{f.where}: {f.message}" if f.where else f.message
    return f"{text}\n\n{f.hint}" if f.hint else text


def _rule(rid: str, findings: Sequence[Finding]) -> dict[str, object]:
    """A rule; GitHub code scanning ranks it by the highest `security-severity` (a score out
    of 10, as a string) that its findings carry."""
    rule: dict[str, object] = {"id": rid, "name": rid}
    scores = [
        float(str(f.properties["security-severity"]))
        for f in findings
        if f.rule == rid and f.properties and "security-severity" in f.properties
    ]
    if scores:
        rule["properties"] = {"security-severity": f"{max(scores):.1f}"}
    return rule


def _run(r: GateResult) -> dict[str, object]:
    from trunkgate import __version__

    declared = registry.BY_NAME.get(r.gate)
    tool = declared.tool if declared else None
    rule_ids = sorted({f.rule for f in r.findings})
    results = []
    for f in r.findings:
        item: dict[str, object] = {
            "ruleId": f.rule,
            "ruleIndex": rule_ids.index(f.rule),
            "level": _LEVEL[f.severity],
            "message": {"text": _text(f)},
        }
        if f.file is not None:
            physical: dict[str, object] = {"artifactLocation": {"uri": f.file}}
            if f.line is not None and f.line > 0:
                physical["region"] = {"startLine": f.line}
            item["locations"] = [{"physicalLocation": physical}]
        if f.properties:
            item["properties"] = f.properties
        results.append(item)
    invocation: dict[str, object] = {"executionSuccessful": r.error is None}
    if r.error:
        invocation["toolExecutionNotifications"] = [{"message": {"text": r.error}}]
    return {
        "tool": {
            "driver": {
                "name": f"trunkgate {r.gate}" + (f" ({tool.name})" if tool else ""),
                "version": __version__,
                "informationUri": tool.url if tool else HOME,
                "rules": [_rule(rid, r.findings) for rid in rule_ids],
            }
        },
        "automationDetails": {"id": f"trunkgate/{r.gate}/"},
        "results": results,
        "invocations": [invocation],
    }


def render(results: Sequence[GateResult], run: bool) -> str:
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [_run(r) for r in results],
    }
    from trunkgate.github import inert_json

    return inert_json(json.dumps(doc, indent=2)) + "\n"
