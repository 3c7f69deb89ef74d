"""The site as a person sees it: Playwright driving Debian's chromium, headless, against
`diplodata serve` on free loopback ports (the committed release, and the mixed release with a
French, a Dutch and a hostile article). Every page is checked for console errors, script dialogs
and requests leaving the machine; screenshots go to test-artifacts/.

The README's screenshots are taken from the committed release too (test-artifacts/readme-*.png);
with UPDATE_SCREENSHOTS=1 they are copied over docs/landing.png and docs/chart.png."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import frictionless
import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, Route, expect, sync_playwright

from etl.layout import DATAPACKAGES, ROOT
from etl.site.charts import load_charts
from etl.site.i18n import texts
from etl.specs import resource_specs
from tests.conftest import Server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"
DOCS = ROOT / "docs"
DOCS_LIMIT = 300_000
VIEWPORT = {"width": 1200, "height": 900}
FRENCH_QUOTE = "La Belgique défendra le multilatéralisme avec détermination"
DUTCH_QUOTE = "België blijft een betrouwbare partner"
SEED_TITLE = "Diplomatic contact days 2025"
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)",
)


@dataclass
class Visit:
    """A browser tab on the site, with what went wrong in it."""

    page: Page
    base: str
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def open(self, path: str) -> Page:
        """Load a page of the site and wait until the network is idle."""
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def check(self) -> None:
        """No console error or warning, uncaught exception, script dialog or request off the machine."""
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs
        assert self.outside == [], self.outside


def artefact(name: str) -> Path:
    """A path under test-artifacts/, the folder created."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


@pytest.fixture(scope="module")
def browser(site: Server, mixed_server: Server) -> Iterator[Browser]:
    """One chromium for the module, started once both servers answer (their releases are built and
    served before any browser test is timed)."""
    del site, mixed_server
    with sync_playwright() as playwright:
        found = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield found
        found.close()


def visit(browser: Browser, server: Server) -> Iterator[Visit]:
    """A fresh tab on a served site, watched, closed afterwards."""
    context: BrowserContext = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    watched = Visit(context.new_page(), server.url)

    def route(route: Route) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            watched.outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    watched.page.on(
        "console",
        lambda m: watched.errors.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None,
    )
    watched.page.on("pageerror", lambda e: watched.errors.append(str(e)))

    def dialog(d: Dialog) -> None:
        watched.dialogs.append(d.message)
        d.dismiss()

    watched.page.on("dialog", dialog)
    try:
        yield watched
    finally:
        context.close()


@pytest.fixture
def tab(browser: Browser, site: Server) -> Iterator[Visit]:
    yield from visit(browser, site)


@pytest.fixture
def mixed_tab(browser: Browser, mixed_server: Server) -> Iterator[Visit]:
    yield from visit(browser, mixed_server)


# -- Landing page -------------------------------------------------------------------------------------


def test_landing_page_loads_without_console_errors(tab: Visit) -> None:
    page = tab.open("/")
    expect(page.locator("h1")).to_have_text("Belgian diplomacy open data")
    for heading in (
        "What the data is",
        "Where it comes from",
        "How fresh it is",
        "Licence",
        "How to cite it",
    ):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.locator(".landing-facts")).to_contain_text("Latest source date")
    records = page.locator('script[type="application/ld+json"]').all_text_contents()
    assert len(records) == 1 and json.loads(records[0])["@type"] == "Dataset"
    expect(page.locator(".headline-figure")).to_have_text(re.compile(r"^\d+ posts abroad$"))
    expect(page.locator("#network-chart svg")).to_be_visible()
    assert page.locator("#network-chart svg .mark-rect path").count() > 2
    page.screenshot(path=artefact("landing.png"), full_page=True)
    tab.check()


def test_the_language_switch_changes_the_landing_page_and_is_remembered(tab: Visit) -> None:
    page = tab.open("/")
    hreflangs = page.locator('link[rel="alternate"][hreflang]').evaluate_all(
        "links => links.map(l => l.hreflang)"
    )
    assert hreflangs == ["en", "nl", "fr", "x-default"]
    page.locator(".site-languages a", has_text="Nederlands").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text(texts("nl").site_title)
    expect(page.locator("main")).to_have_attribute("lang", "nl")
    expect(page.locator(".headline-figure")).to_contain_text("posten in het buitenland")
    page = tab.open("/-/downloads")  # no ?lang=: the choice is remembered
    expect(page.locator("h1")).to_have_text(texts("nl").downloads_title)
    page.locator(".site-languages a", has_text="Français").click()
    page.wait_for_load_state("networkidle")
    page = tab.open("/")
    expect(page.locator("h1")).to_have_text(texts("fr").site_title)
    expect(page.locator("#search-all-q")).to_have_attribute("placeholder", texts("fr").search_placeholder)
    page.screenshot(path=artefact("landing-fr.png"), full_page=True)
    tab.check()


