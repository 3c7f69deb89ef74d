"""Shared fixtures: the seed source, its facts, and a release built into a temporary folder."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from etl.build import build
from etl.extract import extract_source
from etl.layout import RAW_DIR
from etl.raw.sources import Source, read_source
from etl.reference import Reference, load_reference
from etl.site.metadata import datasette_app

SEED = RAW_DIR / "000_03760b43a54f4e20.txt"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite the golden files.")


@pytest.fixture(scope="session")
def reference() -> Reference:
    return load_reference()


@pytest.fixture(scope="session")
def seed() -> Source:
    return read_source(SEED)


@pytest.fixture(scope="session")
def facts(seed: Source, reference: Reference) -> dict[str, Any]:
    return extract_source(seed, reference)


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release built from the committed inputs into a fresh folder."""
    root = tmp_path_factory.mktemp("release")
    build(root=root)
    return root


class Client:
    """Datasette's own client, driven synchronously."""

    def __init__(self, root: Path) -> None:
        self.app = datasette_app(root)
        self.loop = asyncio.new_event_loop()

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.loop.run_until_complete(self.app.client.get(path, **kwargs))

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.loop.run_until_complete(self.app.client.post(path, **kwargs))

    def close(self) -> None:
        self.loop.close()


@pytest.fixture(scope="session")
def client(release: Path) -> Iterator[Client]:
    found = Client(release)
    yield found
    found.close()


# -- A release with more articles, and a served instance (site, safety and browser tests) ----------

FRENCH_ARTICLE = "\n".join(
    [
        "-",
        "Dernière mise à jour le 12 février 2025",
        "Du lundi 3 au vendredi 7 février 2025, plus de 110 chefs de poste belges se sont réunis au "
        "Palais d'Egmont à Bruxelles pour les journées diplomatiques.",
        "« La Belgique défendra le multilatéralisme avec détermination, car notre sécurité en dépend », "
        "a déclaré Maxime Prévot, Vice-Premier ministre et ministre des Affaires étrangères.",
        "Les participants ont regagné leur poste avec un agenda commun.",
        "",
    ]
)
DUTCH_ARTICLE = "\n".join(
    [
        "-",
        "Laatst bijgewerkt op 12 februari 2025",
        "Van maandag 3 tot vrijdag 7 februari 2025 kwamen meer dan 110 Belgische posthoofden samen in "
        "het Egmontpaleis in Brussel voor de diplomatieke contactdagen.",
        "“België blijft een betrouwbare partner, ook wanneer de wereldorde wankelt.” - Maxime Prévot, "
        "Vice-eersteminister en minister van Buitenlandse Zaken",
        "De deelnemers keerden terug naar hun post met een gemeenschappelijke agenda.",
        "",
    ]
)
# Markup and script-like text a hostile or broken page could carry: the site must show it as text.
HOSTILE_ARTICLE = "\n".join(
    [
        "-",
        "Last updated on",
        '<script>alert("body")</script> The ministers met in Brussels to discuss consular assistance.',
        "Read more: <a href=\"javascript:alert('link')\">the programme</a> "
        "or JavaScript:alert(document.cookie)",
        "“<script>alert('quote')</script> Zanzibarian resilience <img src=x onerror=alert('img')> matters "
        "to us.” - Maxime Prévot, Deputy Prime Minister and Minister of Foreign Affairs",
        "",
    ]
)
HOSTILE_TITLE = '=HYPERLINK("https://example.com/","<script>alert(\'title\')</script>")'
EXTRA_ARTICLES = {
    "901_fr_journees_diplomatiques": ("fr", "Journées diplomatiques 2025", FRENCH_ARTICLE),
    "902_nl_diplomatieke_contactdagen": ("nl", "Diplomatieke contactdagen 2025", DUTCH_ARTICLE),
    "903_en_hostile_markup": ("en", HOSTILE_TITLE, HOSTILE_ARTICLE),
}


def add_article(raw_dir: Path, stem: str, language: str, title: str, text: str) -> None:
    """Write an article and its provenance record (the seed's, with this text's id, file, size and
    sha256) into a raw folder."""
    data = text.encode("utf-8")
    record = yaml.safe_load(SEED.with_suffix(".yml").read_text(encoding="utf-8"))
    record.update(
        id=stem,
        file=f"{stem}.txt",
        url=f"https://diplomatie.belgium.be/{language}/news/{stem.replace('_', '-')}",
        title=title,
        language=language,
        bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    (raw_dir / f"{stem}.txt").write_bytes(data)
    (raw_dir / f"{stem}.yml").write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")


@pytest.fixture(scope="session")
def mixed_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release of the seed plus a French, a Dutch and a hostile article (EXTRA_ARTICLES)."""
    raw = tmp_path_factory.mktemp("mixed-raw")
    shutil.copy(SEED, raw / SEED.name)
    shutil.copy(SEED.with_suffix(".yml"), raw / SEED.with_suffix(".yml").name)
    for stem, (language, title, text) in EXTRA_ARTICLES.items():
        add_article(raw, stem, language, title, text)
    root = tmp_path_factory.mktemp("mixed-release")
    report = build(root=root, raw_dir=raw)
    assert not report.rejected, report.rejected
    return root


@pytest.fixture(scope="session")
def mixed_client(mixed_release: Path) -> Iterator[Client]:
    found = Client(mixed_release)
    yield found
    found.close()


def unused_port() -> int:
    """A TCP port free on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`diplodata serve` on a release (in workers processes, the cores if not given), as a subprocess
    on a free loopback port."""

    def __init__(self, root: Path, workers: int | None = None) -> None:
        self.port = unused_port()
        self.url = f"http://127.0.0.1:{self.port}"
        asked = ["--workers", str(workers)] if workers is not None else []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "etl", "serve", "--root", str(root), "--port", str(self.port), *asked],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait(self, timeout: float = 60) -> None:
        """Return once the server answers its front page; fail if it exits or takes too long."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the server exited with status {self.process.returncode}") from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        """Stop the server process."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def site(release: Path) -> Iterator[Server]:
    """The release built from the committed inputs, served by `diplodata serve` on a free loopback
    port, stopped at the end."""
    server = Server(release)
    try:
        server.wait()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mixed_server(mixed_release: Path) -> Iterator[Server]:
    """The mixed release served by `diplodata serve` on a free loopback port, stopped at the end."""
    server = Server(mixed_release)
    try:
        server.wait()
        yield server
    finally:
        server.stop()
