"""The layout rule: an area uses another area's models, operations, queries and forms, never its
views, API or helpers; what every area shares lives on the low floor (crm/*.py, crm/api/)."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

CRM = Path(__file__).resolve().parent.parent / "crm"
FLOOR_PACKAGES = {"api", "jobs", "translations"}  # jobs: the background-job queue every area may use
PUBLIC_MODULES = {"models", "operations", "queries", "forms"}
# Domain rules that are an area's public word on the matter, called from anywhere.
PUBLIC_RULES = {
    "auth.scoping", "auth.passwords", "bankfacts.criteria", "campaigns.coverage", "campaigns.rules",
    "campaigns.rulebook", "campaigns.rule_changes", "campaigns.targets", "campaigns.templates",
    "merchants.credit_code", "products.catalogue",
    "imports.parsing", "imports.xlsx", "reports.ledger", "reports.facts", "reminders.webhooks",
}


def areas() -> set[str]:
    return {p.name for p in CRM.iterdir() if (p / "__init__.py").exists()} - FLOOR_PACKAGES


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for alias in node.names:  # `from crm.events import views`
                yield node.lineno, f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def crossing_imports() -> list[str]:
    known = areas()
    found = []
    for path in sorted(CRM.rglob("*.py")):
        parts = path.relative_to(CRM).parts
        if len(parts) == 1:
            continue  # the floor itself: the app factory, the CLI and crm/web.py wire the areas together
        for line, module in dict.fromkeys(
                (line, ".".join(module.split(".")[:3])) for line, module in imported_modules(path)):
            names = module.split(".")
            if len(names) < 3 or names[0] != "crm" or names[1] not in known or names[1] == parts[0]:
                continue
            if names[2] not in PUBLIC_MODULES and ".".join(names[1:3]) not in PUBLIC_RULES:
                found.append(f"{path.relative_to(CRM.parent)}:{line} imports {module}")
    return found


def test_no_area_imports_another_areas_views_api_or_helpers():
    assert crossing_imports() == []


def test_the_rule_catches_a_view_imported_across_areas(tmp_path, monkeypatch):
    """The check itself can fail: a planted import of another area's views is reported."""
    fake = tmp_path / "crm"
    for area in ("alpha", "beta"):
        (fake / area).mkdir(parents=True)
        (fake / area / "__init__.py").write_text("")
    (fake / "alpha" / "views.py").write_text("from crm.beta.views import bp\nfrom crm.beta import api\n")
    (fake / "alpha" / "ok.py").write_text("from crm.beta.models import Thing\nfrom crm.beta import operations\n")
    monkeypatch.setattr(sys.modules[__name__], "CRM", fake)
    assert crossing_imports() == ["crm/alpha/views.py:1 imports crm.beta.views",
                                  "crm/alpha/views.py:2 imports crm.beta.api"]