# -- Table pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["quotes", "post_counts", "articles"])
def test_table_page_shows_column_descriptions(tab: Visit, table: str) -> None:
    page = tab.open(f"/diplomacy/{table}")
    spec = resource_specs()[table]
    expect(page.locator("h1")).to_contain_text(spec.title)
    assert page.title().startswith(spec.title)  # the tab says what the table is
    descriptions = page.locator("dl.column-descriptions")
    expect(descriptions).to_be_hidden()  # folded: the rows come first
    page.locator("details.column-descriptions-toggle summary").click()
    expect(descriptions).to_be_visible()
    for field_ in spec.schema["fields"]:
        expect(descriptions.locator("dt", has_text=re.compile(f"^{field_['name']}$"))).to_be_visible()
        expect(descriptions).to_contain_text(field_["description"])
    page.screenshot(path=artefact(f"table-{table}.png"), full_page=True)
    tab.check()


def test_the_count_is_on_screen_without_scrolling_at_1280_px(browser: Browser, site: Server) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(site.url + "/diplomacy/post_counts")
        header = page.locator("table.rows-and-columns th.col-count")
        box = header.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1280 and box["y"] < 800, box
        first = page.locator("table.rows-and-columns td.col-count").first.bounding_box()
        assert first is not None and first["y"] + 24 <= 800, first  # the first count is on screen
        page.screenshot(path=artefact("table-post_counts-1280.png"))
    finally:
        context.close()


def test_a_missing_page_offers_a_way_back(tab: Visit) -> None:
    response = tab.page.goto(tab.base + "/diplomacy/no_such_table")
    assert response is not None and response.status == 404
    expect(tab.page.locator("h1")).to_have_text(texts("en").not_found_title)
    tab.page.locator("main a", has_text=texts("en").nav_home).first.click()
    tab.page.wait_for_load_state("networkidle")
    expect(tab.page.locator("h1")).to_have_text(texts("en").site_title)
    # Only the 404 itself may be logged, as browsers do for any missing page.
    tab.errors = [e for e in tab.errors if "404" not in e]  # "Failed to load resource: ... 404"
    tab.check()


def test_foreign_keys_show_names_and_long_text_opens(tab: Visit) -> None:
    page = tab.open("/diplomacy/quotes")
    expect(page.locator("td.col-person a").first).to_have_text(re.compile(r"^[A-Z][a-zé]+ [A-Z]"))
    page = tab.open("/diplomacy/articles?_col=title&_col=body")
    cell = page.locator("td.col-body").first
    expect(cell.locator(".long-text-rest summary")).to_have_text(re.compile(r"^Read all [\d,]+ characters$"))
    closed = cell.bounding_box()
    cell.locator(".long-text-rest summary").click()
    expect(cell.locator(".long-text-rest")).to_have_attribute("open", "")
    expect(cell.locator(".long-text-rest summary")).to_be_hidden()
    opened = cell.bounding_box()
    assert closed is not None and opened is not None and opened["height"] > 2 * closed["height"]
    page.locator("table.rows-and-columns").screenshot(path=artefact("articles-body.png"))
    tab.check()


def test_the_article_page_highlights_the_evidence_and_links_it(tab: Visit) -> None:
    page = tab.open("/diplomacy/articles/000_03760b43a54f4e20")
    body = page.locator(".article-body")
    expect(body).to_be_visible()
    box = body.bounding_box()
    assert box is not None and box["y"] < 400  # the text comes first, not after the fields
    marks = body.locator("a.evidence[data-tables~=post_counts] mark")
    assert marks.count() >= 3
    colour = marks.first.evaluate("m => getComputedStyle(m).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
    page.screenshot(path=artefact("article.png"), full_page=True)
    marks.first.click()
    page.wait_for_load_state("networkidle")
    assert "/diplomacy/post_counts/" in page.url
    tab.check()


# -- Search -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("België", DUTCH_QUOTE),
        ("belgie", DUTCH_QUOTE),
        ("wereldorde", DUTCH_QUOTE),
        ("détermination", FRENCH_QUOTE),
        ("determination", FRENCH_QUOTE),
        ("SECURITE", FRENCH_QUOTE),
        ("Prevot", SEED_TITLE),
    ],
)
def test_search_box_finds_quotes_in_dutch_and_french_with_or_without_accents(
    mixed_tab: Visit, query: str, expected: str
) -> None:
    page = mixed_tab.open("/")
    page.locator("#search-all-q").fill(query)
    page.locator("#search-all-q").press("Enter")
    page.wait_for_url(re.compile(r"/-/search\?q="))
    results = page.locator("#search-all-results")
    expect(results).to_contain_text(expected, timeout=10_000)
    expect(page.locator("li[data-searchable-url]:visible")).to_have_count(0)  # every table answered
    assert max(len(t) for t in results.locator("td").all_inner_texts()) <= 302  # long text cut
    page.screenshot(path=artefact(f"search-{re.sub(r'[^a-z]', '_', query.lower())}.png"), full_page=True)
    mixed_tab.check()


