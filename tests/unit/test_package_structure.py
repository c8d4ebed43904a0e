"""The package's source read with ast: Dagster only through its public API (no `dagster._` module anywhere), no
import cycle between the package's modules, no `os.environ` read in warehouse/ (settings.py reads the variables)
and no process environment written by demo.py or backfill.py (issue 19)."""

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


def environ_uses(path: Path) -> dict[str, int]:
    """How often `path` reads (`os.environ[...]`, `.get`, `os.getenv`) and writes (assignment, `del`, `update`,
    `pop`, `setdefault`, `putenv`) the process environment."""
    tree = ast.parse(path.read_text(), str(path))
    reads = writes = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "environ" and getattr(node.value, "id", None) == "os":
            reads += 1
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target, method = node.func.value, node.func.attr
            if getattr(target, "id", None) == "os" and method in ("getenv", "putenv", "unsetenv"):
                reads += method == "getenv"
                writes += method != "getenv"
            if isinstance(target, ast.Attribute) and target.attr == "environ" and method in ("update", "pop", "setdefault", "clear"):
                writes += 1
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            writes += sum(isinstance(t, ast.Subscript) and isinstance(t.value, ast.Attribute) and t.value.attr == "environ" for t in targets)
    return {"reads": reads, "writes": writes}


def test_warehouse_reads_no_environment_and_demo_and_backfill_write_none():
    warehouse = {name: environ_uses(path)["reads"] for name, path in SOURCES.items() if name.startswith("toggl_warehouse.warehouse")}
    assert len(warehouse) >= 6 and set(warehouse.values()) == {0}
    for name in ("toggl_warehouse.demo", "toggl_warehouse.backfill"):
        assert environ_uses(SOURCES[name])["writes"] == 0, name
    assert environ_uses(SOURCES["toggl_warehouse.settings"])["reads"] > 0  # where the variables are read
