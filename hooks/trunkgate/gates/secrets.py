"""Find secrets committed in the change with detect-secrets; never print one.

Files: the ones given (pre-commit passes the staged ones), every line of them; in CI (or
with `--base REF`), the files changed since the base, and of them only the lines the change
adds (`scope = "files"` reports every line of a changed file); `--all` scans the whole tree
(git's tracked and not-ignored files). Any kind of file: a key hides in `.env` or YAML as
well as in Python.

Plugins: detect-secrets' detectors that match a credential's own shape (AWS, GitHub,
GitLab, Slack, Stripe keys, private keys, JWTs ...) by default; its entropy and keyword
detectors, noisy on ordinary code, are left out unless the policy key `plugins` names them.
detect-secrets' own inline marker works: `# pragma: allowlist secret` on the line.

A secret's value appears in no output: not in the text, the JSON, the SARIF, the
annotations nor the step summary; findings say which detector matched, where. The baseline
(`baseline`, written by `--update-baseline`) holds the secrets a team accepted when it
adopted the gate (test fixtures, revoked keys); each entry is the detector, the path and a
hash of the value (the same fingerprint as the security gate's baseline, never the value),
so the file merges like any other and survives lines moving.
"""

from __future__ import annotations

import os

from trunkgate import flags, git, registry, report, tools
from trunkgate.baseline import (
    baseline_counts,
    fingerprint,
    make_document,
    read_baseline,
    split_baseline,
)
from trunkgate.baseline import update as update_baseline
from trunkgate.change import Change, Selection, relative

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from typing import Any

    from trunkgate.baseline import Document, Key
    from trunkgate.policies import SecretsPolicy

GATE = "secrets"
EXAMPLE = (
    "trunkgate secrets config/settings.yaml .env\n  trunkgate secrets --base origin/main\n"
    "  trunkgate secrets --all --update-baseline"
)
ARGS = (
    *tools.FILE_ARGS,
    flags.Arg(
        "--update-baseline",
        "accept the current findings: write them to the baseline file (default: whole tree)",
        kind="flag",
    ),
)
MAX_BYTES = 16 * 1024 * 1024  # a larger file is not scanned (a warning says so)
REDACTED = "[redacted]"
BASELINE_ABOUT = (
    "trunkgate secrets baseline: secrets accepted when the gate was adopted (fixtures, "
    "revoked keys); only new ones fail. Each entry is a detect-secrets detector, a path and "
    "a hash of the value (never the value), with how many times it occurs. Regenerate with: "
    "trunkgate secrets --update-baseline"
)
FIX = (
    "Take the secret out of the change and revoke it: once pushed, treat it as leaked (it "
    "stays in the history). Read it at run time from the environment or a secret store. A "
    "reviewed false positive can be marked on its line with `pragma: allowlist secret` in a "
    "comment. When adopting the gate, accept today's findings with "
    "`trunkgate secrets --update-baseline` and commit the baseline file."
)


class Secret:
    """One secret detect-secrets found: where, which detector, and its fingerprint. The
    value itself is kept only for redaction, and printed nowhere."""

    __slots__ = ("fingerprint", "kind", "line", "path", "plugin", "value")

    def __init__(self, plugin: str, kind: str, path: str, line: int | None, value: str) -> None:
        self.plugin = plugin
        self.kind = kind  # detect-secrets' name for it: "AWS Access Key"
        self.path = path
        self.line = line
        self.value = value
        self.fingerprint = fingerprint(plugin, path, value)

    def __repr__(self) -> str:  # no value: a repr can end up in a log
        return f"Secret({self.plugin} {self.path}:{self.line})"


# --------------------------------------------------------------------------- detect-secrets


def _detect_secrets() -> tuple[Any, Any, dict[str, str]]:
    """(detect_secrets.core.scan, transient_settings, {secret type: plugin class name})."""
    try:
        from detect_secrets.core import scan as ds_scan
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
        from detect_secrets.settings import transient_settings
    except ImportError:
        tool = registry.tool_of(GATE)
        raise report.UsageError(
            f"{tool.name} is not installed (the secrets gate imports it); install it with: "
            f"{tool.install}"
        ) from None
    mapping: dict[str, Any] = dict(get_mapping_from_secret_type_to_class())
    types = {str(kind): str(cls.__name__) for kind, cls in mapping.items()}
    return ds_scan, transient_settings, types


