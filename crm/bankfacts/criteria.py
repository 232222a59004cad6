"""A drive's criteria checked one by one: pass, fail or unknown, why, and the clause each comes from.

The criteria on the bank's loan facts (crm.bankfacts, reported by the drive's bank, never guessed) may stand
in the plaque criteria (CCB 示范标杆, 002 附件2) or in the pre-credit conditions (BOC 惠商贷, 002 服务方案
三、准入条件（三）); the same key means the same check in either group:
  min_loan_months (累计用款期限), no_bad_loans (无不良贷款记录), max_overdue_12m (最近 12 个月累计逾期次数),
  min_credit_line (授信额度), veto_false_reporting (虚假报送数据), and — as the document words them, "no N" —
  no_overdue_run_24m (近两年无连续 N 期逾期), no_overdue_periods_24m (近两年无累计 N 期及以上逾期).

A check is {"criterion", "rule", "result": pass | fail | unknown, "passed", "detail", "source"}: a bank fact
nobody reported is "unknown".
"""
from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import gettext as _

from crm.bankfacts.operations import Known
from crm.campaigns.models import Campaign
from crm.campaigns.rules import rule_source

# The criteria on the bank's loan facts, in the order checks list them.
BANK_CRITERIA = ("min_loan_months", "no_bad_loans", "max_overdue_12m", "no_overdue_run_24m", "no_overdue_periods_24m",
                 "min_credit_line", "veto_false_reporting")


def criterion_source(campaign: Campaign, rule: str) -> dict | None:
    """The document and clause a criterion comes from ({"doc", "title", "clause", "quote"}), or None when
    no document gives it (a local setting or the software's default)."""
    source = rule_source(campaign, rule)
    if source.kind != "document":
        return None
    return {"doc": source.doc, "title": source.title, "clause": source.clause, "quote": source.quote}


def _yuan(value) -> str:
    return format_decimal(value, "#,##0")


def _reported(fact: Known) -> str:
    return _("reported %(day)s, %(source)s", day=fact.as_of.isoformat(), source=fact.source)


class Checks:
    """The checks of one group of the drive's rules ("plaque_criteria" or "base_conditions")."""

    def __init__(self, campaign: Campaign, group: str):
        self.campaign, self.group, self.items = campaign, group, []

    def add(self, criterion: str, key: str, result: str, detail: str) -> None:
        rule = f"{self.group}.{key}"
        self.items.append({"criterion": criterion, "rule": rule, "result": result, "passed": result == "pass",
                           "detail": detail, "source": criterion_source(self.campaign, rule)})

    def test(self, criterion: str, key: str, passed: bool, detail: str) -> None:
        self.add(criterion, key, "pass" if passed else "fail", detail)

    def bank(self, criterion: str, key: str, fact: Known | None, passes, describe) -> None:
        """A criterion on a bank fact: unknown when the bank has reported no value."""
        if fact is None:
            self.add(criterion, key, "unknown", _("not reported by the drive's bank"))
        else:
            self.test(criterion, key, passes(fact.value), f"{describe(fact.value)} ({_reported(fact)})")


def _overdue_checks(checks: Checks, facts: dict[str, Known], rules: dict) -> None:
    if rules.get("max_overdue_12m") is not None:
        most = rules["max_overdue_12m"]
        checks.bank("max_overdue_12m", "max_overdue_12m", facts.get("overdue_12m"), lambda v: v <= most,
                    lambda v: _("%(n)s overdue in the last 12 months; at most %(max)s", n=v, max=most))
    if rules.get("no_overdue_run_24m"):
        run = rules["no_overdue_run_24m"]
        checks.bank("overdue_run_24m", "no_overdue_run_24m", facts.get("overdue_run_24m"), lambda v: v < run,
                    lambda v: _("longest run of %(n)s overdue periods in the last 24 months; a run of %(limit)s "
                                "excludes", n=v, limit=run))
    if rules.get("no_overdue_periods_24m"):
        total = rules["no_overdue_periods_24m"]
        checks.bank("overdue_periods_24m", "no_overdue_periods_24m", facts.get("overdue_periods_24m"),
                    lambda v: v < total,
                    lambda v: _("%(n)s overdue periods in the last 24 months; %(limit)s or more excludes",
                                n=v, limit=total))


def bank_checks(checks: Checks, facts: dict[str, Known], rules: dict) -> None:
    """Each criterion of `rules` on the bank's loan facts, checked against the latest reported `facts`."""
    if rules.get("min_loan_months"):
        need = rules["min_loan_months"]
        checks.bank("loan_months", "min_loan_months", facts.get("loan_months"), lambda v: v >= need,
                    lambda v: _("%(months)s months of loan use, needs %(need)s", months=v, need=need))
    if rules.get("no_bad_loans"):
        checks.bank("bad_loans", "no_bad_loans", facts.get("bad_loans"), lambda v: not v,
                    lambda v: _("a bad loan on record") if v else _("no bad loan on record"))
    _overdue_checks(checks, facts, rules)
    if rules.get("min_credit_line"):
        need = rules["min_credit_line"]
        checks.bank("credit_line", "min_credit_line", facts.get("credit_line"), lambda v: v >= need,
                    lambda v: _("credit line %(line)s yuan; needs %(need)s", line=_yuan(v), need=_yuan(need)))
    if rules.get("veto_false_reporting"):
        checks.bank("false_reporting", "veto_false_reporting", facts.get("false_reporting"), lambda v: not v,
                    lambda v: _("reported false data") if v else _("no false reporting on record"))
