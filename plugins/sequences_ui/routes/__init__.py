"""The UI's routes, one module per page group. Each module has a `router`; a module may also
have `NAV = (label, path, order)` to appear in the page navigation. Adding a page is adding a
module: nothing here lists them.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType

from fastapi import APIRouter


@cache
def modules() -> tuple[ModuleType, ...]:
    return tuple(
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
    )


def routers() -> list[APIRouter]:
    return [m.router for m in modules()]


@cache
def navigation() -> list[tuple[str, str]]:
    """(label, path) of every page in the navigation, in their order."""
    entries = sorted((m.NAV for m in modules() if hasattr(m, "NAV")), key=lambda e: e[2])
    return [(label, path) for label, path, _order in entries]
