"""The code's layers: stages import only earlier stages, through their faces; foundations import no stage.

The order is raw → extract → curate → package → release → site → the build and the command line.
Read with `ast` from the source files, so a later change that breaks the order fails CI."""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from etl.layout import ROOT

PACKAGE = "etl"
STAGES = ("raw", "extract", "curate", "package", "release", "site")
TOP = ("build", "update", "review", "engine", "screens", "cli", "__main__")
FOUNDATIONS = ("__init__", "layout", "specs", "reference", "memory", "apart", "imports", "digests")
TOP_RANK = len(STAGES)


@dataclass(frozen=True)
class Place:
    """Where a module sits: its layer's rank and name, and its stage (None for a foundation)."""

    rank: int
    layer: str
    stage: str | None


def place_of(module: str) -> Place:
    """The layer of a module of the package, named with dots (etl.raw.sources, etl.build)."""
    parts = module.split(".")
    head = parts[1] if len(parts) > 1 else "__init__"
    if head in STAGES:
        return Place(STAGES.index(head), head, head)
    if head in TOP:
        return Place(TOP_RANK, head, None)
    if head in FOUNDATIONS:
        return Place(-1, "foundation", None)
    raise AssertionError(f"{module}: not in a stage, the top or the foundations; give it a layer")


def module_name(path: Path, package_dir: Path) -> str:
    """The dotted name of a source file of the package."""
    parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, module: str) -> list[tuple[int, str]]:
    """Every module of the package a source file imports, with its line, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from etl import raw` imports the stage raw.
            if target == PACKAGE:
                layers = (*STAGES, *TOP, *FOUNDATIONS)
                found += [(node.lineno, f"{target}.{a.name}") for a in node.names if a.name in layers]
    return [(line, name) for line, name in found if name == PACKAGE or name.startswith(PACKAGE + ".")]


def problem_of(module: str, target: str, is_face: bool) -> str | None:
    """What is wrong with one import of a module, None when it keeps to the layers."""
    here, there = place_of(module), place_of(target)
    face = f"{PACKAGE}.{there.stage}"
    if here.rank < 0 and there.rank >= 0:
        return f"the foundation {module} imports the {there.layer} layer ({target})"
    if there.rank > here.rank:
        return f"{here.layer} imports the later {there.layer} layer ({target})"
    if there.stage is not None and there.stage != here.stage and target != face:
        return f"{target} is inside the {there.stage} stage; import its face"
    if there.stage is not None and there.stage == here.stage and target == face and not is_face:
        return f"{module} imports its own stage's face; import the module"
    return None


def violations(package_dir: Path) -> list[str]:
    """Each import that breaks the layers, as `file:line: what is wrong`."""
    problems = []
    for path in sorted(package_dir.rglob("*.py")):
        module = module_name(path, package_dir)
        for line, target in imported_modules(path, module):
            problem = problem_of(module, target, path.name == "__init__.py") if target != PACKAGE else None
            if problem is not None:
                problems.append(f"{path.relative_to(package_dir.parent)}:{line}: {problem}")
    return problems


def test_layers_hold_in_the_package() -> None:
    assert violations(ROOT / PACKAGE) == []


def test_every_stage_has_a_face_with_a_docstring() -> None:
    for stage in STAGES:
        face = ROOT / PACKAGE / stage / "__init__.py"
        docstring = ast.get_docstring(ast.parse(face.read_text(encoding="utf-8")))
        assert docstring and docstring.startswith("Stage "), (
            f"{face}: no docstring saying what the stage does"
        )


@pytest.fixture
def copy_of_package(tmp_path: Path) -> Path:
    """A copy of the package's sources, to break on purpose."""
    target = tmp_path / PACKAGE
    shutil.copytree(ROOT / PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.mark.parametrize(
    ("module", "line", "expected"),
    [
        ("raw/sources.py", "from etl.site import serve", "raw imports the later site layer (etl.site)"),
        ("extract/text.py", "import etl.curate.merge", "extract imports the later curate layer"),
        ("package/render.py", "from etl.build import build", "package imports the later build layer"),
        ("layout.py", "from etl.raw import Source", "the foundation etl.layout imports the raw layer"),
        ("site/landing.py", "from etl.release.diff import compare_releases", "inside the release stage"),
        ("release/diff.py", "from etl.release import publish", "imports its own stage's face"),
        ("curate/merge.py", "from ..site import metadata", "curate imports the later site layer (etl.site)"),
        ("raw/fetch.py", "from etl import site", "raw imports the later site layer (etl.site)"),
    ],
)
def test_violations_find_a_deliberately_wrong_import(
    copy_of_package: Path, module: str, line: str, expected: str
) -> None:
    path = copy_of_package / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    found = violations(copy_of_package)
    assert len(found) == 1 and expected in found[0], found
    assert found[0].startswith(f"etl/{module}:")