def check_plugins(plugins: Sequence[str], known: Iterable[str]) -> list[str]:
    """The policy's plugins, each one detect-secrets has; else a UsageError naming it."""
    names = sorted(known)
    if not plugins:
        raise report.UsageError(
            "[tool.trunkgate.secrets] plugins: expected at least one detect-secrets plugin "
            "(for example AWSKeyDetector)"
        )
    for name in plugins:
        if name not in names:
            from trunkgate.schema import did_you_mean

            raise report.UsageError(
                f'[tool.trunkgate.secrets] plugins: unknown plugin "{name}"'
                f"{did_you_mean(name, names)}; expected some of {', '.join(names)}"
            )
    return list(dict.fromkeys(plugins))


def scan_files(
    files: Sequence[str], root: str, plugins: Sequence[str]
) -> list[tuple[str, str, str, int | None, str]]:
    """(plugin, secret type, path, line, value) of each secret detect-secrets finds in the
    files (relative to root): its Python API, the given plugins and its default filters.
    Plain tuples: a worker process sends them back."""
    ds_scan, transient_settings, types = _detect_secrets()
    chosen = check_plugins(plugins, types.values())
    found = []
    config = {"plugins_used": [{"name": name} for name in chosen]}
    with transient_settings(config):
        for name in files:
            for item in ds_scan.scan_file(os.path.join(root, name)):
                kind, value = str(item.type), item.secret_value
                if value:
                    line = item.line_number if isinstance(item.line_number, int) else 0
                    found.append((types.get(kind, kind), kind, name, line or None, str(value)))
    return found


def scan(files: Sequence[str], root: str, plugins: Sequence[str]) -> list[Secret]:
    """The secrets in the files, sorted. In this process: a worker process would pay
    detect-secrets' import again, and forking one from `trunkgate run`'s threads is unsafe."""
    found = [Secret(*row) for row in scan_files(files, root, plugins)]
    found.sort(key=lambda s: (s.path, s.line or 0, s.plugin))
    return found


# --------------------------------------------------------------------------- findings


def redact(text: str, values: Iterable[str]) -> str:
    """The text with every secret value in it replaced (longest first)."""
    for value in sorted(set(values), key=len, reverse=True):
        if value:
            text = text.replace(value, REDACTED)
    return text


def finding(secret: Secret) -> report.Finding:
    return report.Finding(
        secret.plugin,
        f"{secret.kind}: a secret is committed here (its value is not shown)",
        file=secret.path,
        line=secret.line,
    )


def baseline_document(
    secrets: Iterable[Secret], keep: Iterable[dict[str, object]] = ()
) -> Document:
    """The baseline file's content: `keep` (entries of unscanned files) plus the secrets."""
    return make_document(_entries(secrets), keep, about=BASELINE_ABOUT)


def _entries(secrets: Iterable[Secret]) -> Iterator[tuple[Key, dict[str, object]]]:
    """Each secret's fingerprint and the fields its baseline entry records (never its value)."""
    for secret in secrets:
        yield secret.fingerprint, {"type": secret.kind}


def _sized(files: Sequence[str], root: str) -> tuple[list[str], list[report.Finding]]:
    """The files small enough to scan, and a warning for each one that is not."""
    kept, skipped = [], []
    for name in files:
        try:
            size = os.path.getsize(os.path.join(root, name))
        except OSError:
            size = 0
        if size > MAX_BYTES:
            skipped.append(
                report.Finding(
                    "not-scanned",
                    f"{size} bytes: larger than {MAX_BYTES // (1024 * 1024)} MiB, not scanned",
                    file=name,
                    severity=report.WARNING,
                    hint="a file this large is data; exclude it with the policy key exclude",
                )
            )
        else:
            kept.append(name)
    return kept, skipped


