"""The "Use the data" page's recipes work as written: each is run, in order, in one folder,
against the committed release served by `diplodata serve` on a loopback port, and what it prints
holds what recipes.yml expects. The page shows them with the site's own address."""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import duckdb
import openpyxl
import pytest

from etl.site.i18n import TextsError
from etl.site.recipes import Recipe, load_recipes, parse_recipes
from tests.conftest import Client, Server

RECIPES = load_recipes()
TOOLS = {"shell": "bash", "r": "Rscript"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("recipes")


def run(recipe: Recipe, base: str, folder: Path) -> str:
    """Run a recipe in a folder as a user would, and return what it printed."""
    code = recipe.code_for(base)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    if recipe.kind == "python":
        command = [sys.executable, "-c", code]
    elif recipe.kind == "shell":
        command = ["bash", "-euo", "pipefail", "-c", code]
    elif recipe.kind == "r":
        command = ["Rscript", "-e", code]
    elif recipe.kind == "sql":
        connection = duckdb.connect()
        try:
            os.chdir(folder)
            rows = connection.sql(code).fetchall()
            return "\n".join(" | ".join(str(v) for v in row) for row in rows)
        finally:
            connection.close()
    else:  # instructions: the address they give answers, and a spreadsheet opens what it gets
        url = code.strip()
        with urllib.request.urlopen(url) as answer:
            target = folder / "from-the-instructions.xlsx"
            target.write_bytes(answer.read())
        return ", ".join(openpyxl.load_workbook(target, read_only=True).sheetnames)
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{recipe.id} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_recipes_cover_what_people_use() -> None:
    assert RECIPES[0].id == "download"
    kinds = {r.kind for r in RECIPES}
    assert {"shell", "python", "sql", "r", "text"} <= kinds
    code = " ".join(r.code for r in RECIPES)
    for needed in ("to_pandas()", "dtype_backend", "sqlite-utils", "--empty-null", "_shape=", "_labels=on"):
        assert needed in code, needed
    assert "next_url" in code  # paging


@pytest.mark.parametrize("recipe", RECIPES, ids=[r.id for r in RECIPES])
def test_each_recipe_runs_and_prints_what_it_promises(
    recipe: Recipe, site: Server, workdir: Path, request: pytest.FixtureRequest
) -> None:
    if recipe.id != "download" and not (workdir / "diplomacy-network" / "datapackage.json").exists():
        run(RECIPES[0], site.url, workdir)  # the recipes work in the folder the first one fills
    tool = TOOLS.get(recipe.kind)
    if tool is not None and shutil.which(tool) is None:
        pytest.fail(f"the {recipe.id} recipe needs {tool}: apt-get install r-base-core (.ci/run does)")
    here = Path.cwd()
    try:
        output = run(recipe, site.url, workdir)
    finally:
        os.chdir(here)
    printed = " ".join(output.split())  # columns are aligned with as many spaces as they need
    for expected in recipe.expect:
        assert " ".join(expected.split()) in printed, (recipe.id, expected, output)
    del request


def test_the_page_shows_each_recipe_with_the_sites_address(client: Client) -> None:
    page = client.get("/-/use")
    assert page.status_code == 200
    text = html.unescape(page.text)
    for recipe in RECIPES:
        assert f'id="{recipe.id}"' in text
        assert recipe.titles["en"] in text
    assert "{base}" not in text and "http://localhost/downloads/diplomacy-network.zip" in text
    dutch = html.unescape(client.get("/-/use?lang=nl").text)
    assert all(r.titles["nl"] in dutch for r in RECIPES) and 'lang="nl"' in dutch


def test_a_recipe_without_a_language_or_code_is_refused() -> None:
    good = {"kind": "python", "title": {"en": "a", "nl": "b", "fr": "c"}, "code": "print(1)"}
    good["intro"] = good["title"]
    assert parse_recipes({"x": good})[0].code == "print(1)\n"
    with pytest.raises(TextsError, match=r"x.title: no text in fr"):
        parse_recipes({"x": {**good, "title": {"en": "a", "nl": "b"}}})
    with pytest.raises(TextsError, match="needs a kind"):
        parse_recipes({"x": {**good, "kind": "cobol"}})
