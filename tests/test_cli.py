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


def test_dispatch_runs_the_gate(repo, capsys) -> None:
    repo.commit("feat: start")
    repo.branch("feature/cli")
    assert cli.main(["branch"]) == 0
    assert "trunkgate branch: passed" in capsys.readouterr().out


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
