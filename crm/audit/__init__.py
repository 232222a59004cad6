"""Audit trail: `from crm import audit; audit.record(...)`."""
from crm.audit.operations import diff, record, snapshot  # noqa: F401
