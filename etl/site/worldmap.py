"""The map of the posts abroad, drawn by the build as SVG and PNG on a bundled world outline
(reference/world/land-110m.json, Natural Earth through world-atlas): one mark per placed post,
coloured by type, linked to its row; no tile server, no network."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import yaml

from etl.layout import DATABASE, DOWNLOADS, REFERENCE_DIR
from etl.site.charts import Drawings, query_rows, render_png
from etl.site.i18n import LANGUAGES, three_languages

MAP_FILE = Path(__file__).resolve().parent / "worldmap.yml"
LAND_FILE = REFERENCE_DIR / "world" / "land-110m.json"
MAPS_DIR = "maps"
MAP_ID = "posts"
# Equirectangular, cropped to the latitudes of inhabited land.
WIDTH, NORTH, SOUTH = 960, 84.0, -58.0
SCALE = WIDTH / 360
HEIGHT = round((NORTH - SOUTH) * SCALE)
FOOTER = 64
RADIUS = 3.6
LETTER = 6.2  # the width of a letter of the legend, about, at 11 px
POSTS_SQL = """
select p.id, p.city, p.country_name_{lang} as country, p.post_type, t.label_{lang} as label, p.status,
  p.latitude, p.longitude, p.opened_start, p.closed_start
from posts p join post_types t on t.code = p.post_type
where p.latitude is not null and p.longitude is not null order by p.id
"""
# The newest count's rows only, found by the index of as_of (not every row summed by source and
# month: 0.1 s at 100,000 articles, on each start); of the sources of that month, the first.
COVERAGE_SQL = """
select as_of, sum(named) as named, sum(stated) as stated from network_coverage
where as_of = (select max(as_of) from network_coverage)
group by source, as_of order by as_of desc, source limit 1
"""


class MapError(ValueError):
    """The map's settings (worldmap.yml) miss a colour or a text; str() says which."""


def load_map(path: Path = MAP_FILE) -> dict[str, Any]:
    """The map's colours by post type and its texts in every language, checked."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    texts = {
        key: three_languages(value, f"{path.name}: {key}", MapError) for key, value in data["texts"].items()
    }
    return {"colours": dict(data["colours"]), "texts": texts}


def land_rings(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """The rings (longitude, latitude) of the land of a TopoJSON topology, its arcs decoded."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        decoded = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            decoded.append((x * sx + tx, y * sy + ty))
        arcs.append(decoded)
    rings = []
    for geometry in topology["objects"]["land"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            for ring in polygon:
                points: list[tuple[float, float]] = []
                for index in ring:
                    arc = arcs[index] if index >= 0 else arcs[~index][::-1]
                    points += arc[1:] if points else arc
                rings.append(points)
    return rings


def project(longitude: float, latitude: float) -> tuple[float, float]:
    """A point's place on the map (equirectangular)."""
    return round((longitude + 180) * SCALE, 1), round((NORTH - latitude) * SCALE, 1)


def land_path(rings: list[list[tuple[float, float]]]) -> str:
    """The land as one SVG path, a ring broken where it crosses the antimeridian."""
    parts = []
    for ring in rings:
        previous = None
        for longitude, latitude in ring:
            x, y = project(longitude, latitude)
            jump = previous is None or abs(longitude - previous) > 180
            parts.append(f"{'M' if jump else 'L'}{x:g},{y:g}")
            previous = longitude
        parts.append("Z")
    return "".join(parts)


def year(date: str | None) -> str:
    """The year of an ISO date, or an empty string."""
    return date[:4] if date else ""


def post_mark(post: dict[str, Any], colour: str, href: str, texts: dict[str, str]) -> str:
    """One post as a linked circle: filled when open, hollow when closed, dashed when planned."""
    x, y = project(post["longitude"], post["latitude"])
    status = post["status"]
    fill, dash, note = colour, "", ""
    if status == "closed":
        fill, note = "#ffffff", f" ({texts['closed']})"
    elif status == "planned":
        fill, dash, note = "#ffffff", ' stroke-dasharray="1.5 1.2"', f" ({texts['planned']})"
    title = html.escape(f"{post['city']}, {post['country']}: {post['label']}{note}")
    return (
        f'<a href="{html.escape(href)}" class="post" data-post="{post["id"]}" '
        f'data-type="{post["post_type"]}" '
        f'data-status="{status}" data-opened="{year(post["opened_start"])}" '
        f'data-closed="{year(post["closed_start"])}">'
        f'<circle cx="{x:g}" cy="{y:g}" r="{RADIUS}" fill="{fill}" stroke="{colour}" '
        f'stroke-width="1.4"{dash}>'
        f"<title>{title}</title></circle></a>"
    )


def map_svg(
    posts: list[dict[str, Any]],
    labels: dict[str, str],
    coverage: str,
    land: str,
    settings: dict[str, Any],
    lang: str,
    row_url: str,
    drawn: str,
) -> str:
    """The map in a language: the land, one mark per placed post, a legend by type, the coverage
    line and the sources."""
    texts = {key: by_lang[lang] for key, by_lang in settings["texts"].items()}
    colours = settings["colours"]
    marks = "".join(post_mark(p, colours[p["post_type"]], row_url.format(id=p["id"]), texts) for p in posts)
    legend, x = [], 16
    for code in (c for c in colours if c in labels):
        legend.append(
            f'<circle cx="{x}" cy="{HEIGHT + 16}" r="{RADIUS}" fill="{colours[code]}"/>'
            f'<text x="{x + 8}" y="{HEIGHT + 20}">{html.escape(labels[code])}</text>'
        )
        x += 28 + round(len(labels[code]) * LETTER)
    footer = (
        f'<g class="legend" font-size="11" fill="#222">{"".join(legend)}</g>'
        f'<text class="coverage" x="12" y="{HEIGHT + 40}" font-size="12" font-weight="bold" fill="#222">'
        f"{html.escape(coverage)}</text>"
        f'<text class="source" x="12" y="{HEIGHT + 56}" font-size="10" fill="#555">'
        f"{html.escape(texts['source'].format(date=drawn))}</text>"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + FOOTER}" '
        f'width="{WIDTH}" height="{HEIGHT + FOOTER}" role="img" class="posts-map" lang="{lang}" '
        f'font-family="sans-serif">'
        f"<title>{html.escape(texts['title'])}</title><desc>{html.escape(texts['description'])}</desc>"
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#eef4f8"/>'
        f'<path class="land" d="{land}" fill="#dedbd2" stroke="#b3aea0" stroke-width="0.4"/>'
        f'<g class="posts">{marks}</g><rect y="{HEIGHT}" width="{WIDTH}" height="{FOOTER}" fill="#ffffff"/>'
        f"{footer}</svg>\n"
    )


def coverage_line(row: dict[str, Any] | None, template: str) -> str:
    """The line that says how many of the newest FPS count's posts the list names."""
    if row is None:
        return ""
    return template.format(named=row["named"], stated=row["stated"], as_of=row["as_of"])


def site_links(svg: str) -> str:
    """The map's links made relative to the site that shows it (the file's links are absolute)."""
    return re.sub(r'href="https?://[^/"]+/', 'href="/', svg)


def map_years(database: Path) -> dict[str, int]:
    """The years the map's control runs over (openings and closures since 2000) and the one it shows first."""
    sql = "select opened_start as day from posts union select closed_start from posts"
    years = sorted({int(r["day"][:4]) for r in query_rows(database, sql) if r["day"] and r["day"] >= "2000"})
    first, last = (years[0], years[-1]) if years else (2000, 2000)
    return {"first": first, "last": last, "shown": last}


def map_coverage(root: Path) -> dict[str, Any] | None:
    """How many of the newest FPS count's posts the list names (the landing page's line), or None."""
    found = query_rows(root / DATABASE, COVERAGE_SQL)
    return found[0] if found else None


def map_page_vars(root: Path, lang: str) -> dict[str, Any]:
    """What the map page shows of a built release in a language: the drawing (its links made
    relative), the coverage, the control's years and the image files."""
    from markupsafe import Markup

    path = root / DOWNLOADS / MAPS_DIR / f"{MAP_ID}.{lang}.svg"
    drawing = Markup(site_links(path.read_text(encoding="utf-8"))) if path.is_file() else ""
    return {
        "drawing": drawing,
        "coverage": map_coverage(root),
        "years": map_years(root / DATABASE),
        "svg": f"/{DOWNLOADS}/{MAPS_DIR}/{MAP_ID}.{lang}.svg",
        "png": f"/{DOWNLOADS}/{MAPS_DIR}/{MAP_ID}.{lang}.png",
    }


def write_map(
    root: Path, database_name: str, base_url: str, drawn: str, drawings: Drawings | None = None
) -> list[Path]:
    """Draw the map of the posts in every language from the database built under root into
    downloads/maps/: `posts.<lang>.svg` and `.png` (a PNG drawn before taken from drawings).
    Returns the files written."""
    settings = load_map()
    land = land_path(land_rings(json.loads(LAND_FILE.read_text(encoding="utf-8"))))
    database = root / DATABASE
    folder = root / DOWNLOADS / MAPS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    found = query_rows(database, COVERAGE_SQL)
    row_url = f"{base_url.rstrip('/')}/{database_name}/posts/{{id}}"
    written = []
    for lang in LANGUAGES:
        posts = query_rows(database, POSTS_SQL.format(lang=lang))
        labels = {r["code"]: r[f"label_{lang}"] for r in query_rows(database, "select * from post_types")}
        coverage = coverage_line(found[0] if found else None, settings["texts"]["coverage"][lang])
        svg = map_svg(posts, labels, coverage, land, settings, lang, row_url, drawn)
        for suffix, data in (
            (".svg", svg.encode("utf-8")),
            (".png", render_png(svg, drawings)),
        ):
            path = folder / f"{MAP_ID}.{lang}{suffix}"
            path.write_bytes(data)
            written.append(path)
    return written
