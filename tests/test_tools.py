"""What every tool gate shares: a missing tool is one line, exit 2, and how to install it."""

from __future__ import annotations

import sys

import pytest

from tests.support.cli import run_cli
from trunkgate import registry

# The gates that run a tool as a command. Coverage, secrets, api and audit import theirs as
# a library: their own tests cover a missing coverage.py, detect-secrets, griffe or
# pip-audit (tests/test_coverage_gate.py, tests/test_secrets.py, tests/test_api_gate.py,
# tests/test_audit.py). Performance's tool is a pytest plugin, run through the project's
# pytest: its own tests cover a missing plugin and a missing command
# (tests/test_performance.py).
LIBRARIES = ("coverage", "secrets", "api", "audit", "performance")
TOOL_GATES = [
    gate for gate in registry.GATES if gate.tool is not None and gate.name not in LIBRARIES
]


def test_there_are_tool_gates_to_check() -> None:
    assert TOOL_GATES


@pytest.mark.parametrize("gate", TOOL_GATES, ids=lambda gate: gate.name)
def test_a_missing_tool_is_a_usage_error_with_the_install_hint(
    gate: registry.Gate, repo, capsys, monkeypatch, tmp_path
) -> None:
    assert gate.tool is not None
    assert gate.command is not None
    # Something for every gate to check: a Python file, and a pinned dependency.
    repo.write("app.py", "import subprocess\n\nsubprocess.call('x', shell=True)\n")
    repo.write("requirements.txt", "requests==2.25.0\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    # Hide the tool: nothing next to the interpreter, nothing on PATH.
    monkeypatch.setattr(sys, "executable", str(empty / "python"))
    monkeypatch.setenv("PATH", str(empty))
    code = run_cli(gate.command, ["app.py", "requirements.txt"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert f"{gate.tool.name} is not installed" in err
    assert gate.tool.install in err
