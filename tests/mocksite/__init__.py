"""A mock of the FPS news site, for the tests and for trying `diplodata update` by hand.

It serves about thirty articles in English, Dutch and French built from the gold set and the field
set (their HTML pages as they are, their text captures set in the same page template), a sitemap
index with a sitemap per language, paginated news listings, a robots.txt with wildcards, and the
pages a crawler meets on a real site: one that changes between two runs, one that disappears (404)
and one withdrawn (410), a login wall, a cookie wall, an empty template and a search page.

Start it with `python -m tests.mocksite --port 8765` from the checkout, then run
`diplodata update --site http://127.0.0.1:8765`."""

from __future__ import annotations

import datetime as dt
import html
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

TESTS = Path(__file__).resolve().parent.parent
SETS = (TESTS / "gold", TESTS / "field-set")
TEMPLATE = TESTS / "gold" / "07_en_contact-days-2023-html.html"
LISTINGS = {"en": "/en/news", "nl": "/nl/nieuws", "fr": "/fr/actualites"}
PER_PAGE = 5
TEXT_ARTICLES = 13  # text captures set in the template, besides every HTML page
ROBOTS = b"User-agent: *\nDisallow: /*?q=\nDisallow: /private/\n"
CHANGING = "/en/news/network-figures-update"
GONE = "/en/news/withdrawn-notice"
WITHDRAWN = "/nl/nieuws/ingetrokken-bericht"
WALLS = {
    "/en/news/members-briefing": "<p>Please log in to continue.</p>"
    '<form class="user-login-form"><input name="name"><input name="pass" type="password"></form>',
    "/fr/actualites/notre-politique-de-cookies": "<p>Ce site utilise des cookies. Acceptez les cookies pour "
    "continuer.</p><button>Tout accepter</button>",
    "/nl/nieuws/lege-pagina": "",
}


@dataclass
class Article:
    """A page of the mock site: its path, language, title, publication date and HTML."""

    path: str
    language: str
    title: str
    published: str
    page: bytes


@dataclass
class MockSite:
    """The mock site's pages and state: `generation` 0 is the first crawl, 1 a later one (one page
    changed, one gone, one withdrawn)."""

    articles: list[Article] = field(default_factory=list)
    generation: int = 0
    hits: list[str] = field(default_factory=list)
    host: str = "127.0.0.1"

    changed_at: str = ""

    def advance(self) -> None:
        """Move on to the next state of the site: the changing page is modified now."""
        self.generation += 1
        self.changed_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")

    def listed(self, language: str) -> list[Article]:
        """The articles of a language in the listing and sitemap, newest first."""
        found = [a for a in self.articles if a.language == language]
        if self.generation == 0:
            found = [a for a in found if a.path not in (GONE, WITHDRAWN)] + [
                a for a in found if a.path in (GONE, WITHDRAWN)
            ]
        return sorted(found, key=lambda a: a.published, reverse=True)

    def answer(self, target: str, host: str = "127.0.0.1") -> tuple[int, str, bytes, dict[str, str]]:
        """Status, media type, body and extra headers for a request target (host: the Host header,
        which the sitemaps' absolute addresses use)."""
        self.hits.append(target)
        self.host = host
        parts = urlsplit(target)
        path, query = parts.path.rstrip("/") or "/", parse_qs(parts.query)
        if path == "/robots.txt":
            return 200, "text/plain", ROBOTS, {}
        if path == "/sitemap.xml":
            return 200, "application/xml", self.sitemap_index(), {}
        sitemap = re.fullmatch(r"/sitemap-(en|nl|fr)\.xml", path)
        if sitemap:
            return 200, "application/xml", self.sitemap(sitemap.group(1)), {}
        for language, listing in LISTINGS.items():
            if path == listing:
                number = int((query.get("page") or ["0"])[0] or 0)
                return 200, "text/html; charset=utf-8", self.listing(language, number), {}
        if path.endswith("/search"):
            return (
                200,
                "text/html; charset=utf-8",
                self.template("Search", "", "<p>No results.</p>", "en"),
                {},
            )
        if path == GONE and self.generation > 0:
            return 404, "text/html", b"<h1>Page not found</h1>", {}
        if path == WITHDRAWN and self.generation > 0:
            return 410, "text/html", b"<h1>Gone</h1>", {}
        for article in self.articles:
            if article.path == path:
                page = article.page
                if path == CHANGING and self.generation > 0:
                    page = page.replace(b"84 embassies", b"85 embassies")
                return 200, "text/html; charset=utf-8", page, {"ETag": f'"{hash(page) & 0xFFFFFFFF:x}"'}
        return 404, "text/html", b"<h1>Page not found</h1>", {}

    def sitemap_index(self) -> bytes:
        """A sitemap index pointing to one sitemap per language."""
        entries = "".join(
            f"<sitemap><loc>http://{self.host}/sitemap-{language}.xml</loc></sitemap>"
            for language in LISTINGS
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'
        ).encode()

    def sitemap(self, language: str) -> bytes:
        """The sitemap of a language: each listed article with its last modification."""
        entries = "".join(
            f"<url><loc>http://{self.host}{a.path}</loc><lastmod>{self.lastmod(a)}</lastmod></url>"
            for a in self.listed(language)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
        ).encode()

    def lastmod(self, article: Article) -> str:
        """The last modification an article's sitemap entry gives."""
        if article.path == CHANGING and self.generation > 0:
            return self.changed_at
        return article.published

    def listing(self, language: str, number: int) -> bytes:
        """A page of a language's news listing, PER_PAGE articles a page, with a link to the next."""
        articles = self.listed(language)
        shown = articles[number * PER_PAGE : (number + 1) * PER_PAGE]
        rows = "".join(
            f'<div class="views-row"><a href="{a.path}">{html.escape(a.title)}</a>'
            f'<time datetime="{a.published}">{a.published}</time></div>'
            for a in shown
        )
        following = (
            f'<a rel="next" href="{LISTINGS[language]}?page={number + 1}">Next</a>'
            if (number + 1) * PER_PAGE < len(articles)
            else ""
        )
        body = f'<div class="view-content">{rows}</div><nav class="pager">{following}</nav>'
        return self.template("News", "", body, language, listing=True)

    @staticmethod
    def template(title: str, published: str, body: str, language: str, listing: bool = False) -> bytes:
        """A page in the site's template: the article node with its title, date and body."""
        source = TEMPLATE.read_text(encoding="utf-8")
        start = source.index('<main role="main"')
        end = source.index("</main>") + len("</main>")
        time = f'<time datetime="{published}T10:00:00+01:00">{published}</time>'
        date = f'<div class="field field--name-field-date">{time}</div>' if published else ""
        if listing:
            main = f'<main role="main" id="main-content"><h1 class="page-title">{title}</h1>{body}</main>'
        else:
            main = (
                '<main role="main" id="main-content">'
                '<article class="node node--type-news node--view-mode-full">'
                f'<h1 class="page-title"><span>{html.escape(title)}</span></h1>{date}'
                '<div class="node__content">'
                f'<div class="field field--name-body field__item">{body}</div></div>'
                "</article></main>"
            )
        page = source[:start] + main + source[end:]
        return page.replace('<html lang="en"', f'<html lang="{language}"').encode("utf-8")


