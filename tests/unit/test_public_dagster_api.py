"""The package's own imports, read from its source with ast: Dagster only through its public API (no `dagster._`
module anywhere), and no import cycle between the package's modules (issue 19)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "pipelines" / "toggl_warehouse"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module `path` imports, at top level or inside a function, with relative imports resolved."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module_name(path).split(".")
                package = package if path.name == "__init__.py" else package[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


SOURCES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def test_the_package_has_modules_to_scan():
    assert {"toggl_warehouse.backfill", "toggl_warehouse.cli", "toggl_warehouse.demo", "toggl_warehouse.assets.earnings_check"} <= set(SOURCES)
    assert "toggl_warehouse.checks" not in SOURCES and "toggl_warehouse.instance_storage" not in SOURCES


def test_no_private_dagster_module_is_imported():
    private = {
        name: sorted(m for m in imports(path) if m.split(".")[0].startswith("dagster") and "._" in f".{m}" and any(p.startswith("_") for p in m.split(".")[1:]))
        for name, path in SOURCES.items()
    }
    assert {name: found for name, found in private.items() if found} == {}


def test_no_module_of_the_package_imports_itself_back():
    graph = {name: {m for m in imports(path) if m in SOURCES and m != name} for name, path in SOURCES.items()}
    # a package's __init__ is imported with each of its modules, but none of ours imports anything
    cycles = []
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    cycles.append(" -> ".join([*path, nxt]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    assert cycles == []
