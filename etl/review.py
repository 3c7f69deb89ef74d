"""What needs a person: the build's steps run without publishing, and everything a curator should
look at listed - sources quarantined or rejected and why, assertion breaches, conflicts between an
article and a curated fact or between two articles, extracted facts of low confidence, and review
decisions that no longer apply (stale or unmatched)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from etl.build import merge
from etl.curate import curated_rows, read_reviews
from etl.engine import Engine, extract_all
from etl.layout import RAW_DIR, REFERENCE_DIR
from etl.package import screen
from etl.raw import read_raw
from etl.reference import load_reference
from etl.release import REVIEW_BELOW, check_assertions, resource_rows
from etl.specs import load_packages

KINDS = ("quarantined", "rejected", "assertion", "conflict", "low_confidence", "review")
TITLES = {
    "quarantined": "Sources quarantined (not published, the rest is)",
    "rejected": "Files rejected (unreadable, or no article)",
    "assertion": "Assertion breaches (reference/assertions.yml)",
    "conflict": "Conflicts between sources (the first statement, or the curated fact, is published)",
    "low_confidence": f"Extracted facts of low confidence (below {REVIEW_BELOW})",
    "review": "Review decisions that no longer apply",
}


@dataclass(frozen=True)
class Item:
    """One thing a person should look at: its kind, the source it is about, the table and fact,
    and what to look at."""

    kind: str
    source: str | None
    message: str
    table: str | None = None
    fact: str | None = None
    evidence: str | None = None


@dataclass
class Review:
    """Everything to look at, by kind."""

    items: list[Item] = field(default_factory=list)

    def of(self, kind: str) -> list[Item]:
        """The items of one kind."""
        return [i for i in self.items if i.kind == kind]

    def to_dicts(self) -> list[dict[str, Any]]:
        """The items as JSON-ready data."""
        return [asdict(i) for i in self.items]


def fact_key(row: dict[str, Any], keys: list[str]) -> str:
    """A row's primary key as column=value pairs (the form a decision's fact is written in)."""
    return "; ".join(f"{k}={row.get(k)}" for k in keys)


def review(raw_dir: Path = RAW_DIR, reference_dir: Path = REFERENCE_DIR) -> Review:
    """What the next build would publish with a person's look: every item to review."""
    reference = load_reference(reference_dir)
    packages = load_packages()
    raw = read_raw(raw_dir, reference.site)
    found = Review()
    found.items += [Item("rejected", None, f"{Path(e.path).name}: {e.reason}") for e in raw.rejected]
    extractions = extract_all(raw.sources, reference_dir, Engine())
    curated = curated_rows(reference.persons, reference.post_types, reference_dir / "curated")
    decisions = read_reviews(reference_dir / "reviews", packages)
    screened = screen(extractions, packages)
    quarantined = dict(screened.quarantined)
    tables, warnings = merge(packages, screened.extractions, reference, curated, decisions, quarantined)
    files = {s.id: s.file for s in raw.sources}
    found.items += [
        Item("quarantined", s, f"{files[s]}: {reason}") for s, reason in sorted(quarantined.items())
    ]
    for breach in check_assertions(reference.assertions, resource_rows(tables)):
        found.items += [Item("assertion", breach.source, f"{breach.level}: {breach}", breach.table)]
    for warning in warnings:
        if "stated differently by another source" in warning["message"]:
            found.items.append(
                Item("conflict", warning["source"], warning["message"], warning["field"].split(".")[0])
            )
        elif warning["field"].endswith(".review"):
            found.items.append(
                Item("review", warning["source"], warning["message"], warning["field"].split(".")[0])
            )
    specs = {r.name: r for p in packages for r in p.resources}
    for name, rows in sorted(resource_rows(tables).items()):
        spec = specs[name]
        for row in rows:
            confidence = row.get("confidence")
            if row.get("provenance") not in (None, "archived_text") or not isinstance(
                confidence, int | float
            ):
                continue
            if confidence < REVIEW_BELOW:
                evidence = row.get(spec.span["text"]) if spec.span else None
                found.items.append(
                    Item(
                        "low_confidence",
                        row.get("source") or row.get("article"),
                        f"confidence {confidence}",
                        name,
                        fact_key(row, spec.primary_key),
                        evidence,
                    )
                )
    return found


def render(found: Review) -> str:
    """The review as text: a section per kind, each item on a line, and how to decide."""
    lines: list[str] = []
    for kind in KINDS:
        items = found.of(kind)
        lines.append(f"{TITLES[kind]}: {len(items)}")
        for item in items:
            where = f"{item.table} [{item.fact}] " if item.fact else ""
            evidence = f" - {item.evidence!r}" if item.evidence else ""
            lines.append(f"  {item.source or '-'}: {where}{item.message}{evidence}")
    lines.append(
        "To decide on a fact, add a decision (accept, reject or correct, with who, when and why) to "
        "reference/reviews/*.yml; see README.md, Reviewing."
    )
    return "\n".join(lines) + "\n"
