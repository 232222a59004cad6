"""What the API answers for a drive's figures, called without HTTP: a period code in, JSON out."""
from __future__ import annotations

from crm.regions.models import Region
from crm.reports.periods import parse_period
from crm.reports.rollup import compute


def rollup(campaign, code: str, by: str = "county", within: Region | None = None) -> dict:
    return compute(campaign, parse_period(code, campaign), by, within).as_json()
