"""The JSON report: one gate's object, or `run`'s `{"passed", "gates"}`."""

from __future__ import annotations

import json

from trunkgate.report import GateResult

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence


def render(results: Sequence[GateResult], run: bool) -> str:
    if run or len(results) != 1:
        doc: object = {
            "passed": all(r.passed for r in results),
            "gates": [r.as_dict() for r in results],
        }
    else:
        doc = results[0].as_dict()
    from trunkgate.github import inert_json

    return inert_json(json.dumps(doc, indent=2))