@pytest.mark.parametrize(
    ("query", "table", "marked"),
    [
        ("ambassade", "post_types", "Ambassade"),
        ("egmont", "events", "Egmont"),
        ("Mali", "network_changes", "Mali"),
    ],
)
def test_search_covers_events_network_and_post_types_and_marks_the_words(
    tab: Visit, query: str, table: str, marked: str
) -> None:
    page = tab.open(f"/-/search?q={query}")
    results = page.locator("#search-all-results")
    expect(results.locator(f'h2 a[href*="/{table}?"]')).to_be_visible(timeout=10_000)
    expect(results.locator("mark").first).to_have_text(re.compile(f"^{marked}$", re.IGNORECASE))
    page.screenshot(path=artefact(f"search-{table}.png"), full_page=True)
    tab.check()


# -- Charts -------------------------------------------------------------------------------------------

YEAR = re.compile(r"^(19|20)\d\d$")
MARKS = ".mark-rect path, .mark-line path, .mark-symbol path, .mark-rule line"


def time_axes(figure: Any) -> list[list[str]]:
    """The labels of each axis of a drawn chart that Vega describes as a time scale."""
    found = []
    for axis in figure.locator("g.role-axis").all():
        if "time scale" in str(axis.get_attribute("aria-label") or ""):
            texts = "nodes => nodes.map(n => n.textContent.trim())"
            found.append(axis.locator(".role-axis-label text").evaluate_all(texts))
    return found


@pytest.mark.parametrize("lang", ["en", "nl", "fr"])
def test_every_chart_renders_with_marks_and_time_axes(tab: Visit, lang: str) -> None:
    page = tab.open(f"/-/charts?lang={lang}")
    sections = page.locator("section.chart-section")
    assert sections.count() == len(load_charts())
    for chart in load_charts():
        figure = page.locator(f"#{chart.id} figure.chart svg")
        expect(figure).to_be_visible()
        assert figure.locator(MARKS).count() > 0, chart.id
        expect(page.locator(f"#{chart.id} h2")).to_have_text(chart.title(lang))
        assert chart.title(lang) in str(figure.text_content())
        if chart.id in ("posts_over_time", "contact_days"):
            # A true time axis: one label a year, evenly (an ordinal axis would list the dates).
            years = time_axes(figure)
            assert years, chart.id
            for labels in years:
                assert labels and all(YEAR.match(x) for x in labels), labels
                numbers = [int(x) for x in labels]
                assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), labels
        figure.screenshot(path=artefact(f"chart-{chart.id}-{lang}.png"))
        for link in ("SVG", "PNG"):
            href = page.locator(f"#{chart.id} .chart-links a", has_text=re.compile(f"^{link}$"))
            assert tab.page.request.get(tab.base + str(href.get_attribute("href"))).ok
    tab.check()


def test_the_network_chart_is_sorted_largest_first(tab: Visit) -> None:
    page = tab.open("/-/charts?lang=en")
    figure = page.locator("#network_latest figure.chart svg")
    bars = figure.locator(".mark-rect path").all()
    widths = [b.bounding_box()["width"] for b in bars]  # type: ignore[index]
    tops = [b.bounding_box()["y"] for b in bars]  # type: ignore[index]
    order = [w for _, w in sorted(zip(tops, widths, strict=True))]
    assert len(order) > 2 and order == sorted(order, reverse=True)
    tab.check()


# -- Downloads ----------------------------------------------------------------------------------------


