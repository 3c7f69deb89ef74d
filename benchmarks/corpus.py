"""A synthetic corpus for the scale benchmarks: N articles made deterministically from the gold and
field-set articles (text and HTML, in English, Dutch and French), each varied (its address and id,
its years, the figures it gives, the names of the persons it quotes) and archived with a valid
provenance record, as `diplodata fetch` would have written it.

    python benchmarks/corpus.py 10000 /tmp/corpus-10k
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from etl.layout import ROOT

SETS = (ROOT / "tests" / "gold", ROOT / "tests" / "field-set")
FIRST = [
    "Anne",
    "Jan",
    "Marie",
    "Pieter",
    "Sophie",
    "Luc",
    "Els",
    "Thomas",
    "Claire",
    "Bart",
    "Nadia",
    "Koen",
]
LAST = [
    "Peeters",
    "Janssens",
    "Maes",
    "Jacobs",
    "Mertens",
    "Willems",
    "Claes",
    "Goossens",
    "Wouters",
    "Dubois",
]
YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-2]\d)(?!\d)")
FIGURE = re.compile(
    r"(?<![\d.,])(\d{2,3})(?= (?:embassies|ambassades|consulates|consulaten|consulats|posts|posten|postes))"
)


@dataclass(frozen=True)
class Template:
    """A gold article to vary: its bytes as text, format, language, and the persons it names."""

    text: str
    suffix: str
    language: str
    names: tuple[str, ...]


def templates() -> list[Template]:
    """Every gold and field-set article with its label's language and the persons it names."""
    found = []
    for folder in SETS:
        persons = folder / "persons.yml"
        known = (
            [p["name"] for p in yaml.safe_load(persons.read_text(encoding="utf-8")) or []]
            if persons.exists()
            else []
        )
        for path in sorted(folder.iterdir()):
            label_path = path.with_suffix(".yml")
            if path.suffix not in (".txt", ".html") or not label_path.exists():
                continue
            label = yaml.safe_load(label_path.read_text(encoding="utf-8"))
            text = path.read_text(encoding="utf-8")
            names = tuple(sorted({n for n in known if n in text}, key=len, reverse=True))
            found.append(Template(text, path.suffix, str(label["language"]), names))
    return found


def vary(template: Template, number: int, rng: random.Random) -> str:
    """One article from a template: years shifted, figures moved a little, persons renamed."""
    shift = rng.randint(-6, 6)
    text = YEAR.sub(lambda m: str(min(2030, max(1990, int(m.group(1)) + shift))), template.text)
    text = FIGURE.sub(lambda m: str(max(10, int(m.group(1)) + rng.randint(-3, 3))), text)
    for index, name in enumerate(template.names):
        first, last = FIRST[(number + index) % len(FIRST)], LAST[(number * 7 + index) % len(LAST)]
        renamed = f"{first} {last}"
        text = text.replace(name, renamed).replace(name.split()[-1], last)
    return text


def generate(count: int, folder: Path, seed: int = 0) -> list[Path]:
    """Write count articles and their provenance records into folder (created); their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    sources = templates()
    written = []
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for number in range(count):
        template = sources[number % len(sources)]
        data = vary(template, number, rng).encode("utf-8")
        url = f"https://diplomatie.belgium.be/{template.language}/news/synthetic-article-{number}"
        stem = f"{number:06d}_{hashlib.sha256(url.encode()).hexdigest()[:16]}"
        retrieved = base + dt.timedelta(seconds=number)
        record = {
            "id": stem,
            "file": stem + template.suffix,
            "url": url,
            "language": template.language,
            "publisher": "FPS Foreign Affairs, Foreign Trade and Development Cooperation",
            "format": "text/html" if template.suffix == ".html" else "text/plain",
            "encoding": "utf-8",
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "retrieved": retrieved.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "archived": retrieved.date().isoformat(),
        }
        path = folder / record["file"]
        path.write_bytes(data)
        (folder / f"{stem}.yml").write_text(yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
        written.append(path)
    return written


def touch(path: Path) -> None:
    """Change one article a little (a sentence added at its end), its record updated to match."""
    data = path.read_bytes() + b"\nThe FPS Foreign Affairs added this sentence later.\n"
    path.write_bytes(data)
    record_path = path.with_suffix(".yml")
    record = yaml.safe_load(record_path.read_text(encoding="utf-8"))
    record.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    record_path.write_text(yaml.safe_dump(record, sort_keys=False), encoding="utf-8")


if __name__ == "__main__":
    generate(int(sys.argv[1]), Path(sys.argv[2]))
    print(f"{sys.argv[1]} articles written into {sys.argv[2]}")
