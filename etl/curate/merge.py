"""The facts of many sources merged into the rows of each package: one row per key, in key order,
with every source a package's rows cite."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from etl.apart import alongside, halves
from etl.curate.coverage import covered, link_posts
from etl.curate.periods import bounds, with_periods
from etl.curate.reconcile import reconciled
from etl.curate.reviews import Decision, apply_reviews, resum_totals, review_rows
from etl.reference import Reference
from etl.specs import PackageSpec, ResourceSpec

Row = dict[str, Any]
EXTRACTED = {
    "articles": "article",
    "paragraphs": "paragraphs",
    "quotes": "quotes",
    "persons": "persons",
    "person_roles": "person_roles",
    "events": "events",
    "event_participant_groups": "event_participant_groups",
    "event_themes": "event_themes",
    "event_speakers": "event_speakers",
    "post_counts": "post_counts",
    "post_totals": "post_totals",
    "post_types": "post_types",
    "network_changes": "network_changes",
}
CITING_COLUMNS = ("source", "article", "from_source", "to_source")
# Where rows made from the merged ones are kept: a list, or rows on disk (etl/curate/spill.py).
Store = Callable[[Iterable[Row]], Sequence[Row]]
# An article's change is the curated one when it is the same change of the same city and country,
# announced so many days apart at most.
SAME_CHANGE = ("change", "country", "city")
SAME_CHANGE_DAYS = 365


def sort_key(row: Row, keys: list[str]) -> tuple[Any, ...]:
    """A key that sorts rows by primary key, with empty values first."""
    found = []
    for k in keys:  # (a loop: a generator of this, run for every row merged, took 2-3 times as long)
        value = row.get(k)
        found.append((False, "") if value is None else (True, value))
    return tuple(found)


def merged(rows: Sequence[Row]) -> bool:
    """Whether rows are a merged table already (rows kept on disk found in key order), which
    deduplicating would leave as it is."""
    return bool(getattr(rows, "ordered", False)) and not isinstance(rows, list)


@runtime_checkable
class Unmerged(Protocol):
    """Rows kept on disk that merge there (etl/curate/spill.py): deduplicated as deduplicate does,
    into rows on disk in key order."""

    def deduplicated(
        self, spec: ResourceSpec, warnings: list[Row], conflicts: dict[str, str] | None
    ) -> Sequence[Row]: ...

    def merged_with_notes(
        self, spec: ResourceSpec, conflicts: bool
    ) -> tuple[Sequence[Row], list[tuple[str, str] | Row]]: ...

    def stored_bytes(self) -> int: ...

    def where(self, keep: Callable[[Row], bool]) -> Unmerged: ...

    def plus(self, rows: list[Row]) -> Unmerged: ...


def post_type_rows(reference: Reference) -> list[Row]:
    """The post_types rows from reference/post_types.yml."""
    return [
        {
            "code": t["code"],
            "typology": t["typology"],
            "label_en": t["labels"]["en"],
            "label_nl": t["labels"]["nl"],
            "label_fr": t["labels"]["fr"],
            "definition": t["definition"],
        }
        for t in reference.post_types
    ]


def collect(
    extractions: list[dict[str, Any]],
    curated: dict[str, list[Row]],
    reference: Reference,
    spilled: Mapping[str, Sequence[Row]] | None = None,
    store: Store = list,
) -> dict[str, list[Row]]:
    """Every row of every source, extracted first, then curated, by resource name, before merging
    (the rows of the resources kept on disk read from there, and the derived tables put where
    store puts them)."""
    rows: dict[str, list[Row]] = defaultdict(list)
    for extraction in extractions:
        if spilled is None or "sources" not in spilled:
            rows["sources"].append(extraction["source"])
        for resource, key in EXTRACTED.items():
            if spilled is not None and resource in spilled:
                continue
            found = extraction[key]
            rows[resource].extend(found if isinstance(found, list) else [found])
    for resource, on_disk in (spilled or {}).items():
        # in key order, each key once: the merged table as it is; else merged on disk with the
        # curated rows (or, read in already, in memory)
        if merged(on_disk) and not curated.get(resource):
            rows[resource] = on_disk  # type: ignore[assignment]
        elif isinstance(on_disk, Unmerged):
            rows[resource] = on_disk.plus(curated.get(resource, []))  # type: ignore[assignment]
        else:
            rows[resource] = list(on_disk)
    for resource, found in curated.items():
        if not isinstance(rows[resource], Unmerged):
            rows[resource].extend(found)
    # The lexicon's types first, then those an article named that it does not know (deduplicated
    # by code, the lexicon's kept).
    rows["post_types"] = [*post_type_rows(reference), *rows["post_types"]]
    rows["network_changes"] = link_posts(rows["network_changes"], rows["posts"])
    # the derived tables, as large as the counts, are put on disk (by store) as they are made
    rows["network_reconciliation"] = store(
        reconciled(rows["post_counts"], rows["network_changes"], rows["posts"])
    )  # type: ignore[assignment]
    rows["network_coverage"] = store(covered(rows["posts"], rows["post_counts"]))  # type: ignore[assignment]
    return rows


CURATED = "publication"
# The resources assemble does not deduplicate with conflicts: made from the others' rows.
UNCONTRADICTED = ("sources", "persons", "reviews")
# From about so many bytes of rows on disk to merge, the tables are merged in two processes.
APART_BYTES = 4 * 2**20
# A merged table with what its differing duplicates call for (see duplicate), in the order to note.
Premerged = tuple[Sequence[Row], list[tuple[str, str] | Row]]


def contradicts(spec: ResourceSpec, kept: Row, row: Row) -> bool:
    """Whether an article's row says otherwise than the curated row of the same key, in the fields
    the resource names (both given, and different)."""
    if kept.get("provenance") != CURATED or row.get("provenance") != "archived_text":
        return False
    return any(
        kept.get(f) is not None and row.get(f) is not None and kept.get(f) != row.get(f)
        for f in spec.contradiction
    )


def change_key(row: Row) -> tuple[str, ...]:
    """What two network_changes rows stating one change have the same: their kind, country and
    city (as written, folded); they are one change when announced together too."""
    from etl.curate.gazetteer import fold

    return tuple(fold(str(row.get(k))) for k in SAME_CHANGE)


def announced_together(kept: Row, row: Row) -> bool:
    """Whether two changes were announced within SAME_CHANGE_DAYS of each other."""
    apart = abs(
        (dt.date.fromisoformat(str(kept["announced"])) - dt.date.fromisoformat(str(row["announced"]))).days
    )
    return apart <= SAME_CHANGE_DAYS


def disjoint(first: str | None, second: str | None) -> bool:
    """Whether two effective dates (at any precision) name periods that do not overlap."""
    a, b = bounds(first), bounds(second)
    return a is not None and b is not None and (a[1] < b[0] or b[1] < a[0])


def restated(spec: ResourceSpec, rows: list[Row], conflicts: dict[str, str] | None) -> list[Row]:
    """The changes without an article's restatement of a curated change (the curated row kept); an
    article that gives it another type (the resource's contradiction fields) or an effective date
    outside the curated one is named in conflicts, to be quarantined."""
    curated: dict[tuple[str, ...], list[Row]] = {}  # (by change_key, in their order: the first kept)
    for r in rows:
        if r.get("provenance") == CURATED:
            curated.setdefault(change_key(r), []).append(r)
    kept = []
    for row in rows:
        candidates = curated.get(change_key(row), []) if row.get("provenance") != CURATED else []
        same = next((c for c in candidates if announced_together(c, row)), None)
        if same is None:
            kept.append(row)
            continue
        if conflicts is not None and (
            contradicts(spec, same, row) or disjoint(same.get("effective"), row.get("effective"))
        ):
            fields = [*spec.contradiction, "effective"]
            given = ", ".join(f"{f} {row.get(f)}" for f in fields)
            stated = ", ".join(f"{f} {same.get(f)}" for f in fields)
            conflicts.setdefault(
                str(row["source"]),
                f"its {spec.name} row {row['change']}/{row['city']} gives {given}, but the curated fact "
                f"({same['source']}) gives {stated}; the curated fact wins",
            )
    return kept


def unlinked(rows: list[Row]) -> list[Row]:
    """Warnings for the changes extracted from articles that no curated post matches."""
    return [
        {
            "source": r["source"],
            "field": "network_changes.post",
            "message": f"{r['change']} of {r.get('post_type') or 'a post'} in {r['city']} ({r['country']}): "
            "no post of reference/posts/posts.yml matches (or several do); post left empty",
            "char_start": r.get("char_start"),
            "char_end": r.get("char_end"),
        }
        for r in rows
        if r.get("provenance") == "archived_text" and not r.get("post")
    ]


def duplicate(spec: ResourceSpec, kept: Row, row: Row, conflicts: bool) -> tuple[str, str] | Row | None:
    """What a row stating a key already kept calls for: (its source, why) when it contradicts the
    curated row kept (and conflicts are looked for), a warning when it differs otherwise, else None."""
    key = tuple(row.get(k) for k in spec.primary_key)
    if conflicts and contradicts(spec, kept, row):
        given = ", ".join(f"{f} {row.get(f)}" for f in spec.contradiction)
        curated = ", ".join(f"{f} {kept.get(f)}" for f in spec.contradiction)
        return (
            str(row.get("source")),
            f"its {spec.name} row {'/'.join(map(str, key))} gives {given}, but the curated fact "
            f"({kept.get('source')}) gives {curated}; the curated fact wins",
        )
    if kept == row:
        return None
    return {
        "source": row.get("source") or row.get("article") or row.get("id"),
        "field": f"{spec.name}.{','.join(spec.primary_key)}",
        "message": f"{spec.name} {'/'.join(map(str, key))} is stated differently by another "
        "source; the first statement is kept",
        "char_start": row.get("char_start"),
        "char_end": row.get("char_end"),
    }


def noted(found: tuple[str, str] | Row | None, warnings: list[Row], conflicts: dict[str, str] | None) -> None:
    """Record what a duplicate called for (see duplicate): a conflict, the first for its source, or
    a warning."""
    if isinstance(found, tuple):
        if conflicts is not None:
            conflicts.setdefault(*found)
    elif found is not None:
        warnings.append(found)


def deduplicate(
    spec: ResourceSpec,
    rows: Sequence[Row],
    warnings: list[Row],
    conflicts: dict[str, str] | None = None,
) -> list[Row]:
    """Rows with one row per primary key, in key order: a curated row first, else the first stated
    (a warning for a differing duplicate); an article contradicting the curated row is named in
    conflicts (its source and why), to be quarantined. Rows kept on disk are merged there."""
    if isinstance(rows, Unmerged):
        return rows.deduplicated(spec, warnings, conflicts)  # type: ignore[return-value]
    kept: dict[tuple[Any, ...], Row] = {}
    for row in sorted(rows, key=lambda r: r.get("provenance") != CURATED):
        key = tuple(row.get(k) for k in spec.primary_key)
        if key not in kept:
            kept[key] = row
        else:
            noted(duplicate(spec, kept[key], row, conflicts is not None), warnings, conflicts)
    return sorted(kept.values(), key=lambda r: sort_key(r, spec.primary_key))


def where(rows: Sequence[Row], keep: Callable[[Row], bool]) -> Sequence[Row]:
    """The rows that keep says to keep (rows kept on disk filtered as they are read)."""
    return rows.where(keep) if isinstance(rows, Unmerged) else [r for r in rows if keep(r)]  # type: ignore[return-value]


def among(ids: set[str]) -> Callable[[Row], bool]:
    """Whether a row's id is one of some ids."""
    return lambda row: row["id"] in ids


def cited(rows: dict[str, list[Row]], column: str) -> set[str]:
    """Values of a column over the rows of several resources (those kept on disk know theirs)."""
    found: set[str] = set()
    for table in rows.values():
        noted = getattr(table, "cited", None)
        if noted is not None and column in CITING_COLUMNS:
            found |= noted(column)
        else:
            found |= {r[column] for r in table if r.get(column)}
    return found


def contradicting(
    packages: tuple[PackageSpec, ...], everything: Mapping[str, Sequence[Row]], conflicts: dict[str, str]
) -> None:
    """Note in conflicts the sources whose rows contradict a curated row of the same key, with the
    first reason for each, as deduplicating the resources in assemble notes them and in the same
    order, without merging them: each resource deduplicated with conflicts that has contradiction
    fields, in the packages' order, its rows in the order they came (the order deduplicate notes
    them in), each compared with the first curated row of its key (the row deduplicate keeps)."""
    done: set[str] = set()
    for package in packages:
        for spec in package.resources:
            rows = everything.get(spec.name)
            if spec.name in UNCONTRADICTED or spec.name in done or not spec.contradiction:
                continue
            done.add(spec.name)
            if rows is None or merged(rows):
                continue
            firsts: dict[tuple[Any, ...], Row] = {}
            for row in rows:
                if row.get("provenance") == CURATED:
                    firsts.setdefault(tuple(row.get(k) for k in spec.primary_key), row)
            if not firsts:
                continue
            for row in rows:
                first = firsts.get(tuple(row.get(k) for k in spec.primary_key))
                if first is not None and row.get("provenance") != CURATED:
                    found = duplicate(spec, first, row, True)
                    if isinstance(found, tuple):
                        conflicts.setdefault(*found)


def merged_apart(
    packages: tuple[PackageSpec, ...], everything: Mapping[str, Sequence[Row]], conflicts: bool
) -> dict[tuple[str, str], Premerged]:
    """The tables on disk that assemble deduplicates for each package (by package and resource),
    merged there, with their notes, when they are large enough: shared between this process and a
    child forked for them (etl/apart.py alongside), the largest first to the side with less to
    merge; none when they are small (assemble merges them in its turn)."""
    tasks = [
        (package.name, spec)
        for package in packages
        for spec in package.resources
        if spec.name not in UNCONTRADICTED
        and isinstance(everything[spec.name], Unmerged)
        and not merged(everything[spec.name])
    ]
    weights = [everything[spec.name].stored_bytes() for _, spec in tasks]  # type: ignore[attr-defined]
    if len(tasks) < 2 or sum(weights) < APART_BYTES:
        return {}
    sides = halves(weights)

    def merge(indexes: list[int]) -> dict[tuple[str, str], Premerged]:
        found: dict[tuple[str, str], Premerged] = {}
        for i in indexes:
            package, spec = tasks[i]
            rows = everything[spec.name]
            assert isinstance(rows, Unmerged)
            found[(package, spec.name)] = rows.merged_with_notes(spec, conflicts)
        return found

    there, here = alongside(lambda progress: merge(sides[1]), lambda: merge(sides[0]))
    return {**here, **there}


def assemble(
    packages: tuple[PackageSpec, ...],
    extractions: list[dict[str, Any]],
    reference: Reference,
    curated: dict[str, list[Row]] | None = None,
    reviews: list[Decision] | None = None,
    conflicts: dict[str, str] | None = None,
    spilled: Mapping[str, Sequence[Row]] | None = None,
    store: Store = list,
    conflicts_first: bool = False,
    apart: bool = False,
) -> tuple[dict[str, dict[str, list[Row]]], list[Row]]:
    """The rows of every package's resources, with the curators' decisions applied, and the
    warnings raised while merging (an article contradicting a curated fact goes into conflicts,
    when given, with the reason). Spilled: the rows of resources kept on disk (etl/curate/spill.py),
    by resource, which the extractions no longer hold; store: where the derived tables go (on disk
    beside them, or a list). With conflicts_first, the contradictions are looked for before
    merging (see contradicting), and when there are any, no tables are made: the caller sets those
    sources aside and assembles again. Apart: large tables on disk are merged in two processes
    (see merged_apart)."""
    warnings: list[Row] = list((curated or {}).get("warnings", []))
    decisions = reviews or []
    everything = collect(extractions, curated or {}, reference, spilled, store)
    changes = next((r for p in packages for r in p.resources if r.name == "network_changes"), None)
    if changes is not None:
        everything["network_changes"] = restated(changes, everything["network_changes"], conflicts)
        warnings += unlinked(everything["network_changes"])
    if conflicts is not None and conflicts_first:
        contradicting(packages, everything, conflicts)
        if conflicts:
            return {}, warnings
    result: dict[str, dict[str, list[Row]]] = {}
    ahead = merged_apart(packages, everything, conflicts is not None) if apart else {}
    for package in packages:
        own: dict[str, list[Row]] = {}
        for r in package.resources:
            if r.name in UNCONTRADICTED:
                continue
            if merged(everything[r.name]):
                own[r.name] = everything[r.name]
            elif (package.name, r.name) in ahead:
                rows, notes = ahead[(package.name, r.name)]
                own[r.name] = rows  # type: ignore[assignment]  # (rows on disk)
                for note in notes:  # (noted here, in their turn, as deduplicate notes them)
                    noted(note, warnings, conflicts)
            else:
                own[r.name] = deduplicate(r, everything[r.name], warnings, conflicts)
        if "reviews" in package.resource_names:
            specs = {r.name: r for r in package.resources if r.name in own}
            mine = [d for d in decisions if d.table in specs]
            applied = apply_reviews(own, specs, mine)
            warnings += applied.warnings
            if "post_totals" in own and any(
                d.table == "post_counts" and d.decision != "accept" for d in mine
            ):
                own["post_totals"] = resum_totals(own["post_counts"], own["post_totals"])
            own["reviews"] = review_rows(mine, applied.status)
        if "sources" in package.resource_names:
            wanted = set().union(*(cited(own, c) for c in CITING_COLUMNS))
            own["sources"] = deduplicate(
                package.resource("sources"),
                where(everything["sources"], among(wanted)),
                warnings,
            )
        if "persons" in package.resource_names:
            # The news package holds every person; others hold the persons their rows cite.
            everyone = {r["id"] for r in everything["persons"]}
            wanted = everyone if "articles" in own else cited(own, "person")
            own["persons"] = deduplicate(
                package.resource("persons"),
                where(everything["persons"], among(wanted)),
                warnings,
            )
        result[package.name] = {r.name: with_periods(r, own[r.name]) for r in package.resources}
    return result, warnings
