"""Audit trail: `from crm import audit; audit.record(...)`."""
from crm.audit.operations import add, apply_changes, diff, record, record_create, snapshot  # noqa: F401
