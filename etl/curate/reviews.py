"""Review decisions: what a curator decided about an extracted fact, kept as data in
reference/reviews/*.yml and applied by the build.

A decision names a fact by its table and primary key, and accepts it (published as it is,
`provenance: reviewed`), rejects it (not published) or corrects it (published with the values it
sets, `provenance: reviewed`), with who decided, when and why. It may quote the fact's evidence as
it then read: when the text now reads otherwise, the decision is stale and not applied, since it
was made on other words; when no fact has the key any more, it is unmatched. Both are reported, in
the build's warnings and in the reviews table, so that a curator looks again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import yaml

from etl.curate.publications import CuratedError
from etl.reference import load_yaml
from etl.specs import PackageSpec, ResourceSpec

Row = dict[str, Any]
DECISIONS = ("accept", "reject", "correct")
KEYS = ("id", "table", "fact", "decision", "set", "evidence", "by", "decided", "why")
REQUIRED = ("id", "table", "fact", "decision", "by", "decided", "why")
REVIEWED = "reviewed"


@dataclass(frozen=True)
class Decision:
    """One curator's decision about one fact."""

    id: str
    table: str
    fact: dict[str, str]
    decision: str
    values: dict[str, Any]
    evidence: str | None
    by: str
    decided: str
    why: str
    file: str


@dataclass
class Applied:
    """What applying the decisions did: the status of each, and the warnings of those not applied."""

    status: dict[str, str] = field(default_factory=dict)
    warnings: list[Row] = field(default_factory=list)


