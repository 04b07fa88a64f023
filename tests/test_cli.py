from __future__ import annotations

import subprocess
import sys

import pytest

from trunkgate import __version__, cli


def test_version(capsys) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out == f"trunkgate {__version__}\n"


def test_help_lists_every_command(capsys) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name, _ in cli.commands():
        assert f"  {name} " in out


def test_no_command_is_a_usage_error(capsys) -> None:
    assert cli.main([]) == 2
    assert "usage: trunkgate <command>" in capsys.readouterr().err


def test_unknown_command_suggests_the_nearest(capsys) -> None:
    assert cli.main(["brnch"]) == 2
    assert capsys.readouterr().err == (
        'trunkgate: error: unknown command "brnch" (did you mean "branch"?); see trunkgate --help\n'
    )
    assert cli.main(["zzzzzz"]) == 2
    assert "did you mean" not in capsys.readouterr().err


def test_dispatch_runs_the_gate(repo, gate_cli) -> None:
    repo.commit("feat: start")
    repo.branch("feature/cli")
    code, out, err = gate_cli("branch")
    assert (code, err) == (0, "")
    assert "trunkgate branch: passed" in out


def test_a_crash_is_one_line_and_exit_2(repo, gate_cli, monkeypatch) -> None:
    # A gate that crashes on input (here: a payload that is a JSON object whose pull
    # request head is a list) must not look like a failed gate, nor print a traceback.
    repo.commit("feat: start")
    event = repo.path / "event.json"
    event.write_text('{"pull_request": {"head": {"ref": ["not", "a", "name"]}}}')
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    code, out, err = gate_cli("branch", "--format", "text")
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in out + err


@pytest.mark.parametrize("command", sorted(name for name, _ in cli.commands()))
def test_every_command_has_help_with_an_example(command: str, capsys) -> None:
    try:
        code = cli.main([command, "--help"])
    except SystemExit as exc:  # argparse's way of ending after --help
        code = exc.code
    assert code == 0
    out = capsys.readouterr().out
    assert f"usage: trunkgate {command}" in out
    assert "example:\n  trunkgate " in out


def test_python_dash_m(repo) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "trunkgate", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (0, f"trunkgate {__version__}\n")
