"""A baseline: the findings a team accepted when it adopted a gate; only new ones count.

A finding's fingerprint is its rule id (`test_id`), its path relative to the project root
and a hash of the code it flags, whitespace-normalised: not its line number, so it survives
lines moving. Repeats are counted: a baseline that holds a fingerprint twice absorbs two
findings with it, in line order, and a third is new. The file is JSON, `{"about",
"version", "findings": [{"path", "test_id", "fingerprint", "count", ...}]}`, written whole
or not at all.

Nothing here knows which tool found what: a gate passes the fields it fingerprints, the
extra fields to keep in an entry and the file's `about` text. The security gate
(`gates.security`) imports this module; this module imports no gate.
"""

from __future__ import annotations

import os

from trunkgate import report

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Protocol, TypeAlias, TypedDict, TypeVar

    # (rule id, path relative to the project root, hash of the flagged code)
    Key: TypeAlias = tuple[str, str, str]

    class Document(TypedDict):
        """What a baseline file holds."""

        about: str
        version: int
        findings: list[dict[str, object]]

    class Fingerprinted(Protocol):
        """A finding a baseline can absorb: its fingerprint, and its line for the order."""

        @property
        def fingerprint(self) -> Key: ...

        @property
        def line(self) -> int | None: ...

    F = TypeVar("F", bound=Fingerprinted)

VERSION = 1


def normalise_code(text: str) -> str:
    """Code as a fingerprint sees it: every run of whitespace is one space."""
    return " ".join(text.split())


def code_hash(code: str) -> str:
    import hashlib

    return hashlib.sha256(normalise_code(code).encode("utf-8")).hexdigest()[:16]


def fingerprint(test_id: str, path: str, code: str) -> Key:
    """A finding's fingerprint: its rule id, its path and the hash of the code it flags."""
    return (test_id, path, code_hash(code))


def split_baseline(
    findings: Iterable[F], baseline: dict[Key, int], scanned: Iterable[str]
) -> tuple[list[F], int, int]:
    """(new findings, how many matched the baseline, baseline entries that no longer occur).

    Each fingerprint absorbs as many findings as the baseline counts, in line order; the
    rest are new. Stale entries are counted only for the scanned paths.
    """
    left = dict(baseline)
    new = []
    matched = 0
    order = sorted(findings, key=lambda f: (f.fingerprint[1], f.line or 0, f.fingerprint[0]))
    for finding in order:
        if left.get(finding.fingerprint, 0) > 0:
            left[finding.fingerprint] -= 1
            matched += 1
        else:
            new.append(finding)
    paths = set(scanned)
    stale = sum(n for (_, path, _), n in left.items() if path in paths)
    return new, matched, stale


def make_document(
    findings: Iterable[tuple[Key, Mapping[str, object]]],
    keep: Iterable[dict[str, object]] = (),
    *,
    about: str,
) -> Document:
    """A baseline file's content: `keep` (entries of unscanned files) plus the findings, each
    a fingerprint and the extra fields its entry records (a rule's name, a severity)."""
    entries: dict[Key, dict[str, object]] = {}
    for entry in keep:
        key = (str(entry["test_id"]), str(entry["path"]), str(entry["fingerprint"]))
        entries[key] = dict(entry)
    for key, extra in findings:
        test_id, path, digest = key
        entry = entries.setdefault(
            key,
            {"path": path, "test_id": test_id, **extra, "fingerprint": digest, "count": 0},
        )
        # A kept entry's count is an int (read_baseline checks), a new one's starts at 0.
        entry["count"] = int(entry["count"]) + 1  # type: ignore[call-overload]  # an int
    ordered = [entries[key] for key in sorted(entries, key=lambda k: (k[1], k[0], k[2]))]
    return {"about": about, "version": VERSION, "findings": ordered}


def _bad_baseline(shown: str, why: str, gate: str) -> report.UsageError:
    return report.UsageError(
        f"{shown}: not a trunkgate {gate} baseline ({why}); expected the JSON that "
        f"`trunkgate {gate} --update-baseline` writes"
    )


def read_baseline(
    path: str, shown: str | None = None, *, gate: str = "security"
) -> list[dict[str, object]] | None:
    """The entries of a baseline file, or None when there is no file. (`gate` is the gate
    whose baseline it is, as the errors name it.)"""
    import json

    shown = shown or path
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise report.UsageError(f"{shown}: cannot read the baseline ({exc.strerror})") from None
    except ValueError as exc:
        raise _bad_baseline(shown, f"invalid JSON: {exc}", gate) from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise _bad_baseline(shown, 'no "findings" list', gate)
    if data.get("version") != VERSION:
        raise _bad_baseline(shown, f"version {data.get('version')!r}, expected {VERSION}", gate)
    entries = []
    for index, entry in enumerate(data["findings"]):
        ok = (
            isinstance(entry, dict)
            and all(isinstance(entry.get(k), str) for k in ("path", "test_id", "fingerprint"))
            and isinstance(entry.get("count"), int)
            and not isinstance(entry.get("count"), bool)
            and entry["count"] > 0
        )
        if not ok:
            raise _bad_baseline(
                shown, f"findings[{index}] needs path, test_id, fingerprint and a count >= 1", gate
            )
        entries.append(entry)
    return entries


def baseline_counts(entries: Iterable[dict[str, object]]) -> dict[Key, int]:
    counts: dict[Key, int] = {}
    for entry in entries:
        key = (str(entry["test_id"]), str(entry["path"]), str(entry["fingerprint"]))
        # Every count is an int: read_baseline checks the file, make_document builds one.
        counts[key] = counts.get(key, 0) + int(entry["count"])  # type: ignore[call-overload]  # an int
    return counts


def update(
    gate: str,
    path: str | None,
    shown: str,
    found: Iterable[tuple[Key, Mapping[str, object]]],
    *,
    entries: Iterable[dict[str, object]] | None,
    scanned: Iterable[str],
    whole_tree: bool,
    about: str,
    noun: str,
    notes: list[str],
) -> report.GateResult:
    """`--update-baseline`: the baseline rewritten with this run's findings (each a
    fingerprint and its entry's extra fields). Entries of files this run did not scan stay;
    a whole-tree run replaces them all. `noun` counts the entries in the note."""
    if path is None:
        raise report.UsageError(
            "--update-baseline: the policy key baseline is empty; name the file to write"
        )
    seen = set(scanned)
    keep = [] if whole_tree else [e for e in entries or [] if e["path"] not in seen]
    document = make_document(found, keep, about=about)
    write_baseline(path, document)
    total = sum(baseline_counts(document["findings"]).values())
    notes.append(f"wrote {shown}: {report.plural(total, noun)}")
    return report.GateResult(gate, notes=notes, metrics={"baselined": total})


def write_baseline(path: str, document: Document) -> None:
    """Write the baseline whole or not at all (`files.write_atomic`)."""
    import json

    from trunkgate import files

    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    files.write_atomic(path, text)
