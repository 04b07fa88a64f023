"""`make demo`: trunkgate on a sample project, a broken change and its fixed twin.

Builds two scratch git repositories under ./demo from examples/project (committed on
main) plus one change on a branch (examples/change-broken or examples/change-fixed),
runs the project's tests under coverage, then runs every gate with `trunkgate run`.
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
    # twin: (branch, commit message, expected exit code of `trunkgate run`)
    "broken": ("Shouting", "added shouting", 1),
    "fixed": ("feature/shouting", "feat: add shout() and announce()", 0),
}
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Demo Developer",
    "GIT_AUTHOR_EMAIL": "demo@example.com",
    "GIT_COMMITTER_NAME": "Demo Developer",
    "GIT_COMMITTER_EMAIL": "demo@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def sh(args: list[str], cwd: Path, env: dict[str, str]) -> None:
    subprocess.run(args, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)


def build(twin: str, env: dict[str, str]) -> Path:
    branch, message, _ = TWINS[twin]
    repo = DEMO / twin
    shutil.copytree(HERE / "project", repo)
    sh(["git", "init", "-q", "-b", "main"], repo, env)
    sh(["git", "add", "-A"], repo, env)
    sh(["git", "commit", "-q", "--no-verify", "-m", "chore: start greeter"], repo, env)
    sh(["git", "checkout", "-q", "-b", branch], repo, env)
    shutil.copytree(HERE / f"change-{twin}", repo, dirs_exist_ok=True)
    sh(["git", "add", "-A"], repo, env)
    sh(["git", "commit", "-q", "--no-verify", "-m", message], repo, env)
    # The project's own tests, under coverage, as its CI would run them.
    subprocess.run(
        [sys.executable, "-m", "coverage", "run", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=repo,
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return repo


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
            repo = build(twin, env)
            print(f"\n=== {twin} twin: branch {branch!r}, commit {message!r}\n", flush=True)
            code = subprocess.run(
                [str(BIN / "trunkgate"), "run"], cwd=repo, env=env, check=False
            ).returncode
            verdicts.append((twin, code, expected))
    print("\n=== verdicts")
    for twin, code, expected in verdicts:
        word = {0: "passed", 1: "failed", 2: "could not decide"}.get(code, f"exit {code}")
        mark = "as expected" if code == expected else "NOT as expected"
        print(f"{twin:>6} twin: trunkgate run {word} (exit {code}), {mark}")
    return 0 if all(code == expected for _, code, expected in verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
