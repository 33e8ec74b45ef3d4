"""Imports point one way: leaf modules <- resources <- the dispatcher side (backend, delivery, ...).

* leaf modules (ids, config, clock, patterns, bus, scheduler, state, context, http/) import no
  other stripe_fake module but leaf modules;
* resources never import backend, delivery, recording, fake, server, cli or persistence;
* the dispatcher side reaches resources only through ``stripe_fake.resources`` (its ``__init__``).

Imports under ``if TYPE_CHECKING:`` are for annotations only and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import stripe_fake

ROOT = Path(stripe_fake.__file__).parent
LEAVES = ("ids", "config", "clock", "patterns", "bus", "scheduler", "state", "context", "http")
UPWARD = ("backend", "delivery", "recording", "fake", "server", "cli", "persistence")
DISPATCHERS = ("backend", "delivery", "fake", "server", "persistence")


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["stripe_fake", *parts])


def _runtime_imports(source: str, module: str, is_package: bool) -> list[str]:
    """Absolute names of the stripe_fake modules ``module`` imports at run time."""
    tree = ast.parse(source)
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    package = module.split(".") if is_package else module.split(".")[:-1]
    found: list[str] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names if alias.name.startswith("stripe_fake"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("stripe_fake"):
                if node.module is None:  # from . import x: x is a module of that package
                    found.extend(f"{target}.{alias.name}" for alias in node.names)
                else:
                    found.append(target)
    return found


def _top(name: str) -> str:
    """The first part below ``stripe_fake`` (``stripe_fake.http.errors`` -> ``http``)."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def violations(root: Path) -> list[str]:
    """Every import of a module under ``root`` (a copy of the stripe_fake package) against the layers."""
    wrong: list[str] = []
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        top = _top(module)
        for target in _runtime_imports(path.read_text(), module, path.name == "__init__.py"):
            target_top = _top(target)
            if top in LEAVES and target_top not in LEAVES:
                wrong.append(f"leaf module {module} imports {target}")
            elif top == "resources" and target_top in UPWARD:
                wrong.append(f"resource module {module} imports {target}")
            elif top in DISPATCHERS and target_top == "resources" and target != "stripe_fake.resources":
                wrong.append(f"{module} reaches into {target} (use stripe_fake.resources)")
    return wrong


def test_imports_point_one_way() -> None:
    assert violations(ROOT) == []


def test_the_check_fails_when_a_resource_imports_the_backend(tmp_path: Path) -> None:
    package = tmp_path / "stripe_fake"
    (package / "resources" / "widgets").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "resources" / "__init__.py").write_text("")
    (package / "resources" / "widgets" / "__init__.py").write_text("")
    (package / "resources" / "widgets" / "models.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from ...backend import Backend\n"
        "if TYPE_CHECKING:\n"
        "    from ...fake import StripeFake\n"
    )
    (package / "scheduler.py").write_text("from .resources.widgets import models\n")
    assert violations(package) == [
        "resource module stripe_fake.resources.widgets.models imports stripe_fake.backend",
        "leaf module stripe_fake.scheduler imports stripe_fake.resources.widgets",
    ]
