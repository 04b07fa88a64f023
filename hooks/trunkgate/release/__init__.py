"""Releases from Conventional Commits: `trunkgate release next`, `notes [VERSION]`, `cut VERSION`.

`next` prints the next version (without the tag prefix) on stdout, and why on stderr. It
starts from the highest release known (the release tags in the history of HEAD, those left
outside it after the last one, the changelog's newest release, the version files) and reads
the commits no release tag holds (merge commits are not read themselves; the commits they
merge are; with the policy's `paths`, only those that touch them). `feat` bumps the minor
version; `fix`, `perf` and `revert` the patch; a `!` or a `BREAKING CHANGE` (in a footer or,
with a warning, on any line after the header) the major (the minor while the major is 0,
unless the policy's `zero-major-breaking` says major). A `Revert "..."` commit cancels the
commit it reverts when both are in the range. Commits that are not Conventional stop it
(exit 2) unless `non-conventional` says patch or ignore. With nothing to release stdout
stays empty. `--pre rc` gives 1.3.0-rc.1, then rc.2 when that tag exists; pep440 and calver
versions follow their own rules (`trunkgate.versions.next_release`).

`notes` prints Markdown release notes: the changelog's section for the version when it has
one, else the commits (grouped: breaking changes, features, fixes, performance, reverts).

`cut` moves the changelog's Unreleased entries under `## [VERSION] - DATE` (a final release
rolls its pre-releases' sections up into it), updates the compare links, and with `--bump`
the version files and the `reference-files`. Every file is
prepared before any is replaced; on any error none is written; `--dry-run` shows the diff.

Exit codes: 0 done (or nothing to release), 2 bad input (nothing written).

This module holds the command: `main`, the subcommand table, `run_next`, `run_notes` and
`run_cut`. The work is in the package's modules, whose imports go one way (none imports this
one): `output` (PROG, the stderr lines, GitHub step outputs) and `classify` (the commits)
import none of the others, `files` (version and reference files, reading and writing) only
`output`, `plan` (tags, the next version) `classify`, `files` and `output`, and `notes` and
`cut` (the changelog cut) those below them.
"""

from __future__ import annotations

import os
import sys

from trunkgate import config, flags, git, github, report
from trunkgate.files import read_text, recover, write_all
from trunkgate.release.classify import Range
from trunkgate.release.cut import prepare_cut
from trunkgate.release.files import changelog_path, unified_diff
from trunkgate.release.notes import notes_range, render_notes, section_text
from trunkgate.release.output import PROG, say
from trunkgate.release.plan import (
    commits_since,
    explain,
    package_paths,
    plan_next,
    release_tags,
    version_arg,
)
from trunkgate.report import plural

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from trunkgate.policies import ReleasePolicy


def _json(doc: dict[str, object]) -> None:
    import json

    print(github.inert_json(json.dumps(doc, indent=2)))


def run_next(policy: ReleasePolicy, opts: flags.Options) -> int:
    pre: str | None = opts.pre
    fmt: str = opts.format
    tags = release_tags(policy)
    plan = plan_next(policy, tags, pre)
    for line in explain(plan, tags.prefix):
        say(line)
    if plan.blocked is not None:
        raise report.UsageError(plan.blocked)
    if fmt == "json":
        rng = plan.range
        _json(
            {
                "version": plan.version,
                "tag": plan.tag,
                "previous": plan.base,
                "previous_tag": plan.base_tag,
                "bump": plan.level,
                "unreachable_tags": plan.unreachable,
                "commits": [
                    {"sha": c.sha, "subject": c.msg.header, "bump": c.level}
                    for c in (rng.changes if rng else [])
                ],
            }
        )
        return report.PASS
    if plan.version is not None:
        print(plan.version)
    if fmt == "github":
        github.set_outputs(
            {
                "version": plan.version or "",
                "tag": plan.tag or "",
                "previous": plan.base or "",
                "bump": plan.level or "",
            }
        )
    return report.PASS


def run_notes(policy: ReleasePolicy, opts: flags.Options) -> int:
    from trunkgate import keepachangelog as kac

    asked: str | None = opts.version
    pre: str | None = opts.pre
    fmt: str = opts.format
    tags = release_tags(policy)
    prefix = tags.prefix
    version = version_arg(asked, policy) if asked else None
    path, shown = changelog_path(policy)
    doc = text = None
    if os.path.isfile(path):
        text = read_text(path, shown)
        doc = kac.parse(text)
    section = None
    if doc is not None:
        section = doc.section(version) if version else doc.unreleased
        if section is not None and not section.entries and not section.summary:
            section = None
    if version is None:
        plan = plan_next(policy, tags, pre)
        if plan.blocked is not None:
            raise report.UsageError(plan.blocked)
        version = plan.version
    notes: str
    if section is not None and text is not None:
        notes = section_text(text, section)
        say(f"{PROG} notes: from {shown}, section [{section.label}]")
    else:
        start, end = notes_range(tags, version)
        paths = package_paths(policy)
        rng = Range(commits_since(start, end, paths) if git.has_commits() else [])
        notes = render_notes(rng.changes)
        since = f"since {start}" if start else "from the first commit"
        say(f"{PROG} notes: from the commits {since} to {end} ({plural(rng.total, 'commit')})")
    if not notes:
        say(f"{PROG} notes: no notable changes to list")
    tag = f"{prefix}{version}" if version else ""
    if fmt == "json":
        _json({"version": version, "tag": tag or None, "notes": notes})
        return report.PASS
    sys.stdout.write(notes)
    if fmt == "github":
        github.set_outputs({"version": version or "", "tag": tag, "notes": notes})
        title = f"## {tag}\n\n" if tag else ""
        github.append_summary(f"{title}{notes or '_No notable changes._'}\n")
    return report.PASS