def test_a_download_link_returns_a_zip_that_validates(tab: Visit, tmp_path: Path) -> None:
    page = tab.open("/-/downloads")
    page.screenshot(path=artefact("downloads.png"), full_page=True)
    row = page.locator("tr", has=page.locator("a", has_text=re.compile(r"^diplomacy-network\.zip$")))
    listed = row.locator("code.downloads-sha256").inner_text()
    with page.expect_download() as started:
        row.locator("a").first.click()
    saved = tmp_path / started.value.suggested_filename
    started.value.save_as(saved)
    assert saved.name == "diplomacy-network.zip"
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == listed
    with zipfile.ZipFile(saved) as archive:
        assert "datapackage.json" in archive.namelist()  # at the zip's root
    report = frictionless.Package(str(saved)).validate()  # the zip opens as it is
    assert report.valid, report.flatten(["type", "message"])
    tab.check()


# -- Hostile text -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/diplomacy/articles/903_en_hostile_markup",
        "/diplomacy/articles?_col=title&_col=body",
        "/diplomacy/quotes",
        "/-/search?q=zanzibarian",
        "/-/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    ],
)
def test_hostile_text_runs_no_script(mixed_tab: Visit, path: str) -> None:
    page = mixed_tab.open(path)
    if "zanzibarian" in path:
        expect(page.locator("#search-all-results")).to_contain_text("<script>alert('quote')</script>")
    page.wait_for_timeout(300)
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("a[href^='javascript:' i]").count() == 0
    if "hostile" in path:
        page.screenshot(path=artefact("hostile-article.png"), full_page=True)
    mixed_tab.check()


# -- The map of the posts ---------------------------------------------------------------------------


def placed_posts() -> list[dict[str, str]]:
    """The published posts that the gazetteer placed."""
    path = ROOT / DATAPACKAGES / "diplomacy-network" / "data" / "posts.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["latitude"] and row["longitude"]]


@pytest.mark.parametrize("lang", ["en", "nl", "fr"])
def test_the_map_draws_one_linked_mark_per_placed_post(tab: Visit, lang: str) -> None:
    page = tab.open(f"/-/map?lang={lang}")
    marks = page.locator("#posts-map svg a.post")
    placed = placed_posts()
    assert marks.count() == len(placed) > 100
    expect(page.locator("#posts-map svg path.land")).to_be_visible()
    assert set(page.locator("#posts-map svg a.post").evaluate_all("els => els.map(e => e.dataset.post)")) == {
        p["id"] for p in placed
    }
    first = marks.first
    assert first.get_attribute("href") == f"/diplomacy/posts/{first.get_attribute('data-post')}"
    expect(page.locator(".map-coverage")).to_contain_text("115")
    tab.check()


def test_the_map_year_control_shows_openings_and_closures(tab: Visit) -> None:
    page = tab.open("/-/map?lang=en")
    page.locator("#map-year").fill("2015")
    expect(page.locator("#map-year-value")).to_have_text("2015")
    expect(page.locator("#map-closed")).to_contain_text("Tallinn")
    assert page.locator('#posts-map a.post[data-post="al-tirana-embassy"]').is_hidden()
    page.locator("#map-year").fill("2023")
    expect(page.locator("#map-opened")).to_contain_text("Yerevan")
    page.locator('#posts-map a.post[data-post="am-yerevan-embassy"]').click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/diplomacy/posts/am-yerevan-embassy")
    expect(page.locator("body")).to_contain_text("Yerevan")
    tab.check()


def test_the_landing_page_links_the_map_with_its_coverage(tab: Visit) -> None:
    page = tab.open("/?lang=en")
    expect(page.locator("#map-link")).to_have_text(re.compile(r"99 of 115 posts named"))
    page.locator("#map-link").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("Belgian posts abroad on the map")
    tab.check()


# -- The README's screenshots -------------------------------------------------------------------------


def test_the_readme_screenshots(tab: Visit) -> None:
    """The landing page and a chart as the README shows them; UPDATE_SCREENSHOTS=1 copies them to docs/."""
    page = tab.open("/?lang=en")
    page.screenshot(path=artefact("readme-landing.png"))
    page = tab.open("/-/charts?lang=en")
    page.locator("#network_latest figure.chart").screenshot(path=artefact("readme-chart.png"))
    page = tab.open("/-/map?lang=en")
    page.locator("#posts-map svg").screenshot(path=artefact("readme-map.png"))
    for name in ("landing.png", "chart.png", "map.png"):
        assert artefact(f"readme-{name}").stat().st_size < DOCS_LIMIT, name
        if os.environ.get("UPDATE_SCREENSHOTS") == "1":
            DOCS.mkdir(exist_ok=True)
            shutil.copyfile(artefact(f"readme-{name}"), DOCS / name)
    tab.check()