def text(value: Any) -> str:
    """A key value as the CSV files write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def reviewable(packages: tuple[PackageSpec, ...]) -> dict[str, ResourceSpec]:
    """The tables whose rows a decision may be about: those with a review field."""
    return {r.name: r for p in packages for r in p.resources if "review" in r.field_names}


def read_decision(
    entry: Any, where: str, tables: dict[str, ResourceSpec], file: str | None = None
) -> Decision:
    """One decision of a reviews file, checked; CuratedError naming the file and entry otherwise.
    File: how the published warnings name the reviews file (by default, as where does)."""
    if not isinstance(entry, dict):
        raise CuratedError(f"{where}: a decision is a mapping of {', '.join(REQUIRED)}")
    name = f"{where} ({entry.get('id')})" if entry.get("id") else where
    missing = [k for k in REQUIRED if entry.get(k) in (None, "")]
    if missing:
        raise CuratedError(f"{name}: lacks {', '.join(missing)}")
    unknown = sorted(set(entry) - set(KEYS))
    if unknown:
        raise CuratedError(f"{name}: unknown keys {', '.join(unknown)}")
    spec = tables.get(str(entry["table"]))
    if spec is None:
        raise CuratedError(
            f"{name}: table {entry['table']!r} takes no review (one of {', '.join(sorted(tables))})"
        )
    fact = entry["fact"]
    if not isinstance(fact, dict) or sorted(fact) != sorted(spec.primary_key):
        raise CuratedError(f"{name}: fact must give the key of {spec.name}: {', '.join(spec.primary_key)}")
    if entry["decision"] not in DECISIONS:
        raise CuratedError(f"{name}: decision {entry['decision']!r} is not one of {', '.join(DECISIONS)}")
    values = entry.get("set") or {}
    if (entry["decision"] == "correct") != bool(values):
        raise CuratedError(f"{name}: a correction sets values (set:), and only a correction does")
    wrong = sorted(set(values) - (set(spec.field_names) - set(spec.primary_key) - {"provenance", "review"}))
    if wrong:
        raise CuratedError(f"{name}: cannot set {', '.join(wrong)} of {spec.name}")
    if not isinstance(entry["decided"], dt.date):
        raise CuratedError(f"{name}: decided must be a day written YYYY-MM-DD")
    return Decision(
        id=str(entry["id"]),
        table=spec.name,
        fact={k: text(v) for k, v in fact.items()},
        decision=str(entry["decision"]),
        values=dict(values),
        evidence=str(entry["evidence"]) if entry.get("evidence") is not None else None,
        by=str(entry["by"]),
        decided=entry["decided"].isoformat(),
        why=" ".join(str(entry["why"]).split()),
        file=file or where.split(":")[0],
    )


def read_reviews(folder: Path, packages: tuple[PackageSpec, ...]) -> list[Decision]:
    """Every decision of reference/reviews/*.yml, in file and entry order, ids unique."""
    tables = reviewable(packages)
    decisions: list[Decision] = []
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        try:
            entries = load_yaml(path.read_text(encoding="utf-8")) or []
        except (OSError, yaml.YAMLError) as exc:
            raise CuratedError(f"{path}: {str(exc).splitlines()[0]}") from None
        if not isinstance(entries, list):
            raise CuratedError(f"{path}: a reviews file is a list of decisions")
        for number, entry in enumerate(entries, start=1):
            # named in what is published from the reference folder on, not by a path of the machine
            named = f"{folder.parent.name}/{folder.name}/{path.name}"
            decision = read_decision(entry, f"{path}: entry {number}", tables, named)
            if any(d.id == decision.id for d in decisions):
                raise CuratedError(f"{path}: entry {number}: id {decision.id!r} is used twice")
            decisions.append(decision)
    return decisions


def key_of(row: Row, spec: ResourceSpec) -> dict[str, str]:
    """A row's primary key, each value as the CSV files write it."""
    return {k: text(row.get(k)) for k in spec.primary_key}


def evidence_of(row: Row, spec: ResourceSpec) -> str | None:
    """The words a row's fact rests on (its span's text), when it has a span."""
    return None if spec.span is None else row.get(spec.span["text"])


@runtime_checkable
class Rewritable(Protocol):
    """Rows kept on disk (etl/curate/spill.py), which are replaced by rows written beside them."""

    def rewritten(self, rows: Iterable[Row]) -> Sequence[Row]: ...


def apply_reviews(
    tables: dict[str, list[Row]], specs: dict[str, ResourceSpec], decisions: Iterable[Decision]
) -> Applied:
    """Apply decisions to the rows of some tables (each key once), in one pass over each table:
    a table's rows are replaced by the reviewed rows (written beside them, for rows kept on disk);
    what became of each decision, and the warnings about those not applied in their order."""
    applied, noted = Applied(), list[tuple[int, Row]]()
    about: dict[str, dict[tuple[str, ...], list[tuple[int, Decision]]]] = {}
    for number, decision in enumerate(decisions):
        spec = specs.get(decision.table)
        if spec is not None and decision.table in tables:
            fact = tuple(decision.fact.get(k, "") for k in spec.primary_key)
            about.setdefault(decision.table, {}).setdefault(fact, []).append((number, decision))
    for table, by_fact in about.items():
        rows = reviewed(tables[table], specs[table], by_fact, applied.status, noted)
        before = tables[table]
        tables[table] = before.rewritten(rows) if isinstance(before, Rewritable) else list(rows)  # type: ignore[assignment]
        for stated in by_fact.values():
            for number, decision in stated:
                if decision.id not in applied.status:
                    applied.status[decision.id] = "unmatched"
                    source = decision.fact.get("source") or decision.fact.get("article")
                    message = "no fact has that key any more; not applied, look again"
                    noted.append((number, warning(source, decision, message)))
    applied.warnings = [w for _, w in sorted(noted, key=lambda n: n[0])]
    return applied


def reviewed(
    rows: Iterable[Row],
    spec: ResourceSpec,
    by_fact: dict[tuple[str, ...], list[tuple[int, Decision]]],
    status: dict[str, str],
    noted: list[tuple[int, Row]],
) -> Iterator[Row]:
    """The rows with the decisions about them applied, one after the other (a rejected row is not
    given, so a later decision about it is unmatched); each decision's status goes into status,
    and a warning for a stale one into noted, with the decision's number."""
    for row in rows:
        stated = by_fact.get(tuple(key_of(row, spec).values()))
        current: Row | None = row
        for number, decision in stated or ():
            if current is None:
                break
            now = evidence_of(current, spec)
            if decision.evidence is not None and now != decision.evidence:
                status[decision.id] = "stale"
                source = decision.fact.get("source") or decision.fact.get("article")
                message = (
                    f"the evidence now reads {now!r}, not {decision.evidence!r} as when it was decided; "
                    "not applied, look again"
                )
                noted.append((number, warning(source, decision, message, current)))
                continue
            status[decision.id] = "applied"
            if decision.decision == "reject":
                current = None
            else:
                current = {**current, **decision.values, "provenance": REVIEWED, "review": decision.id}
        if current is not None:
            yield current


def warning(source: str | None, decision: Decision, message: str, row: Row | None = None) -> Row:
    """A build warning about a decision not applied."""
    return {
        "source": source,
        "field": f"{decision.table}.review",
        "message": f"review {decision.id} ({decision.file}): {message}",
        "char_start": row.get("char_start") if row else None,
        "char_end": row.get("char_end") if row else None,
    }


def review_rows(decisions: Iterable[Decision], status: dict[str, str]) -> list[Row]:
    """The reviews table: every decision with its status."""
    return [
        {
            "id": d.id,
            "table_name": d.table,
            "fact": "; ".join(f"{k}={v}" for k, v in d.fact.items()),
            "decision": d.decision,
            "corrected": "; ".join(f"{k}={text(v)}" for k, v in d.values.items()) or None,
            "evidence": d.evidence,
            "reviewer": d.by,
            "decided": d.decided,
            "reason": d.why,
            "status": status.get(d.id, "unmatched"),
        }
        for d in decisions
    ]


def resum_totals(counts: list[Row], totals: list[Row]) -> list[Row]:
    """The totals with their parts and consistency recomputed after reviews changed counts: a
    derived total is the sum of its counts (gone with them), a stated one is compared with it."""
    sums: dict[tuple[Any, ...], int] = {}
    for row in counts:
        key = (row["source"], row["as_of"], row["typology"])
        sums[key] = sums.get(key, 0) + int(row["count"])
    kept = []
    for row in totals:
        parts = sums.get((row["source"], row["as_of"], row["typology"]))
        if row.get("parts_sum") is None:
            kept.append(row)
        elif row["total_kind"] == "derived":
            if parts is not None:
                kept.append({**row, "total": parts, "parts_sum": parts, "consistent": True})
        elif parts is None:
            kept.append({**row, "parts_sum": None, "consistent": None})
        else:
            kept.append({**row, "parts_sum": parts, "consistent": int(row["total"]) == parts})
    return kept
