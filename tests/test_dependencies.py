"""Every third-party package the core imports is one pyproject.toml declares.

A package that only arrives through another's dependencies (Babel came with Airflow's task SDK)
disappears the day that one drops it, on a fresh machine first.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterable
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "sequences_core"
DEVSTACK = CORE / "devstack"  # `make run`'s stack, which may use the dev extras (moto's server)


def _imported(paths: Iterable[Path]) -> set[str]:
    """Top-level names of every module these files import, lazy imports too."""
    names: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"sequences_core"}


def _normal(name: str) -> str:
    return name.lower().replace("_", "-")


def _declared(*extras: str) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"]]
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    return {_normal(re.split(r"[<>=!~\[; ]", r)[0]) for r in requirements}


def _undeclared(modules: set[str], declared: set[str]) -> dict[str, list[str]]:
    distributions = packages_distributions()
    return {
        name: distributions.get(name, ["?"])
        for name in modules
        if not {_normal(d) for d in distributions.get(name, [])} & declared
    }


def test_the_core_imports_only_declared_packages():
    core = [p for p in CORE.rglob("*.py") if DEVSTACK not in p.parents]
    assert not _undeclared(_imported(core), _declared())
    assert not _undeclared(_imported(DEVSTACK.rglob("*.py")), _declared("dev"))