def _added(change: Change, files: Sequence[str], root: str) -> dict[str, set[int]]:
    """{path relative to root: lines the change adds} for the scanned files."""
    top = os.path.realpath(change.top)
    lines = change.changed_lines([os.path.join(root, f) for f in files])
    return {relative(os.path.join(top, name), root): numbers for name, numbers in lines.items()}


def _select(policy: SecretsPolicy, change: Change, update: bool) -> tuple[Selection, list[str]]:
    if update and not change.given and not change.explicit_base:
        chosen = Selection([], "scanned the whole tree", whole_tree=True)
    else:
        chosen = change.select(None, verb="scanned", noun="file")
    files = chosen.files
    if chosen.whole_tree:
        root = policy.root
        files = [f for f in git.ls_files(cwd=root) if os.path.isfile(os.path.join(root, f))]
        chosen.note += f": {report.plural(len(files), 'file')}"
    patterns: list[str] = policy.exclude
    baseline: str = policy.baseline
    # The baseline holds no value, only hashes; it is never scanned.
    kept = [f for f in files if not tools.is_excluded(f, patterns) and f != baseline]
    if len(kept) != len(files):
        chosen.note += f" ({len(files) - len(kept)} excluded by the policy)"
    # A symbolic link commits a path, not the content it points to (which may be the
    # runner's own files): it is not read.
    links = [f for f in kept if os.path.islink(os.path.join(policy.root, f))]
    if links:
        chosen.note += f" ({report.plural(len(links), 'symbolic link')} not followed)"
    return chosen, [f for f in kept if f not in links]


def gate(policy: SecretsPolicy, opts: flags.Options, change: Change) -> report.GateResult:
    root = policy.root
    update = bool(getattr(opts, "update_baseline", False))
    chosen, kept = _select(policy, change, update)
    notes = [chosen.note]
    baseline: str = policy.baseline
    baseline_path = policy.path(baseline) if baseline else None
    entries = read_baseline(baseline_path, baseline, gate=GATE) if baseline_path else None
    if not kept and not update:
        return report.GateResult(GATE, notes=notes)
    kept, too_large = _sized(kept, root)
    plugins: list[str] = policy.plugins
    secrets = scan(kept, root, plugins) if kept else []
    if update:
        return update_baseline(
            GATE,
            baseline_path,
            baseline,
            _entries(secrets),
            entries=entries,
            scanned=kept,
            whole_tree=chosen.whole_tree,
            about=BASELINE_ABOUT,
            noun="accepted secret",
            notes=notes,
        )
    scope: str = policy.scope
    by_lines = scope == "added-lines" and not change.given and not chosen.whole_tree
    outside = 0
    if by_lines and secrets:
        added = _added(change, kept, root)
        inside = [s for s in secrets if s.line is not None and s.line in added.get(s.path, ())]
        outside = len(secrets) - len(inside)
        secrets = inside
    new, matched, stale = split_baseline(secrets, baseline_counts(entries or []), kept)
    findings = too_large + [finding(s) for s in new]
    if by_lines:
        notes.append("only the lines the change adds count (scope added-lines)")
    if outside:
        notes.append(
            f"{report.plural(outside, 'secret')} on lines the change does not touch not shown "
            "(scan them with --all)"
        )
    if matched:
        notes.append(f"{report.plural(matched, 'secret')} accepted by the baseline {baseline}")
    if stale:
        entries_word = "entry no longer occurs" if stale == 1 else "entries no longer occur"
        notes.append(f"{stale} baseline {entries_word}; shrink the baseline with --update-baseline")
    # A value must not reach any output, whatever carried it there (a file name, a note).
    values = [s.value for s in new] + [s.value for s in secrets]
    for item in findings:
        item.message = redact(item.message, values)
        item.file = redact(item.file, values) if item.file else item.file
    notes = [redact(note, values) for note in notes]
    metrics: dict[str, object] = {"secrets": len(new), "baselined": matched}
    return report.GateResult(GATE, findings, notes=notes, fix=FIX, metrics=metrics)
