"""The recipes of the "Use the data" page: how to load the data with frictionless, pandas,
DuckDB, R, sqlite-utils, a spreadsheet and the JSON API. One file holds them (recipes.yml): the
page shows them with the site's own address, and the tests run each one against a real copy of
the site, in order, in one folder, and check what it prints."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etl.reference import read_yaml
from etl.site.i18n import TextsError, three_languages

RECIPES_FILE = Path(__file__).resolve().parent / "recipes.yml"
# How a recipe runs: a shell script, Python, DuckDB's SQL, R; `text` is instructions to follow.
KINDS = ("shell", "python", "sql", "r", "text")
BASE = "{base}"


@dataclass(frozen=True)
class Recipe:
    """A recipe: its texts by language, how it runs, its code and what its output must hold."""

    id: str
    titles: dict[str, str]
    intros: dict[str, str]
    kind: str
    code: str
    expect: tuple[str, ...]

    def code_for(self, base: str) -> str:
        """The code with the site's address in it."""
        return self.code.replace(BASE, base.rstrip("/"))

    def shown(self, base: str, lang: str) -> dict[str, str]:
        """The recipe as the page shows it, in a language, with the site's address."""
        return {
            "id": self.id,
            "title": self.titles[lang],
            "intro": self.intros[lang],
            "kind": self.kind,
            "code": self.code_for(base),
        }


def parse_recipes(data: Any, where: str = "recipes.yml") -> tuple[Recipe, ...]:
    """The recipes of a recipes.yml mapping, each checked: texts in three languages, a known kind,
    some code."""
    if not isinstance(data, dict) or not data:
        raise TextsError(f"{where}: holds no recipe")
    recipes = []
    for name, body in data.items():
        here = f"{where}: {name}"
        if not isinstance(body, dict) or body.get("kind") not in KINDS or not str(body.get("code") or ""):
            raise TextsError(f"{here}: needs a kind ({', '.join(KINDS)}) and code")
        recipes.append(
            Recipe(
                id=str(name),
                titles=three_languages(body.get("title"), f"{here}.title"),
                intros=three_languages(body.get("intro"), f"{here}.intro"),
                kind=str(body["kind"]),
                code=str(body["code"]).rstrip() + "\n",
                expect=tuple(str(e) for e in body.get("expect") or ()),
            )
        )
    return tuple(recipes)


@functools.cache
def load_recipes(path: Path = RECIPES_FILE) -> tuple[Recipe, ...]:
    """The recipes of the site (recipes.yml), in the order the page shows and the tests run them."""
    return parse_recipes(read_yaml(path), path.name)
