"""`make demo`: trunkgate on a sample project, a broken change and its fixed twin.

Builds two scratch git repositories under ./demo from examples/project (committed on
main, its benchmarks run there for the baseline) plus one change on a branch
(examples/change-broken or examples/change-fixed), then runs every gate with
`trunkgate run` (its tests gate runs the project's tests under coverage, and the coverage
gate reads that run's data), and `trunkgate performance` against the base's benchmarks.
The broken change fails every gate with one finding of each kind; the fixed twin passes.
Vulnerabilities come from a local copy of public advisories, served on 127.0.0.1, so the
demo needs no network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEMO = ROOT / "demo"
BIN = Path(sys.executable).parent
TWINS = {
    # twin: (branch, commit message, expected exit code of `trunkgate run` and of
    # `trunkgate performance`)
    "broken": ("Shouting", "added shouting", 1),
    "fixed": ("feature/shouting", "feat: add shout() and announce()", 0),
}
# The base's benchmarks, as a CI job runs them at the base commit (pytest-benchmark).
BENCHMARKS = [sys.executable, "-m", "pytest", "benchmarks", "--benchmark-only", "-q"]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Demo Developer",
    "GIT_AUTHOR_EMAIL": "demo@example.com",
    "GIT_COMMITTER_NAME": "Demo Developer",
    "GIT_COMMITTER_EMAIL": "demo@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def sh(args: list[str], cwd: Path, env: dict[str, str], quiet: bool = False) -> None:
    err = subprocess.DEVNULL if quiet else None
    subprocess.run(args, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=err)


def build(twin: str, env: dict[str, str]) -> tuple[Path, Path]:
    """The twin's repository, and its baseline: the benchmarks of main, before the change."""
    branch, message, _ = TWINS[twin]
    repo = DEMO / twin
    baseline = DEMO / f"{twin}-base.json"
    shutil.copytree(HERE / "project", repo)
    sh(["git", "init", "-q", "-b", "main"], repo, env)
    sh(["git", "add", "-A"], repo, env)
    sh(["git", "commit", "-q", "--no-verify", "-m", "chore: start greeter"], repo, env)
    sh([*BENCHMARKS, "-p", "no:cacheprovider", f"--benchmark-json={baseline}"], repo, env, True)
    sh(["git", "checkout", "-q", "-b", branch], repo, env)
    shutil.copytree(HERE / f"change-{twin}", repo, dirs_exist_ok=True)
    sh(["git", "add", "-A"], repo, env)
    sh(["git", "commit", "-q", "--no-verify", "-m", message], repo, env)
    return repo, baseline


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from tests.support.osv_server import OSVServer

    if DEMO.exists():
        shutil.rmtree(DEMO)
    DEMO.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COV_", "COVERAGE_"))}
    env.update(GIT_ENV)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    verdicts = []
    with OSVServer(ROOT / "tests" / "data" / "osv") as osv:
        env["PIP_AUDIT_OSV_URL"] = osv.url
        for twin, (branch, message, expected) in TWINS.items():
            repo, baseline = build(twin, env)
            print(f"\n=== {twin} twin: branch {branch!r}, commit {message!r}\n", flush=True)
            for command in (["run"], ["performance", "--baseline", str(baseline)]):
                if command[0] != "run":
                    print(f"\n--- trunkgate {command[0]}\n", flush=True)
                code = subprocess.run(
                    [str(BIN / "trunkgate"), *command], cwd=repo, env=env, check=False
                ).returncode
                verdicts.append((twin, command[0], code, expected))
    print("\n=== verdicts")
    for twin, command, code, expected in verdicts:
        word = {0: "passed", 1: "failed", 2: "could not decide"}.get(code, f"exit {code}")
        mark = "as expected" if code == expected else "NOT as expected"
        print(f"{twin:>6} twin: trunkgate {command} {word} (exit {code}), {mark}")
    return 0 if all(code == expected for _, _, code, expected in verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