def run_cut(policy: ReleasePolicy, opts: flags.Options) -> int:
    for path in recover(policy.root):  # a cut that was killed half-way: finish it first
        say(f"{PROG} cut: finished the interrupted write of {os.path.relpath(path)}")
    edits, said = prepare_cut(policy, opts)
    dry_run: bool = opts.dry_run
    if dry_run:
        for edit in edits:
            sys.stdout.write(unified_diff(edit.shown, edit.old, edit.new))
        say(f"{PROG} cut: dry run, nothing written; it would change:")
    else:
        write_all([(e.path, e.shown, e.new) for e in edits])
        say(f"{PROG} cut: done:")
    for line in said:
        say(line)
    return report.PASS


# --------------------------------------------------------------------------- entry point

NEXT_ARGS = (
    flags.Arg(
        "--pre",
        "a pre-release: 1.3.0-NAME.1, then .2 when that tag exists (NAME: rc, beta, ...)",
        metavar="NAME",
    ),
)
NOTES_ARGS = (
    flags.Arg(
        "version",
        "the version (default: the next one); its changelog section, else its commits",
        kind="pos?",
        metavar="VERSION",
    ),
    flags.Arg(
        "--pre",
        "without VERSION: the notes of the next pre-release NAME (the version output)",
        metavar="NAME",
    ),
)
CUT_ARGS = (
    flags.Arg("version", "the version to release", kind="pos", metavar="VERSION"),
    flags.Arg("--date", "the release date (default: today)", metavar="YYYY-MM-DD"),
    flags.Arg(
        "--from-commits",
        "add entries for the commits since the last release to Unreleased first",
        kind="flag",
    ),
    flags.Arg(
        "--bump",
        "also set the version in the policy's version-file",
        kind="flag",
    ),
    flags.Arg("--dry-run", "show the changes as a unified diff; write nothing", kind="flag"),
)
SUBCOMMANDS: dict[
    str, tuple[tuple[flags.Arg, ...], str, str, Callable[[config.Policy, flags.Options], int]]
] = {
    "next": (
        NEXT_ARGS,
        "Print the next version (without the tag prefix) from the Conventional Commits since "
        "the last release tag; the reasoning goes to stderr. Nothing to release: no output.",
        "trunkgate release next --pre rc",
        run_next,
    ),
    "notes": (
        NOTES_ARGS,
        "Print Markdown release notes for a version: its changelog section when it has one, "
        "else its commits grouped by kind. --format github also sets the step outputs "
        "version, tag and notes and writes the step summary.",
        "trunkgate release notes 1.3.0",
        run_notes,
    ),
    "cut": (
        CUT_ARGS,
        "Move the changelog's Unreleased entries under ## [VERSION] - DATE and update the "
        "compare links, and the references in the policy's reference-files; with --bump "
        "also the version in its version-file.",
        "trunkgate release cut 1.3.0 --bump --dry-run",
        run_cut,
    ),
}


def usage() -> str:
    return "\n".join(
        [
            "usage: trunkgate release {next,notes,cut} [options]",
            "",
            "  next           the next version from the commits since the last release tag",
            "  notes [VER]    Markdown release notes (changelog section, else the commits)",
            "  cut VERSION    move the Unreleased entries into a release section",
            "",
            "trunkgate release <command> --help for its options",
            "",
            "example:",
            "  trunkgate release next && trunkgate release cut 1.3.0 --bump --dry-run",
            "",
            "exit codes: 0 done (or nothing to release), 2 usage or input error",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """`trunkgate release next|notes|cut`."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(usage(), file=sys.stdout if args else sys.stderr)
        return report.PASS if args else report.USAGE
    name, rest = args[0], args[1:]
    if name not in SUBCOMMANDS:
        import difflib

        close = difflib.get_close_matches(name, list(SUBCOMMANDS), n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        raise report.UsageError(f'unknown command "{name}"{hint}; expected next, notes or cut')
    args_of, description, example, run = SUBCOMMANDS[name]
    opts, policy = flags.parse_args(
        f"{PROG} {name}", "release", rest, args_of, description, example
    )
    code: int = run(policy, opts)
    return code
