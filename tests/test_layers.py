"""Where things may live, checked over the source: rules never reach for HTTP, and every object-level
permission is a `can_<verb>_<thing>(obj, user)` in crm/auth/scoping.py (admin screens' role checks, methods
of crm/admin/crud.py, are about screens, not objects)."""
from __future__ import annotations

import ast
from pathlib import Path

CRM = Path(__file__).resolve().parent.parent / "crm"
HTTP_NAMES = {"abort", "request", "current_user"}


def _modules(*names: str):
    return sorted(p for p in CRM.rglob("*.py") if p.name in names)


def test_operations_and_queries_never_touch_the_request():
    """So the CLI, the scheduler and jobs can call them: the web layer passes the user and the values."""
    offenders = []
    for path in _modules("operations.py", "queries.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in ("flask", "flask_login"):
                offenders += [f"{path.relative_to(CRM)}:{node.lineno} imports {a.name}"
                              for a in node.names if a.name in HTTP_NAMES]
            elif isinstance(node, ast.Attribute) and node.attr in HTTP_NAMES and \
                    isinstance(node.value, ast.Name) and node.value.id in ("flask", "flask_login"):
                offenders.append(f"{path.relative_to(CRM)}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert len(_modules("operations.py", "queries.py")) > 10  # the walk finds the areas' modules
    assert offenders == []


def test_permission_predicates_live_in_scoping_with_one_shape():
    scoping = CRM / "auth" / "scoping.py"
    elsewhere, misshapen = [], []
    for path in CRM.rglob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module-level functions
            if not isinstance(node, ast.FunctionDef) or not node.name.startswith(("can_", "may_", "leads_")):
                continue
            if path != scoping:
                elsewhere.append(f"{path.relative_to(CRM)}:{node.lineno} {node.name}")
            elif node.args.args[-1].arg != "user" or len(node.args.args) > 2:
                misshapen.append(node.name)
    assert elsewhere == [] and misshapen == []
