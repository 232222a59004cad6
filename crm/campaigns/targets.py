"""A drive's targets (目标): what a programme's document aims at, each with the clause it comes from.

A target is shown beside the progress figures and in the notice's definitions. One the drive's records
cannot measure is shown as a target, "not measured from records", never with a figure made up for it:
晋商银行's 30 % is a growth of the bank's own count of individual inclusive-finance customers over the
previous year (002 晋商普惠 二、工作目标), a count of the whole bank that no record of the drive holds.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from crm.campaigns.rules import RuleSource, rule_source

# The name of each target the software knows; none of them can be measured from the drive's records yet.
NAMES = {
    "customer_growth": _l("Individual inclusive-finance customers (个人普惠客户数): growth over the previous year"),
}


@dataclass(frozen=True)
class TargetLine:
    key: str
    name: str
    value: str  # the target as the document gives it: "30%"
    measured: str  # why the drive cannot say how far it is
    source: RuleSource


def target_name(key: str) -> str:
    return str(NAMES.get(key, _("Other target")))


def target_value(value) -> str:
    return f"{format_decimal(Decimal(str(value)) * 100, format='#,##0.##')}%"


def drive_targets(campaign) -> list[TargetLine]:
    """The drive's targets in order, each with its value, how it stands and its source."""
    return [TargetLine(key, target_name(key), target_value(value), _("not measured from records"),
                       rule_source(campaign, f"targets.{key}"))
            for key, value in sorted((campaign.targets or {}).items())]
