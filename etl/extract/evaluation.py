"""Scores of the extractor against a gold set of hand-labelled articles: precision, recall and F1
per fact type, and the list of misses."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from etl.extract.article import extract_source
from etl.extract.text import fold
from etl.raw import SOURCE_SUFFIXES, source_from_bytes
from etl.reference import Reference

FACT_TYPES = (
    "dates",
    "events",
    "participants",
    "speakers",
    "roles",
    "post_counts",
    "post_totals",
    "published",
    "language",
    "paragraph_language",
    "weekday_warnings",
    "network_changes",
)
QUOTE_KEY_WORDS = 3
# The floors the test suite holds the extractor to, on each gold set separately.
FLOORS = {
    ("post_counts", "precision"): 0.98,
    ("post_counts", "recall"): 0.95,
    ("post_totals", "f1"): 0.95,
    ("dates", "f1"): 0.95,
    ("participants", "f1"): 0.9,
    ("speakers", "f1"): 0.92,
    ("roles", "f1"): 0.9,
    ("paragraph_language", "precision"): 0.97,
    ("network_changes", "precision"): 0.95,
    ("network_changes", "recall"): 0.9,
}
# A paragraph is scored for its language when it has at least so many words of letters.
LANGUAGE_MIN_WORDS = 2
LANGUAGES_SUFFIX = ".languages.yml"

Fact = tuple[Any, ...]


@dataclass
class Score:
    """Counts of true positives, false positives and false negatives of one fact type."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        """Share of extracted facts that are right (1.0 when nothing was extracted)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of gold facts that were extracted (1.0 when there are none)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Evaluation:
    """Scores by fact type, the misses, and the facts taken from text that holds none."""

    scores: dict[str, Score] = field(default_factory=lambda: {t: Score() for t in FACT_TYPES})
    misses: list[str] = field(default_factory=list)
    furniture_facts: list[str] = field(default_factory=list)
    articles: int = 0

    def failures(self) -> list[str]:
        """The floors this evaluation does not reach."""
        found = [
            f"{kind} {metric} {getattr(self.scores[kind], metric):.3f} < {floor}"
            for (kind, metric), floor in FLOORS.items()
            if getattr(self.scores[kind], metric) < floor
        ]
        if not self.articles:
            found.append("no gold article found (an article needs a .yml label beside it)")
        if self.furniture_facts:
            found.append(f"{len(self.furniture_facts)} fact(s) taken from furniture, captions or alt text")
        return found


def quote_key(text: str) -> str:
    """The first words of a quotation, folded, to match a gold quote with an extracted one."""
    words = [w.strip('.,;:!?«»“”"') for w in fold(text).replace("’", "'").split()]
    return " ".join([w for w in words if w][:QUOTE_KEY_WORDS])


def day(value: Any) -> str | None:
    """A gold or extracted date as ISO text (None when there is none)."""
    return str(value) if value else None


def dated(label: dict[str, Any], key: str) -> bool:
    """Whether a label gives the as_of date of its post counts or totals (labels written before
    the key was added do not, and are scored without it)."""
    return any("as_of" in entry for entry in label.get(key) or [])


def change_fact(change: dict[str, Any]) -> Fact:
    """A change of the network as scored: kind, city, country, post type and effective date."""
    effective = change.get("effective")
    return (
        change["change"],
        change["city"],
        change["country"],
        change.get("post_type"),
        None if effective is None else str(effective),
    )


def changes_of(label: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, set[Fact]]:
    """The network_changes facts of some rows, scored only for a label that lists its changes
    (labels written before the key was added do not)."""
    return {"network_changes": {change_fact(r) for r in rows}} if "network_changes" in label else {}


