"""The site's charts, drawn when the release is built: each chart of charts.yml, in each language
of the interface, as SVG (shown inline in the pages) and PNG (to download), with the Vega-Lite 5
spec it was drawn from (its data inline). Drawn by vl-convert, which bundles Vega and Vega-Lite and
never reaches the network (no base URL is allowed), so the pages need no JavaScript library.

Pure transforms (chart_spec) build the specs from the rows of each chart's canned query; the
only I/O is reading those rows from the built database and writing the files (write_charts)."""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import importlib.metadata
import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etl.layout import DATABASE, DOWNLOADS
from etl.reference import read_yaml
from etl.site.i18n import LANGUAGES, three_languages

CHARTS_FILE = Path(__file__).resolve().parent / "charts.yml"
CHARTS_DIR = "charts"
VEGA_LITE_VERSION = "5.20"
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.20.json"
# d3's locales for numbers and dates in each language (Belgian Dutch has no number locale of its own).
NUMBER_LOCALES = {"en": "en-GB", "nl": "nl-NL", "fr": "fr-FR"}
TIME_LOCALES = {"en": "en-GB", "nl": "nl-BE", "fr": "fr-FR"}
# The subtitle's two lines: the unit and the release, then the sources and the data's address.
UNIT_LINE = {
    "en": "Unit: {unit}. Release of {date}.",
    "nl": "Eenheid: {unit}. Release van {date}.",
    "fr": "Unité : {unit}. Version du {date}.",
}
SOURCE_LINE = {
    "en": "Sources: {source}. Data: {data}",
    "nl": "Bronnen: {source}. Gegevens: {data}",
    "fr": "Sources : {source}. Données : {data}",
}
STYLE = {
    "font": "'DejaVu Sans', Verdana, sans-serif",
    "title": {"fontSize": 15, "anchor": "start", "subtitleFontSize": 11, "subtitleColor": "#555"},
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "grid": True, "gridColor": "#e6e6e6"},
    "legend": {"labelFontSize": 11, "titleFontSize": 12},
    "view": {"stroke": None},
}


class ChartError(ValueError):
    """A chart of charts.yml that cannot be drawn: it names the chart and what is wrong."""


@dataclass(frozen=True)
class Chart:
    """A chart: its canned query, texts by language and the Vega-Lite encoding it draws with."""

    id: str
    query: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    units: dict[str, str]
    texts: dict[str, dict[str, str]]
    spec: dict[str, Any]

    def title(self, lang: str) -> str:
        """The title in a language."""
        return self.titles[lang]

    def description(self, lang: str) -> str:
        """The description in a language."""
        return self.descriptions[lang]

    def file(self, lang: str, suffix: str) -> str:
        """The path, under downloads/, of the chart drawn in a language (`.svg`, `.png`, `.vl.json`)."""
        return f"{CHARTS_DIR}/{self.id}.{lang}{suffix}"


def languages_of(value: Any, where: str) -> dict[str, str]:
    """A text in the three languages, or ChartError naming what is missing."""
    return three_languages(value, where, ChartError)


def parse_charts(data: Any, where: str = "charts.yml") -> tuple[Chart, ...]:
    """The charts of a charts.yml mapping, every text checked to be in the three languages."""
    if not isinstance(data, dict) or not data:
        raise ChartError(f"{where}: holds no chart")
    charts = []
    for name, body in data.items():
        here = f"{where}: {name}"
        if not isinstance(body, dict) or not body.get("query") or not isinstance(body.get("spec"), dict):
            raise ChartError(f"{here}: needs a query and a spec")
        texts = {k: languages_of(v, f"{here}.texts.{k}") for k, v in (body.get("texts") or {}).items()}
        charts.append(
            Chart(
                id=str(name),
                query=str(body["query"]),
                titles=languages_of(body.get("title"), f"{here}.title"),
                descriptions=languages_of(body.get("description"), f"{here}.description"),
                units=languages_of(body.get("unit"), f"{here}.unit"),
                texts=texts,
                spec=body["spec"],
            )
        )
    return tuple(charts)


@functools.cache
def load_charts(path: Path = CHARTS_FILE) -> tuple[Chart, ...]:
    """The site's charts (charts.yml)."""
    return parse_charts(read_yaml(path), path.name)


TOKEN = re.compile(r"\$([a-z_]+)")


def localise(value: Any, lang: str, texts: dict[str, str], where: str = "") -> Any:
    """A spec with `$lang` replaced by the language and `$key` by the text of that key (ChartError
    for a key with no text)."""
    if isinstance(value, dict):
        return {k: localise(v, lang, texts, where) for k, v in value.items()}
    if isinstance(value, list):
        return [localise(v, lang, texts, where) for v in value]
    if isinstance(value, str):

        def text(match: re.Match[str]) -> str:
            key = match.group(1)
            if key == "lang":
                return lang
            if key not in texts:
                raise ChartError(f"charts.yml: {where}: ${key} names no text")
            return texts[key]

        return TOKEN.sub(text, value)
    return value


