"""The domain areas, found by scanning the crm package, so no list of them is kept by hand.

By convention an area contributes its pages with a views.py whose blueprints() returns its
blueprints, its JSON routes with an api.py (each adds to the one /api/v1 blueprint when imported),
and its operator commands with a commands.py (each adds to the `crm` command group).
"""
from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from types import ModuleType


def area_modules(kind: str) -> list[ModuleType]:
    """Every area's module of this kind ("views", "api" or "commands"), imported, by area name."""
    import crm

    modules = []
    for area in sorted(info.name for info in pkgutil.iter_modules(crm.__path__) if info.ispkg):
        name = f"crm.{area}.{kind}"
        if importlib.util.find_spec(name) is not None:
            modules.append(importlib.import_module(name))
    return modules
