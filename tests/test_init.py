from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import yaml

from tests.support.cli import run_cli
from trunkgate import config, init, registry, schema

ROOT = Path(__file__).resolve().parent.parent


def test_init_writes_hooks_workflows_and_the_policy(repo, capsys) -> None:
    repo.write("pyproject.toml", '[project]\nname = "x"\n')
    assert run_cli("init", []) == 0
    out = capsys.readouterr().out
    assert "wrote .pre-commit-config.yaml" in out
    hooks = yaml.safe_load((repo.path / ".pre-commit-config.yaml").read_text())
    assert hooks["default_install_hook_types"] == ["pre-commit", "commit-msg", "pre-push"]
    assert [h["id"] for h in hooks["repos"][0]["hooks"]] == list(registry.HOOK_IDS)
    for name in init.WORKFLOWS:
        written = (repo.path / ".github" / "workflows" / name).read_text()
        assert written == (ROOT / "workflows" / name).read_text()
    data = tomllib.loads((repo.path / "pyproject.toml").read_text())
    assert data["project"] == {"name": "x"}
    table = data["tool"]["trunkgate"]
    assert table["trunk"] == "main"
    assert table["branch"]["prefixes"] == schema.GATES["branch"]["prefixes"][1]
    # The written policy is valid, and spells out exactly the defaults.
    policy = config.resolve("coverage")
    assert policy.source.endswith("pyproject.toml")
    assert policy.fail_under == 90


def test_init_without_pyproject_writes_the_dotfile(repo) -> None:
    assert run_cli("init", []) == 0
    assert config.resolve("branch").source.endswith(".trunkgate.toml")
    assert "[branch]" in (repo.path / ".trunkgate.toml").read_text()


def test_init_refuses_to_overwrite_and_writes_nothing(repo, capsys) -> None:
    repo.write(".github/workflows/quality-gates.yml", "mine\n")
    assert run_cli("init", []) == 2
    err = capsys.readouterr().err
    assert ".github/workflows/quality-gates.yml exists; nothing was written" in err
    assert not (repo.path / ".pre-commit-config.yaml").exists()
    assert run_cli("init", ["--force"]) == 0
    assert (repo.path / ".github/workflows/quality-gates.yml").read_text() != "mine\n"


def test_init_leaves_an_existing_policy_alone(repo, capsys) -> None:
    text = '[project]\nname = "x"\n\n[tool.trunkgate]\ntrunk = "develop"\n'
    repo.write("pyproject.toml", text)
    assert run_cli("init", ["--force"]) == 0
    assert "already has [tool.trunkgate]" in capsys.readouterr().out
    assert (repo.path / "pyproject.toml").read_text() == text


def test_dry_run_writes_nothing(repo, capsys) -> None:
    assert run_cli("init", ["--dry-run"]) == 0
    assert "would write .trunkgate.toml" in capsys.readouterr().out
    assert list(repo.path.iterdir()) == [repo.path / ".git"]


def test_init_into_a_folder_that_does_not_exist(tmp_path, capsys) -> None:
    assert run_cli("init", [str(tmp_path / "nope")]) == 2
    assert "no such directory" in capsys.readouterr().err


@pytest.mark.parametrize("prefix", ["tool.trunkgate", ""])
def test_every_key_is_in_the_written_policy(prefix: str) -> None:
    text = init.policy_table(prefix)
    for table, keys in schema.GATES.items():
        for key in keys:
            assert f"{key} = " in text, (table, key)
