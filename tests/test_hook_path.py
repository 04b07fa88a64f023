"""The hooks that run on every commit import only what they need: nobody has to remember.

Each hook runs in a fresh interpreter, the way its console script starts it, and the
modules it loaded beyond `python -c pass` are compared with the list below. A new import
on the hook path (a heavy library, `re`, `dataclasses`, another gate) fails this test.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import Repo
from trunkgate import registry

COMMON = {
    "__future__",
    "trunkgate",
    "trunkgate.cache",
    "trunkgate.change",
    "trunkgate.cli",
    "trunkgate.config",
    "trunkgate.context",
    "trunkgate.files",
    "trunkgate.flags",
    "trunkgate.gates",
    "trunkgate.git",
    "trunkgate.registry",
    "trunkgate.render",
    "trunkgate.render.text",
    "trunkgate.report",
    "trunkgate.schema",
}
HOOKS = {
    "branch": (["branch"], {"trunkgate.gates.branch"}),
    "commit-msg": (
        ["commit-msg", "msg.txt"],
        {
            "trunkgate.gates.commit_msg",
            "trunkgate.messages",
            "trunkgate.conventional",
            "trunkgate.files",
        },
    ),
    "changelog": (
        ["changelog"],
        {"trunkgate.gates.changelog", "trunkgate.changelog_rules", "trunkgate.keepachangelog"},
    ),
}
PROBE = (
    "import sys\n"
    "before = set(sys.modules)\n"
    "from trunkgate.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "sys.stdout.flush()\n"
    "loaded = sorted(set(sys.modules) - before)\n"
    "print(' '.join(loaded), file=sys.stderr)\n"
)


def test_every_hook_path_gate_is_listed() -> None:
    assert {g.command for g in registry.GATES if g.hook_path} == set(HOOKS)


@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_a_hook_loads_only_its_own_modules(repo: Repo, hook: str) -> None:
    repo.write("CHANGELOG.md", "# Changelog\n\n## [Unreleased]\n")
    repo.commit("chore: start")
    repo.branch("feature/x")
    repo.write("msg.txt", "feat: a message\n")
    argv, own = HOOKS[hook]
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "TRUNKGATE_NO_CACHE": "1", "HOME": str(repo.path)},
    )
    loaded = set(proc.stderr.splitlines()[-1].split())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    extra = loaded - COMMON - own
    assert extra == set(), f"{hook} loaded {sorted(extra)}"
