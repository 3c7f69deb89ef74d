"""Hostile inputs for the reliability battery: pages and texts that try to hurt the build, archived
with a provenance record as `diplodata fetch` would write one."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from tests.conftest import SEED

PAGE = (
    "<!DOCTYPE html><html lang='en'><body><article><h1>{title}</h1>"
    "<div class='field--name-body'>{body}</div></article></body></html>"
)
SENTENCE = "<p>Belgium has 86 embassies and 12 consulates general around the world.</p>"


def page(body: str, title: str = "Belgium's network of posts") -> str:
    """An article page of the site with this body."""
    return PAGE.format(title=title, body=body)


def deep_page(levels: int) -> str:
    """A page whose only paragraph lies under so many nested <div>s."""
    return page("<div>" * levels + SENTENCE + "</div>" * levels)


def archive(raw_dir: Path, stem: str, text: str, suffix: str = ".html") -> Path:
    """Write a text and its provenance record (the seed's, with this file's id, size and sha256)."""
    data = text.encode("utf-8")
    record = yaml.safe_load(SEED.with_suffix(".yml").read_text(encoding="utf-8"))
    record.update(
        id=stem,
        file=f"{stem}{suffix}",
        url=f"https://diplomatie.belgium.be/en/news/{stem}",
        format="text/html" if suffix == ".html" else "text/plain",
        bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    (raw_dir / f"{stem}{suffix}").write_bytes(data)
    (raw_dir / f"{stem}.yml").write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    return raw_dir / f"{stem}{suffix}"