def text_page(path: Path, label: dict[str, Any]) -> tuple[str, str, str]:
    """The title, publication date and body HTML of a text capture set in the site's template."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    published = str(label.get("published") or "")
    title = (label.get("source") or {}).get("title") or ""
    paragraphs = []
    for line in lines:
        if line.startswith(("-", "date:")) or re.fullmatch(r"[\d/ :.]+", line) or line == title:
            continue
        if not title:
            title = line
            continue
        paragraphs.append(f"<p>{html.escape(line)}</p>")
    return title, published or "2024-01-15", "".join(paragraphs)


def build_site() -> MockSite:
    """The mock site: every HTML article of the gold and field sets, text captures in the template,
    the changing page and the walls."""
    site = MockSite()
    texts = 0
    for folder in SETS:
        for path in sorted(folder.iterdir()):
            if path.suffix not in (".html", ".txt") or not path.with_suffix(".yml").exists():
                continue
            label = yaml.safe_load(path.with_suffix(".yml").read_text(encoding="utf-8"))
            url = str((label.get("source") or {}).get("url") or "")
            page_path = urlsplit(url).path or f"/{label['language']}/news/{path.stem}"
            if path.suffix == ".html":
                page = path.read_bytes()
                title_match = re.search(rb'<h1 class="page-title"><span>(.*?)</span>', page)
                title = html.unescape(title_match.group(1).decode()) if title_match else path.stem
                published = str(label.get("published") or "2024-01-15")
            else:
                if texts >= TEXT_ARTICLES or label["style"] == "seed":
                    continue
                texts += 1
                title, published, body = text_page(path, label)
                page = MockSite.template(title, published, body, label["language"])
            site.articles.append(Article(page_path, label["language"], title, published, page))
    figures = (
        "<p>On 1 January 2026, Belgium's network abroad counted 84 embassies, 17 consulates general and 8 "
        "permanent representations.</p><p>The FPS Foreign Affairs publishes these figures every January, "
        "when it takes stock of its career posts abroad.</p>"
    )
    extra = [
        (CHANGING, "en", "Network figures, updated", "2026-01-10", figures),
        (
            GONE,
            "en",
            "A notice soon withdrawn",
            "2026-01-05",
            "<p>Belgium has 84 embassies abroad, the FPS said in a notice that it withdrew a few days later, "
            "when the figures of the annual overview were corrected.</p>",
        ),
        (
            WITHDRAWN,
            "nl",
            "Een ingetrokken bericht",
            "2026-01-04",
            "<p>Een bericht dat later verdwijnt: de FOD Buitenlandse Zaken trok het enkele dagen na de "
            "publicatie in, toen de cijfers van het jaaroverzicht werden verbeterd.</p>",
        ),
    ]
    for page_path, language, title, published, body in extra:
        site.articles.append(
            Article(
                page_path, language, title, published, MockSite.template(title, published, body, language)
            )
        )
    for page_path, body in WALLS.items():
        language = page_path.split("/")[1]
        title = {"en": "Members' briefing", "fr": "Cookies", "nl": "Lege pagina"}[language]
        page = MockSite.template(title, "2026-01-03", body, language)
        site.articles.append(Article(page_path, language, title, "2026-01-03", page))
    return site


class Server:
    """The mock site served on 127.0.0.1 in a thread (port 0: any free port)."""

    def __init__(self, site: MockSite | None = None, port: int = 0) -> None:
        self.site = site or build_site()
        handler = make_handler(self.site)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        """The site's address."""
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def make_handler(site: MockSite) -> type[BaseHTTPRequestHandler]:
    """The request handler answering from a mock site."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            status, media, body, headers = site.answer(self.path, self.headers.get("Host", "127.0.0.1"))
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
