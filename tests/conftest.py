"""Shared fixtures: the seed source, its facts, and a release built into a temporary folder."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from etl.build import build
from etl.extract import extract_source
from etl.layout import RAW_DIR
from etl.reference import Reference, load_reference
from etl.site import datasette_app
from etl.sources import Source, read_source

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

    def get(self, path: str) -> Any:
        return self.loop.run_until_complete(self.app.client.get(path))

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.loop.run_until_complete(self.app.client.post(path, **kwargs))

    def close(self) -> None:
        self.loop.close()


@pytest.fixture(scope="session")
def client(release: Path) -> Iterator[Client]:
    found = Client(release)
    yield found
    found.close()
