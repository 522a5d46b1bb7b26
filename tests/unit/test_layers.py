"""The layers of exam/ (ARCHITECTURE.md): base <- core <- services <- edges, no import cycles, thin edges.

Every import counts, also one inside a function: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "exam"

# The first matching prefix wins; a module's layer is its rank here.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "base",
        (
            "exam.settings",
            "exam.db",
            "exam.models",
            "exam.timeutil",
            "exam.i18n",
            "exam.i18n_catalog",
            "exam.errors",
            "exam.security",
            "exam.migrate",
            "exam.migrations",
            "exam.numbers",
            "exam.integrity",
            "exam.zhtext",
            "exam.resources",
            "exam.data",
            "exam",
        ),
    ),
    ("core", ("exam.grading", "exam.questions", "exam.banks", "exam.hiring", "exam.simulation", "exam.analysis")),
    ("services", ("exam.services",)),
    ("edges", ("exam.web", "exam.cli", "exam.app")),
]
RANK = {name: rank for rank, (name, _prefixes) in enumerate(LAYERS)}
# Third-party packages the pure core must not touch (no database, no web).
CORE_FORBIDDEN = ("sqlmodel", "sqlalchemy", "fastapi", "starlette", "jinja2", "exam.db", "exam.migrate")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    for name, prefixes in LAYERS:
        for prefix in prefixes:
            if prefix == "exam" and module != "exam":
                continue
            if module == prefix or module.startswith(prefix + "."):
                return name
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in {__file__}")


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node except those under ``if TYPE_CHECKING:`` (type-only imports are no run-time dependency)."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        out.append(node)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return out


def imports_of(module: str, path: Path) -> set[str]:
    """Every exam.* (and third-party top-level) module this module imports at run time, anywhere in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {
        m: {t for t in imports_of(m, p) if t in mods and t != m and not m.startswith(t + ".")} for m, p in mods.items()
    }


def test_every_module_has_a_layer() -> None:
    for module in modules():
        layer_of(module)


def test_no_module_imports_from_a_layer_above_it() -> None:
    upward = [
        f"{m} ({layer_of(m)}) imports {t} ({layer_of(t)})"
        for m, targets in graph().items()
        for t in sorted(targets)
        if RANK[layer_of(t)] > RANK[layer_of(m)]
    ]
    assert not upward, "\n".join(upward)


def test_the_core_is_pure() -> None:
    impure = []
    for module, path in modules().items():
        if layer_of(module) != "core":
            continue
        for target in imports_of(module, path):
            if any(target == f or target.startswith(f + ".") for f in CORE_FORBIDDEN):
                impure.append(f"{module} imports {target}")
    assert not impure, "\n".join(sorted(impure))


def _cycle_from(start: str, g: dict[str, set[str]]) -> list[str] | None:
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        for nxt in sorted(g[node]):
            if nxt == start:
                return path + [start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, path + [nxt]))
    return None


def test_no_import_cycles() -> None:
    g = graph()
    cycles = [" -> ".join(c) for m in sorted(g) if (c := _cycle_from(m, g))]
    assert not cycles, "\n".join(cycles[:10])


@pytest.mark.parametrize("folder", ["web", "cli"])
def test_edges_leave_transactions_to_the_services(folder: str) -> None:
    """Routers and commands parse, call a service and render: no commit, rollback or row lock of their own."""
    offenders = []
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in (
                "commit",
                "rollback",
                "with_for_update",
                "begin_nested",
            ):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} .{node.attr}")
    assert not offenders, "\n".join(offenders)


def test_modules_stay_readable() -> None:
    """No module over 600 lines unless its docstring says why."""
    long = []
    for module, path in modules().items():
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        doc = ast.get_docstring(ast.parse(text)) or ""
        if lines > 600 and "long because" not in doc:
            long.append(f"{module}: {lines} lines")
    assert not long, "\n".join(long)
