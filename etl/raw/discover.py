"""Discovering the site's articles: their addresses from the sitemap (a sitemap index and its
sitemaps, with each page's `lastmod`) and from the news listing of each language (followed page by
page), as reference/site.yml describes the site; each address is then new (never archived),
changed (the sitemap says it was modified after the last capture) or known.

The requests go through the polite client (robots.txt obeyed, one request per interval per host);
an address outside the site's article paths, or on another host, is not an article. The crawl log
(`raw/crawl.jsonl`, one JSON object a line) keeps what each run found and fetched, as data beside
the snapshots."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from etl.raw.politeness import PoliteClient
from etl.raw.responses import FetchError, describe_status
from etl.raw.snapshots import latest_snapshot, url_language

CRAWL_LOG = "crawl.jsonl"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
MAX_SITEMAPS = 200
Status = Literal["new", "changed", "known"]


@dataclass(frozen=True)
class Found:
    """An article address found on the site: where it was found (sitemap or listing), its language
    and last modification when the site gives them, and whether it is new, changed or known."""

    url: str
    via: str
    language: str | None = None
    lastmod: str | None = None
    status: Status = "new"

    def __str__(self) -> str:
        modified = f", modified {self.lastmod}" if self.lastmod else ""
        return f"{self.status}: {self.url} ({self.via}{modified})"


@dataclass
class Discovery:
    """What a discovery found, in the order found, and what it could not read."""

    found: list[Found]
    problems: list[str]


def site_settings(site: dict[str, Any], base: str | None) -> dict[str, Any]:
    """The site description with another base address (the tests' mock site), when given."""
    return {**site, "site": base.rstrip("/")} if base else dict(site)


def is_article(url: str, site: dict[str, Any]) -> bool:
    """Whether an address is an article of the site: on its host, under one of its article paths,
    and not a listing itself."""
    parts, home = urlsplit(url), urlsplit(site["site"])
    if parts.scheme not in ("http", "https") or parts.netloc != home.netloc:
        return False
    path = parts.path.rstrip("/")
    if path in {listing["path"].rstrip("/") for listing in site["listings"]}:
        return False
    return any(path.startswith(p) and len(path) > len(p.rstrip("/")) + 1 for p in site["article_paths"])


def on_site(url: str, site: dict[str, Any]) -> str:
    """An address found in a sitemap moved onto the site's base (a sitemap may name the public host
    while the site is read at another address)."""
    parts, home = urlsplit(url), urlsplit(site["site"])
    if parts.netloc == home.netloc:
        return url
    return f"{home.scheme}://{home.netloc}{parts.path}" + (f"?{parts.query}" if parts.query else "")


def parse_sitemap(data: bytes) -> tuple[list[str], list[tuple[str, str | None]]]:
    """The sitemaps a sitemap index lists, and the pages (with lastmod) a sitemap lists."""
    root = ET.fromstring(data)
    sitemaps = [(e.findtext(f"{SITEMAP_NS}loc") or "").strip() for e in root.iter(f"{SITEMAP_NS}sitemap")]
    pages = [
        (
            (e.findtext(f"{SITEMAP_NS}loc") or "").strip(),
            (e.findtext(f"{SITEMAP_NS}lastmod") or "").strip() or None,
        )
        for e in root.iter(f"{SITEMAP_NS}url")
    ]
    return [s for s in sitemaps if s], [(u, m) for u, m in pages if u]


def listing_links(data: bytes, base: str, selectors: dict[str, Any]) -> tuple[list[str], str | None]:
    """The article links of a listing page and the address of the next page, by the site's selectors."""
    tree = LexborHTMLParser(data.decode("utf-8", errors="replace"))
    links = [urljoin(base, str(n.attributes.get("href") or "")) for n in tree.css(selectors["item"])]
    following = tree.css_first(selectors["next"])
    href = following.attributes.get("href") if following is not None else None
    return [link for link in links if link != base], urljoin(base, str(href)) if href else None


def get(client: PoliteClient, url: str) -> bytes:
    """A document of the site (robots.txt obeyed), its body; FetchError when it cannot be read."""
    reply = client.follow(url, {}, obey_robots=True, document=True)
    if reply.status != 200:
        raise FetchError(url, describe_status(reply.status))
    return reply.body


def from_sitemaps(client: PoliteClient, site: dict[str, Any], problems: list[str]) -> list[Found]:
    """The articles the sitemap (index) lists, with their lastmod."""
    found: list[Found] = []
    pending: list[str] = [site["site"] + site["sitemap"]]
    seen: set[str] = set()
    while pending and len(seen) < MAX_SITEMAPS:
        url = on_site(pending.pop(0), site)
        if url in seen:
            continue
        seen.add(url)
        try:
            sitemaps, pages = parse_sitemap(get(client, url))
        except FetchError as exc:
            problems.append(f"sitemap {url}: {exc.reason}")
            continue
        except ET.ParseError as exc:
            problems.append(f"sitemap {url}: not a sitemap ({exc})")
            continue
        pending += sitemaps
        for page, lastmod in pages:
            page = on_site(page, site)
            if is_article(page, site):
                found.append(Found(page, "sitemap", url_language(page), lastmod))
    return found


def from_listings(client: PoliteClient, site: dict[str, Any], problems: list[str]) -> list[Found]:
    """The articles of each language's news listing, page after page."""
    found: list[Found] = []
    selectors = site["listing"]
    for listing in site["listings"]:
        url: str | None = site["site"] + listing["path"]
        for _ in range(int(selectors["max_pages"])):
            if url is None:
                break
            try:
                links, url = listing_links(get(client, url), url, selectors)
            except FetchError as exc:
                problems.append(f"listing {exc.url}: {exc.reason}")
                break
            found += [Found(link, "listing", listing["language"]) for link in links if is_article(link, site)]
    return found


def status_of(found: Found, raw_dir: Path) -> Status:
    """New when raw/ has no capture of the address, changed when the sitemap says it was modified
    after the latest capture, known otherwise (an unchanged page is also told by its ETag or bytes
    when it is fetched again)."""
    snapshot = latest_snapshot(raw_dir, found.url)
    if snapshot is None:
        return "new"
    captured = moment(str(snapshot.record.get("retrieved") or ""))
    modified = moment(found.lastmod or "")
    if captured is not None and modified is not None and modified > captured:
        return "changed"
    return "known"


def moment(value: str) -> dt.datetime | None:
    """A W3C datetime as the sitemap protocol writes it (a day, or a time with its zone) as an
    aware datetime (a day at its start, in UTC); None when it is none."""
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def discover(client: PoliteClient, site: dict[str, Any], raw_dir: Path) -> Discovery:
    """Every article address the sitemap and the listings give, each once (the sitemap's lastmod
    kept), with its status against raw/."""
    problems: list[str] = []
    merged: dict[str, Found] = {}
    for item in [*from_sitemaps(client, site, problems), *from_listings(client, site, problems)]:
        known = merged.get(item.url)
        if known is None:
            merged[item.url] = item
        elif known.lastmod is None and item.lastmod:
            merged[item.url] = Found(item.url, known.via, known.language or item.language, item.lastmod)
    found = [
        Found(f.url, f.via, f.language, f.lastmod, status_of(f, raw_dir) if raw_dir.is_dir() else "new")
        for f in merged.values()
    ]
    return Discovery(found, problems)


def since(found: Iterable[Found], day: dt.date | None) -> list[Found]:
    """The addresses modified on or after a day (all of them when no day is given; an address
    without lastmod is kept, since nothing says it is older)."""
    return [f for f in found if day is None or f.lastmod is None or f.lastmod[:10] >= day.isoformat()]


def log_entries(path: Path, entries: Iterable[dict[str, Any]]) -> None:
    """Append entries to the crawl log, one JSON object a line, keys in a fixed order."""
    with path.open("a", encoding="utf-8") as handle:
        for entry in entries:
            handle.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")


def log_entry(
    run: str, found: Found, fetched: str | None = None, reason: str | None = None, snapshot: str | None = None
) -> dict[str, Any]:
    """One line of the crawl log: the run, the address as found, and what fetching it did."""
    return {"run": run, **asdict(found), "fetched": fetched, "reason": reason, "snapshot": snapshot}


def read_log(path: Path) -> list[dict[str, Any]]:
    """The entries of a crawl log (none when it does not exist)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
