"""The layout docs/architecture.md draws, held by the imports themselves (read with ast, not run).

definition -> intake -> store -> live -> results -> api / web / cli: the rules import nothing
impure, the store knows nothing of what serves it, the live service knows nothing of HTTP, the
API and the website never import each other (only saylau.server knows both), no module reaches
for another module's private names, and no two modules import each other at load time.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "saylau"
#: Libraries that do I/O or serve HTTP: the pure core does not touch them.
IMPURE = ("sqlalchemy", "alembic", "psycopg", "fastapi", "starlette", "uvicorn", "httpx", "jinja2", "click")
HTTP = ("fastapi", "starlette", "uvicorn", "httpx", "jinja2")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, ast.Module]:
    return {
        module_name(p): ast.parse(p.read_text(encoding="utf-8"))
        for p in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in p.parts
    }


def imports(tree: ast.Module, *, top_level_only: bool = False) -> Iterator[tuple[str, list[str], int]]:
    """(module imported, names imported from it, line) for each import; ``top_level_only``: those
    run when the module loads (not inside functions, not under ``if TYPE_CHECKING``)."""

    def walk(nodes: list[ast.stmt]) -> Iterator[ast.stmt]:
        for node in nodes:
            yield node
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if top_level_only and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(node, field, None)
                if isinstance(inner, list):
                    yield from walk([n for n in inner if isinstance(n, ast.stmt | ast.ExceptHandler)])  # type: ignore[misc]

    for node in walk(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, [a.name for a in node.names], node.lineno


@functools.cache
def trees() -> dict[str, ast.Module]:
    """Every module's tree, parsed when a test first asks (1.5 s: not at collection, where every
    worker would pay it)."""
    return modules()


def under(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def offences(owner: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{name}:{line} imports {target}"
        for name, tree in trees().items()
        if under(name, *owner)
        for target, _, line in imports(tree)
        if under(target, *forbidden)
    ]


def test_the_walk_sees_the_packages() -> None:
    for package in ("saylau.rules", "saylau.store", "saylau.live", "saylau.api", "saylau.web", "saylau.http"):
        assert package in trees()


def test_the_rules_import_nothing_impure() -> None:
    inside = [
        f"{name}:{line} imports {target}"
        for name, tree in trees().items()
        if under(name, "saylau.rules")
        for target, _, line in imports(tree)
        if target.startswith("saylau") and not under(target, "saylau.rules", "saylau.errors")
    ]
    assert inside == []
    assert offences(("saylau.rules",), IMPURE) == []


def test_the_log_s_mathematics_is_pure() -> None:
    """The Merkle tree and the signed notes are what a second verifier re-implements: they stand on
    the standard library and ``cryptography`` alone, never on the store or a server."""
    maths = ("saylau.transparency.merkle", "saylau.transparency.note")
    assert all(m in trees() for m in maths)
    inside = [
        f"{name}:{line} imports {target}"
        for name in maths
        for target, _, line in imports(trees()[name])
        if target.startswith("saylau") and not under(target, "saylau.transparency", "saylau.errors")
    ]
    assert inside == []
    assert offences(maths, IMPURE) == []


def test_the_store_knows_nothing_of_what_serves_it() -> None:
    forbidden = ("saylau.live", "saylau.api", "saylau.web", "saylau.http", "saylau.server", "saylau.cli")
    assert offences(("saylau.store",), forbidden) == []


def test_the_parallel_count_is_pure() -> None:
    """saylau.copies compares arrays: no store, no service, no HTTP (its adapters call it)."""
    forbidden = ("saylau.store", "saylau.live", "saylau.api", "saylau.web", "saylau.http", "saylau.cli")
    assert offences(("saylau.copies",), (*forbidden, *IMPURE)) == []


def test_the_live_service_knows_nothing_of_http_or_html() -> None:
    forbidden = ("saylau.api", "saylau.web", "saylau.http", "saylau.server", "saylau.cli", *HTTP)
    assert offences(("saylau.live",), forbidden) == []


@pytest.mark.parametrize(("one", "other"), [("saylau.api", "saylau.web"), ("saylau.web", "saylau.api")])
def test_the_api_and_the_website_never_import_each_other(one: str, other: str) -> None:
    assert offences((one,), (other, "saylau.server")) == []


def test_the_static_site_asks_the_website_not_the_api() -> None:
    """saylau.site renders the website's pages and the publish/ documents from live/ snapshots:
    it needs neither the API nor the server; and nothing that serves knows it exists."""
    assert "saylau.site" in trees()
    assert offences(("saylau.site",), ("saylau.api", "saylau.server", "saylau.cli")) == []
    serving = ("saylau.web", "saylau.api", "saylau.http", "saylau.live", "saylau.store", "saylau.server")
    assert offences(serving, ("saylau.site",)) == []


def test_no_module_imports_another_module_s_private_names() -> None:
    found = [
        f"{name}:{line} imports {target}.{n}"
        for name, tree in trees().items()
        for target, names, line in imports(tree)
        if target.startswith("saylau")
        for n in names
        if n.startswith("_") and not n.startswith("__")
    ]
    assert found == []


def test_no_two_modules_import_each_other_at_load_time() -> None:
    graph: dict[str, set[str]] = {name: set() for name in trees()}
    for name, tree in trees().items():
        for target, names, _ in imports(tree, top_level_only=True):
            # ``from saylau.x import y`` imports the module saylau.x.y when there is one
            submodules = {f"{target}.{n}" for n in names if f"{target}.{n}" in trees()}
            if submodules and len(submodules) == len(names):
                graph[name].update(submodules)
            elif target in trees():
                graph[name].add(target)
        graph[name].discard(name)
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []
