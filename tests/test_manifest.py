"""The manifest, the command line, the extras and the README agree with each other.

The README's policy, actions and workflows reference is generated: tests/test_reference.py.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

from trunkgate import cli, init, registry

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_hook_is_documented_and_prefixed() -> None:
    for hook in MANIFEST:
        assert hook["id"].startswith("trunkgate-")
        assert f"`{hook['id']}`" in README
        assert hook["minimum_pre_commit_version"] == "3.2.0"
        assert hook["language"] == "python"
        assert hook["description"].strip()


def test_every_entry_is_a_trunkgate_command() -> None:
    for hook in MANIFEST:
        program, command, *_ = hook["entry"].split()
        assert program == "trunkgate"
        assert command in [name for name, _ in cli.commands()]


def test_the_manifest_is_the_registry() -> None:
    """Every hook the registry declares is in the manifest with its entry and stages, and the
    manifest has no hook the registry does not declare."""
    declared = {hook.id: (gate, hook) for gate in registry.GATES for hook in gate.hooks}
    assert [h["id"] for h in MANIFEST] == list(declared)
    for entry in MANIFEST:
        gate, hook = declared[entry["id"]]
        command = gate.command or registry.gate(gate.module).command
        assert entry["entry"] == " ".join(["trunkgate", str(command), *hook.args]), entry["id"]
        assert tuple(entry.get("stages", ())) == hook.stages, entry["id"]
        # Given the change's files: pre-commit passes file names, and not a message file.
        given = entry.get("pass_filenames", True) and hook.stages != ("commit-msg",)
        assert hook.files == given, entry["id"]
        if gate.tool is not None:
            extra = PYPROJECT["project"]["optional-dependencies"][gate.tool.extra]
            assert entry["additional_dependencies"] == extra, entry["id"]


def test_every_action_folder_is_declared() -> None:
    """A gate with an action has its folder; every gate action folder belongs to a gate."""
    folders = {p.parent.name for p in (ROOT / "actions").glob("*/action.yml")}
    declared = {gate.action for gate in registry.GATES if gate.action}
    assert declared <= folders
    assert folders - declared == {"setup", "gates", "release-notes", "comment"}


def test_hooks_that_are_not_about_files_always_run() -> None:
    for hook in MANIFEST:
        if hook.get("pass_filenames") is False and "files" not in hook:
            assert hook["always_run"] is True, hook["id"]


def test_tool_pins_match_the_extras() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    pinned = {pin for name, pins in extras.items() if name != "all" for pin in pins}
    for hook in MANIFEST:
        for dep in hook.get("additional_dependencies", []):
            assert dep in pinned, (hook["id"], dep)


def test_readme_shows_what_init_writes() -> None:
    assert init.pre_commit_config() in README
    assert set(registry.HOOK_IDS) == {hook["id"] for hook in MANIFEST}
