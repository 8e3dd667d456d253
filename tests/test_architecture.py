"""The walls between packages, checked on the source: a package reaches another only through
its service (or routes' dependencies), never its tables, and no two packages need each other."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import TypeGuard

import jishi

SOURCE = Path(jishi.__file__).parent
# Wiring, not business: they see every package by design.
WIRING = {"app", "bootstrap", "cli", "demo", "models", "migrations", "settings", "__init__", "__main__"}
SHARED = {"core", "pricing"}  # the kernel and the pure pricing pipeline; they import no business package


def _package_of(path: Path) -> str:
    return path.relative_to(SOURCE).parts[0].removesuffix(".py")


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def _business_modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(SOURCE.rglob("*.py")):
        package = _package_of(path)
        if package not in WIRING:
            yield package, path


def _dependencies() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for package, path in _business_modules():
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "jishi" and len(parts) > 1 and parts[1] not in WIRING | {package}:
                graph.setdefault(package, set()).add(parts[1])
    return graph


def test_no_package_imports_another_packages_tables() -> None:
    offences = [
        f"{path.relative_to(SOURCE)} imports {name}"
        for package, path in _business_modules()
        for name in _imports(path)
        if name.startswith("jishi.")
        and name.split(".")[1] not in (package, "core")
        and ".models" in name.removeprefix(f"jishi.{name.split('.')[1]}")
    ]
    assert offences == []


def test_the_kernel_and_pricing_import_no_business_package() -> None:
    graph = _dependencies()
    assert {p: sorted(graph.get(p, set()) - SHARED) for p in SHARED} == {p: [] for p in SHARED}


def test_packages_do_not_depend_on_each_other_in_a_circle() -> None:
    graph = _dependencies()
    cycles = []
    for start in sorted(graph):
        seen, stack = set(), [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph.get(node, set())):
                if nxt == start:
                    cycles.append(" → ".join([*path, start]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    assert cycles == []


STOCK_COUNTERS = {"stock", "reserved", "stock_total"}
# The demo catalog's bulk loader writes seed rows, counters included (docs/architecture.md).
SEED_LOADERS = {"catalog/demo.py"}


def _counter_writes(tree: ast.AST) -> Iterator[int]:
    """Lines that assign a stock counter: ``x.stock = …`` or ``.values(stock=…)``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Attribute) and leaf.attr in STOCK_COUNTERS:
                        yield node.lineno
        elif _is_values_call(node) and any(k.arg in STOCK_COUNTERS for k in node.keywords):
            yield node.lineno


def _is_values_call(node: ast.AST) -> TypeGuard[ast.Call]:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "values"


def test_only_inventory_writes_the_stock_counters() -> None:
    offences = [
        f"{path.relative_to(SOURCE)}:{line}"
        for package, path in _business_modules()
        if package != "inventory" and str(path.relative_to(SOURCE)) not in SEED_LOADERS
        for line in _counter_writes(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offences == []