def gold_facts(label: dict[str, Any]) -> dict[str, set[Fact]]:
    """The facts of a gold label, by fact type."""
    events = label.get("events") or []
    counts_dated, totals_dated = dated(label, "post_counts"), dated(label, "post_totals")
    return {
        "dates": {(day(e["start"]), day(e["end"])) for e in events},
        "events": {(e.get("series"), day(e["start"]), e.get("city"), e.get("venue")) for e in events},
        "participants": {
            (day(e["start"]), e["participants"], e["qualifier"])
            for e in events
            if e.get("participants") is not None
        },
        "speakers": {(quote_key(q["starts"]), q.get("person")) for q in label.get("quotes") or []},
        "roles": {(r["person"], fold(r["role"])) for r in label.get("roles") or []},
        "post_counts": {
            (c["post_type"], c["count"], *([c["as_of"]] if counts_dated else []))
            for c in label.get("post_counts") or []
        },
        "post_totals": {
            (t["total"], t["consistent"], *([t["as_of"]] if totals_dated else []))
            for t in label.get("post_totals") or []
        },
        "published": {(str(label["published"]),)} if label.get("published") else set(),
        "language": {(label["language"],)},
        "weekday_warnings": {("weekday", n) for n in range(int(label.get("weekday_warnings") or 0))},
        **changes_of(label, label.get("network_changes") or []),
    }


def extracted_facts(facts: dict[str, Any], label: dict[str, Any]) -> dict[str, set[Fact]]:
    """The facts the extractor found, by fact type, shaped like gold_facts of the label (with the
    as_of dates where the label gives them)."""
    events = facts["events"]
    weekday = [w for w in facts["warnings"] if "contradicts" in w["message"]]
    counts_dated, totals_dated = dated(label, "post_counts"), dated(label, "post_totals")
    return {
        "dates": {(e["start_date"], e["end_date"]) for e in events},
        "events": {(e["series"], e["start_date"], e["city"], e["venue"]) for e in events},
        "participants": {
            (e["start_date"], e["participants"], e["participants_qualifier"])
            for e in events
            if e["participants"] is not None
        },
        "speakers": {(quote_key(q["text"]), q["person"]) for q in facts["quotes"]},
        "roles": {(r["person"], fold(r["role"])) for r in facts["person_roles"]},
        "post_counts": {
            (c["post_type"], c["count"], *([c["as_of"]] if counts_dated else []))
            for c in facts["post_counts"]
        },
        "post_totals": {
            (t["total"], t["consistent"], *([t["as_of"]] if totals_dated else []))
            for t in facts["post_totals"]
            if t["total_kind"] == "stated"
        },
        "published": {(facts["article"]["published"],)} if facts["article"]["published"] else set(),
        "language": {(facts["article"]["language"],)},
        "weekday_warnings": {("weekday", n) for n in range(len(weekday))},
        **changes_of(label, facts["network_changes"]),
    }


def paragraph_languages(label: dict[str, Any], overrides: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The paragraphs of an article that are not in its language, as (first words, language), from
    the label's paragraph_languages and those a languages file gives for it."""
    listed = [*(label.get("paragraph_languages") or []), *overrides]
    return [(str(entry["starts"]), str(entry["language"])) for entry in listed]


def language_score(
    name: str, facts: dict[str, Any], label: dict[str, Any], others: list[tuple[str, str]], result: Evaluation
) -> None:
    """Score the language of each paragraph of words: right when it is the article's, or the
    language the label gives for a paragraph starting with those words."""
    score = result.scores["paragraph_language"]
    for paragraph in facts["paragraphs"]:
        text = paragraph["text"]
        if len(re.findall(r"[^\W\d_]{2,}", text)) < LANGUAGE_MIN_WORDS:
            continue
        expected = next((lang for starts, lang in others if text.startswith(starts)), label["language"])
        if paragraph["language"] == expected:
            score.tp += 1
        else:
            score.fp += 1
            result.misses.append(
                f"{name}: paragraph_language wrong {paragraph['language']} for {expected}: {text[:60]!r}"
            )


def furniture_violations(name: str, label: dict[str, Any], facts: dict[str, Any]) -> list[str]:
    """Numbers that the label says are no facts, found as participants or post counts."""
    forbidden = set(label.get("not_facts") or [])
    found = [e["participants"] for e in facts["events"]] + [c["count"] for c in facts["post_counts"]]
    return [f"{name}: {value} taken as a fact" for value in found if value in forbidden]


def gold_articles(folder: Path) -> Iterable[tuple[Path, dict[str, Any]]]:
    """Each gold article with its label, in name order."""
    for path in sorted(p for p in folder.iterdir() if p.suffix in SOURCE_SUFFIXES):
        label_path = path.with_suffix(".yml")
        if label_path.exists():
            yield path, yaml.safe_load(label_path.read_text(encoding="utf-8"))


def gold_reference(reference: Reference, folder: Path) -> Reference:
    """The reference tables with the gold set's own (fictional) persons added."""
    extra = folder / "persons.yml"
    persons = yaml.safe_load(extra.read_text(encoding="utf-8")) if extra.exists() else []
    return dataclasses.replace(reference, persons=[*reference.persons, *persons])


def read_languages(path: Path | None) -> dict[str, list[dict[str, Any]]]:
    """A languages file: for each label file name, the paragraphs not in the article's language."""
    if path is None or not path.exists():
        return {}
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def languages_file(folder: Path) -> Path:
    """The languages file of a gold folder: `<folder>.languages.yml` beside it, for a gold set whose
    labels cannot be edited."""
    return folder.with_name(folder.name + LANGUAGES_SUFFIX)


def reviewed_languages(folders: Iterable[Path]) -> dict[str, list[dict[str, Any]]]:
    """The paragraph languages reviewed by hand for the articles of some gold folders (each folder's
    languages file), by the sha256 of each article's bytes: the same article scored from a copy of
    the folder elsewhere is scored against the same review."""
    reviewed: dict[str, list[dict[str, Any]]] = {}
    for folder in folders:
        for label_name, entries in read_languages(languages_file(folder)).items():
            for suffix in SOURCE_SUFFIXES:
                article = folder / Path(label_name).with_suffix(suffix)
                if article.is_file():
                    reviewed[hashlib.sha256(article.read_bytes()).hexdigest()] = list(entries or [])
    return reviewed


def evaluate(
    folder: Path,
    reference: Reference,
    languages: Path | None = None,
    reviewed: dict[str, list[dict[str, Any]]] | None = None,
) -> Evaluation:
    """Extract every gold article and score the facts against its labels (the paragraph
    languages also against a languages file, by default the folder's own; an article it does not
    name, against the review of the same bytes in reviewed, when there is one)."""
    reference = gold_reference(reference, folder)
    overrides = read_languages(languages if languages is not None else languages_file(folder))
    reviewed = reviewed or {}
    result = Evaluation()
    for path, label in gold_articles(folder):
        record = {
            **(label.get("source") or {}),
            "format": "text/html" if path.suffix == ".html" else "text/plain",
        }
        source = source_from_bytes(
            path, path.read_bytes(), {k: v for k, v in record.items() if v is not None}
        )
        facts = extract_source(source, reference)
        result.articles += 1
        gold, found = gold_facts(label), extracted_facts(facts, label)
        for kind in gold:
            score = result.scores[kind]
            score.tp += len(gold[kind] & found[kind])
            score.fp += len(found[kind] - gold[kind])
            score.fn += len(gold[kind] - found[kind])
            result.misses += [
                f"{path.name}: {kind} missed {f}" for f in sorted(gold[kind] - found[kind], key=str)
            ]
            result.misses += [
                f"{path.name}: {kind} wrong {f}" for f in sorted(found[kind] - gold[kind], key=str)
            ]
        listed = overrides.get(path.with_suffix(".yml").name)
        if listed is None:
            listed = reviewed.get(hashlib.sha256(path.read_bytes()).hexdigest())
        others = paragraph_languages(label, listed or [])
        language_score(path.name, facts, label, others, result)
        result.furniture_facts += furniture_violations(path.name, label, facts)
    return result


def render_evaluation(evaluation: Evaluation) -> str:
    """A table of precision, recall and F1 per fact type, then the misses."""
    lines = [
        f"{evaluation.articles} gold article(s)",
        "",
        f"{'fact type':<18}{'tp':>5}{'fp':>5}{'fn':>5}{'precision':>11}{'recall':>8}{'f1':>7}",
    ]
    for kind, s in evaluation.scores.items():
        lines.append(f"{kind:<18}{s.tp:>5}{s.fp:>5}{s.fn:>5}{s.precision:>11.3f}{s.recall:>8.3f}{s.f1:>7.3f}")
    lines += ["", f"facts from furniture, captions or alt text: {len(evaluation.furniture_facts)}"]
    lines += [f"  {v}" for v in evaluation.furniture_facts]
    if evaluation.misses:
        lines += ["", "misses:"] + [f"  {m}" for m in evaluation.misses]
    return "\n".join(lines)
