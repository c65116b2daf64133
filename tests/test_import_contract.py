"""The catalogue boundary, read from the source with ``ast`` (docs/architecture.md):

* only ``appliance/catalog/`` imports Peewee/playhouse or runs SQL (``execute_sql``, or a
  query method such as ``.select(``/``.insert(``/``.update(``/``.delete(``/``.get_or_none(``
  called on a catalog model or the database);
* ``appliance/catalog/`` imports neither ``appliance.ingest`` nor ``appliance.vision``;
* what the web and search processes import never loads dlib (checked by importing the app
  in a fresh interpreter).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "appliance"
CATALOG = PACKAGE / "catalog"

DRIVERS = ("peewee", "playhouse")
QUERY_METHODS = frozenset(
    {
        "select",
        "insert",
        "insert_many",
        "insert_from",
        "replace",
        "replace_many",
        "update",
        "delete",
        "delete_by_id",
        "get",
        "get_or_none",
        "get_by_id",
        "get_or_create",
        "create",
        "raw",
        "bulk_create",
        "bulk_update",
        "atomic",
        "transaction",
        "execute_sql",
    }
)


def _modules(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def _rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def _imports(tree: ast.AST) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every import, nested ones (inside functions) included."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, [alias.asname or ""]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{a.name} as {a.asname or a.name}" for a in node.names]
            found.append((node.lineno, node.module, names))
    return found


def _catalog_names(tree: ast.AST) -> set[str]:
    """Local names bound to catalog models, the database proxy or the models module."""
    names = set()
    for _, module, imported in _imports(tree):
        if module == "appliance.catalog.models":
            names.update(entry.split(" as ")[-1] for entry in imported if " as " in entry)
            names.update(alias for alias in imported if alias and " as " not in alias)
        elif module == "appliance.catalog":
            for entry in imported:
                name, _, local = entry.partition(" as ")
                if name == "models":
                    names.add(local)
    return names


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def sql_outside_catalog(path: Path) -> list[str]:
    """What in ``path`` breaks the rule that only catalog/ talks to the database."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    problems = [
        f"line {line}: imports {module}"
        for line, module, _ in _imports(tree)
        if module.split(".")[0] in DRIVERS
    ]
    models = _catalog_names(tree)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        if method == "execute_sql":
            problems.append(f"line {node.lineno}: calls execute_sql")
        elif method in QUERY_METHODS and _root_name(node.func.value) in models:
            problems.append(f"line {node.lineno}: runs .{method}() on a catalog model")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "_meta" and _root_name(node) in models:
            problems.append(f"line {node.lineno}: reaches into a model's _meta")
    return sorted(set(problems))


def test_only_catalog_runs_sql() -> None:
    broken = {}
    for path in _modules(PACKAGE):
        rel = _rel(path)
        if path.is_relative_to(CATALOG):
            continue
        problems = sql_outside_catalog(path)
        if problems:
            broken[rel] = problems
    assert not broken, f"SQL outside appliance/catalog/: {broken}"


def test_catalog_imports_neither_ingest_nor_vision() -> None:
    broken = []
    for path in _modules(CATALOG):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, module, _ in _imports(tree):
            if module.startswith(("appliance.ingest", "appliance.vision")):
                broken.append(f"{_rel(path)}:{line} imports {module}")
    assert not broken, broken


def test_the_pipeline_never_imports_the_web_app() -> None:
    """ingest/, media/ and vision/ run in the service and the workers, never through Flask."""
    broken = []
    for package in ("ingest", "media", "vision"):
        for path in _modules(PACKAGE / package):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for line, module, _ in _imports(tree):
                if module.startswith("appliance.web"):
                    broken.append(f"{_rel(path)}:{line} imports {module}")
    assert not broken, broken


def test_the_checker_sees_what_it_must(tmp_path: Path) -> None:
    """The rules catch each kind of offence (so a green run means something)."""
    offender = tmp_path / "offender.py"
    offender.write_text(
        "import peewee as pw\n"
        "from appliance.catalog.models import Photo, database_proxy\n"
        "def f(db):\n"
        "    Photo.select().where(Photo.id == 1)\n"
        "    Photo.get_or_none(Photo.id == 2)\n"
        "    db.execute_sql('SELECT 1')\n"
        "    with database_proxy.atomic():\n"
        "        pass\n"
        "    Photo._meta.fields\n"
        "from appliance.catalog import models as m\n"
        "m.Face.get_by_id(3)\n"
    )
    problems = " ".join(sql_outside_catalog(offender))
    expected_kinds = ("imports peewee", ".select()", ".get_or_none()", "execute_sql", ".atomic()")
    for expected in (*expected_kinds, ".get_by_id()"):
        assert expected in problems
    assert "_meta" in problems
    clean = tmp_path / "clean.py"
    clean.write_text(
        "import select\n"
        "from appliance.catalog.photos import visible_photo\n"
        "def f(fds, photo_id):\n"
        "    select.select(fds, [], [], 1)\n"
        "    return visible_photo(photo_id).taken_at\n"
    )
    assert sql_outside_catalog(clean) == []


HEAVY = ("dlib", "face_recognition_models", "appliance.vision.faces", "appliance.ingest.workers")


@pytest.mark.parametrize(
    "entry",
    [
        "from appliance.web import create_app; import appliance.web.api, appliance.web.people",
        "import appliance.catalog.people, appliance.catalog.queries, appliance.search.query",
        "import appliance.commands.search, appliance.commands.people",
    ],
)
def test_web_and_search_never_load_dlib(entry: str, tmp_path: Path) -> None:
    """Every blueprint of the app is imported (create_app registers them all)."""
    code = (
        "import sys\n"
        f"{entry}\n"
        "from appliance.config import Settings\n"
        "from appliance.web import create_app\n"
        f"create_app(Settings(library={str(tmp_path / 'lib')!r}))\n"
        f"print(sorted(m for m in sys.modules if m.startswith({HEAVY!r})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_no_test_imports_from_a_conftest() -> None:
    """The suite has more than one conftest.py; ``conftest`` names whichever pytest loaded
    last, so a test importing from it breaks with the collection order (CI, 2026-12-03).
    Shared constants live in tests/suite_env.py."""
    offenders = [
        f"{_rel(path)}:{line}"
        for path in _modules(REPO / "tests")
        for line, module, _names in _imports(ast.parse(path.read_text(encoding="utf-8")))
        if module == "conftest"
    ]
    assert not offenders, offenders