def chart_spec(
    chart: Chart, rows: list[dict[str, Any]], lang: str, source: str, data_url: str, drawn: str
) -> dict[str, Any]:
    """The whole Vega-Lite spec of a chart in a language: its rows inline, its title, and a subtitle
    that gives its unit, source, data and date."""
    texts = {key: by_lang[lang] for key, by_lang in chart.texts.items()}
    body = localise(copy.deepcopy(chart.spec), lang, texts, chart.id)
    subtitle = [
        UNIT_LINE[lang].format(unit=chart.units[lang], date=drawn),
        SOURCE_LINE[lang].format(source=source, data=data_url),
    ]
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "title": {"text": chart.title(lang), "subtitle": subtitle},
        "description": chart.description(lang),
        "data": {"values": rows},
        **body,
        "config": STYLE,
    }


def convert_options(lang: str) -> dict[str, Any]:
    """vl-convert's options: the Vega-Lite version, the language's formats, no network."""
    return {
        "vl_version": VEGA_LITE_VERSION,
        "format_locale": NUMBER_LOCALES[lang],
        "time_format_locale": TIME_LOCALES[lang],
        "allowed_base_urls": [],
    }


class Drawings:
    """What vl-convert drew, kept under a folder (None: nothing kept) by the sha256 of what it was
    given and of its version, so that a chart or map whose spec did not change since the last build
    is not drawn again (drawing is the slowest part of a small build's site stage). The folder is
    safe to delete; prune() removes what the last drawing did not use. Not reused (a full build),
    everything is drawn again and kept, for the builds after."""

    def __init__(self, folder: Path | None = None, reuse: bool = True) -> None:
        self.folder, self.used, self.reuse = folder, set[Path](), reuse

    def drawing(self, kind: str, given: str, draw: Callable[[], bytes]) -> bytes:
        """The bytes vl-convert draws from `given` (its kind: svg or png), from the folder if kept."""
        if self.folder is None:
            return draw()
        drawer = importlib.metadata.version("vl-convert-python")
        digest = hashlib.sha256(f"{drawer}\0{VEGA_LITE_VERSION}\0{kind}\0".encode())
        digest.update(given.encode("utf-8"))
        path = self.folder / f"{digest.hexdigest()}.{kind}"
        self.used.add(path)
        if self.reuse:
            with contextlib.suppress(OSError):
                return path.read_bytes()
        data = draw()
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(name, path)
        return data

    def prune(self) -> None:
        """Delete the drawings kept that this build did not use."""
        if self.folder is not None and self.folder.is_dir():
            for path in self.folder.iterdir():
                if path not in self.used:
                    path.unlink(missing_ok=True)


def render_svg(spec: dict[str, Any], lang: str, drawings: Drawings | None = None) -> str:
    """A spec drawn as SVG, with the language's number and date formats, no network allowed."""
    import vl_convert

    options = convert_options(lang)
    given = json.dumps([spec, options], ensure_ascii=False, sort_keys=True)

    def draw() -> bytes:
        return str(vl_convert.vegalite_to_svg(spec, **options)).encode("utf-8")

    return (drawings or Drawings()).drawing("svg", given, draw).decode("utf-8")


def render_png(svg: str, drawings: Drawings | None = None) -> bytes:
    """The chart's SVG rasterised at twice its size (sharp on dense screens): the same drawing as
    the SVG, without running Vega a second time."""
    import vl_convert

    return (drawings or Drawings()).drawing("png", svg, lambda: bytes(vl_convert.svg_to_png(svg, scale=2)))


def query_rows(database: Path, sql: str) -> list[dict[str, Any]]:
    """The rows of a canned query (one without parameters) on the built database."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute(sql)]
    finally:
        connection.close()


def publishers(database: Path, rows: list[dict[str, Any]]) -> str:
    """Who published the sources that rows cite (their `source` column), in name order."""
    ids = sorted({str(r["source"]) for r in rows if r.get("source")})
    if not ids:
        return ""
    marks = ", ".join("?" for _ in ids)
    sql = f"select distinct coalesce(publisher, title, id) as name from sources where id in ({marks})"
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return "; ".join(sorted(str(name) for (name,) in connection.execute(sql, ids)))
    finally:
        connection.close()


def write_charts(
    root: Path,
    queries: dict[str, Any],
    database_name: str,
    source: str,
    base_url: str,
    drawn: str,
    drawings: Drawings | None = None,
) -> list[Path]:
    """Draw every chart in every language from the database built under root into
    downloads/charts/: `<id>.<lang>.svg`, `.png` and `.vl.json` (what was drawn before taken from
    drawings). Returns the files written."""
    folder = root / DOWNLOADS / CHARTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for chart in load_charts():
        if chart.query not in queries:
            raise ChartError(f"charts.yml: {chart.id}: no canned query {chart.query}")
        rows = query_rows(root / DATABASE, queries[chart.query]["sql"])
        cited = publishers(root / DATABASE, rows) or source
        data_url = f"{base_url.rstrip('/')}/{database_name}/{chart.query}"
        for lang in LANGUAGES:
            spec = chart_spec(chart, rows, lang, cited, data_url, drawn)
            svg = render_svg(spec, lang, drawings)
            files = {
                ".vl.json": (json.dumps(spec, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode(),
                ".svg": svg.encode("utf-8"),
                ".png": render_png(svg, drawings),
            }
            for suffix, data in files.items():
                path = root / DOWNLOADS / chart.file(lang, suffix)
                path.write_bytes(data)
                written.append(path)
    return written
