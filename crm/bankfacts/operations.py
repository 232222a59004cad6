"""Recording the bank's loan facts about merchants: one report typed in by a branch, or many imported from
the bank's own .xlsx export; and the latest known value of each fact, with its date and source, for checks.

A rejected import row changes nothing; the other rows are recorded. An empty cell is an unknown fact,
never a "no".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit
from crm.auth.scoping import merchant_condition
from crm.bankfacts.models import FACTS, BankFact
from crm.extensions import db
from crm.imports.parsing import CellError, parse_amount, parse_date, parse_flag, read_table, text
from crm.merchants.models import Merchant
from crm.merchants.operations import check_credit_code
from crm.people.models import Organization, User
from crm.timeutil import local_today

MAX_LOAN_MONTHS = 600
MAX_OVERDUE = 999
IMPORT_MAX_ROWS = 20000
# The facts that are whole numbers.
COUNTS = ("loan_months", "overdue_12m", "overdue_run_24m", "overdue_periods_24m")

# Header text of the bank's export (spaces and a unit in brackets ignored) → field.
HEADERS: dict[str, tuple[str, ...]] = {
    "credit_code": ("统一社会信用代码", "社会信用代码", "信用代码", "credit_code"),
    "as_of": ("数据日期", "统计日期", "截至日期", "日期", "as_of"),
    "loan_months": ("累计用款期限", "用款期限", "累计用款月数", "loan_months"),
    "bad_loans": ("不良贷款记录", "不良贷款", "有无不良贷款", "bad_loans"),
    "overdue_12m": ("逾期次数", "近12个月逾期次数", "最近12个月累计逾期次数", "最近12个月内累计逾期次数",
                    "overdue_12m"),
    "overdue_run_24m": ("连续逾期期数", "最长连续逾期期数", "最大连续逾期期数", "近24个月连续逾期期数",
                        "近24个月最大连续逾期期数", "近两年连续逾期期数", "近两年最大连续逾期期数", "overdue_run_24m"),
    "overdue_periods_24m": ("累计逾期期数", "逾期期数", "近24个月累计逾期期数", "近24个月逾期期数", "近两年累计逾期期数",
                            "近两年逾期期数", "overdue_periods_24m"),
    "credit_line": ("授信额度", "credit_line"),
    "false_reporting": ("虚假报送数据", "虚假报送", "false_reporting"),
}
_BY_NAME = {alias.lower(): name for name, aliases in HEADERS.items() for alias in aliases}
_UNIT = re.compile(r"\(([^)]*)\)$")


class BankFactRefused(ValueError):
    """Facts that cannot be recorded; the message is for the user."""


def reporting_bank(user: User) -> Organization:
    """The branch a user records facts for: their own bank organization."""
    if user.organization is None or user.organization.kind != "bank":
        raise BankFactRefused(_("Only a bank's staff record the bank's loan facts."))
    return user.organization


def check_values(values: dict, as_of: date | None) -> str | None:
    """Why a report cannot be recorded (no date, a future date, no fact, a number out of range), or None."""
    if as_of is None:
        return _("Give the date of the bank's data.")
    if as_of > local_today():
        return _("The date of the bank's data cannot be in the future.")
    if all(values.get(name) is None for name in FACTS):
        return _("Give at least one of the loan facts.")
    for name in COUNTS:
        value, highest = values.get(name), MAX_LOAN_MONTHS if name == "loan_months" else MAX_OVERDUE
        if value is not None and not (isinstance(value, int) and 0 <= value <= highest):
            return _("%(value)s is not a whole number between 0 and %(max)s.", value=value, max=highest)
    if values.get("credit_line") is not None and values["credit_line"] < 0:
        return _("The credit line cannot be negative.")
    run, periods = values.get("overdue_run_24m"), values.get("overdue_periods_24m")
    if run is not None and periods is not None and run > periods:
        return _("The longest run of overdue periods cannot be more than the overdue periods in all.")
    return None


def record(merchant: Merchant, values: dict, as_of: date | None, source: str, actor: User) -> BankFact:
    """One report of the actor's branch about a merchant; None values are facts the report does not give."""
    problem = check_values(values, as_of)
    if problem:
        raise BankFactRefused(problem)
    fact = BankFact(merchant_id=merchant.id, bank_org_id=reporting_bank(actor).id, as_of=as_of,
                    source=(source or "").strip()[:200] or _("entered by hand"), recorded_by_id=actor.id,
                    **{name: values.get(name) for name in FACTS})
    db.session.add(fact)
    audit.record("create", fact, summary=merchant.name, actor=actor,
                 changes={name: [None, _plain(values.get(name))] for name in FACTS if values.get(name) is not None})
    return fact


def _plain(value):
    return float(value) if isinstance(value, Decimal) else value


@dataclass
class Known:
    """The latest known value of one fact, and the report it comes from."""

    value: object
    as_of: date
    source: str


def latest(merchant: Merchant, bank_org: Organization) -> dict[str, Known]:
    """Each fact's latest known value from the reports of a bank (its branches included); absent if unknown."""
    reports = db.session.scalars(select(BankFact).where(
        BankFact.merchant_id == merchant.id, BankFact.bank_org_id.in_(bank_org.subtree_ids()))
        .order_by(BankFact.as_of.desc(), BankFact.id.desc()))
    known: dict[str, Known] = {}
    for report in reports:
        for name in FACTS:
            value = getattr(report, name)
            if name not in known and value is not None:
                known[name] = Known(value, report.as_of, report.source)
        if len(known) == len(FACTS):
            break
    return known


# ---- importing the bank's export ---------------------------------------------------------------

@dataclass
class ImportResult:
    recorded: int = 0
    rejected: list[dict] = field(default_factory=list)  # {row, credit_code, reason}


def _header(cells: list) -> dict[str, tuple[int, int]] | None:
    """field → (column, scale) if this row is the header row (it names the credit code column)."""
    found = {}
    for column, cell in enumerate(cells):
        name = text(cell).replace(" ", "").replace("*", "").lower()
        scale = 10000 if "万元" in name else 1
        key = _BY_NAME.get(name) or _BY_NAME.get(_UNIT.sub("", name))
        if key and key not in found:
            found[key] = (column, scale)
    return found if "credit_code" in found else None


def _count(value) -> int | None:
    amount = parse_amount(value)
    if amount is None:
        return None
    if amount != amount.to_integral_value():
        raise CellError(_("%(value)s is not a whole number", value=text(value)))
    return int(amount)


def _flag(value) -> bool | None:
    return None if text(value) == "" else parse_flag(value)


def _row_values(cells: list, columns: dict[str, tuple[int, int]]) -> tuple[date | None, dict]:
    def cell(name):
        column = columns.get(name, (None, 1))[0]
        return cells[column] if column is not None and column < len(cells) else None

    labels = {"as_of": _("data date"), "loan_months": _("months of loan use"), "bad_loans": _("bad loans"),
              "overdue_12m": _("overdue count"), "overdue_run_24m": _("overdue periods in a row"),
              "overdue_periods_24m": _("overdue periods in all"), "credit_line": _("credit line"),
              "false_reporting": _("false reporting")}
    parsers = {"as_of": parse_date, **dict.fromkeys(COUNTS, _count), "bad_loans": _flag,
               "credit_line": lambda v: parse_amount(v, columns.get("credit_line", (0, 1))[1]),
               "false_reporting": _flag}
    values = {}
    for name, parse in parsers.items():
        try:
            values[name] = parse(cell(name))
        except CellError as err:
            raise CellError(f"{labels[name]}: {err}") from err
    return values.pop("as_of"), values


def import_file(path: str, filename: str, actor: User) -> ImportResult:
    """Record one report per good row of the bank's export; list each rejected row with its reason."""
    bank = reporting_bank(actor)
    result, columns = ImportResult(), None
    rows = []
    try:
        for number, cells in enumerate(read_table(path, filename), start=1):
            if columns is None:
                columns = _header(cells) if number <= 5 else None
                if columns is None and number >= 5:
                    break
                continue
            if any(text(c) for c in cells):
                rows.append((number, cells))
    except CellError as err:
        raise BankFactRefused(str(err)) from err
    if columns is None:
        raise BankFactRefused(_("No header row naming the 统一社会信用代码 column was found in the first five rows."))
    if len(rows) > IMPORT_MAX_ROWS:
        raise BankFactRefused(_("At most %(n)s rows per file; split it.", n=IMPORT_MAX_ROWS))
    visible = merchant_condition(actor)
    seen: set[tuple[str, date]] = set()
    for number, cells in rows:
        raw = text(cells[columns["credit_code"][0]]) if columns["credit_code"][0] < len(cells) else ""
        code, problem = check_credit_code(raw)
        try:
            as_of, values = _row_values(cells, columns)
        except CellError as err:
            problem = problem or str(err)
        if problem:
            result.rejected.append({"row": number, "credit_code": raw, "reason": problem})
            continue
        merchant = db.session.scalar(select(Merchant).where(Merchant.credit_code == code, visible))
        problem = (check_values(values, as_of) if merchant is not None
                   else _("not in the registry of your area"))
        if problem is None and (code, as_of) in seen:
            problem = _("listed twice for the same date")
        if problem:
            result.rejected.append({"row": number, "credit_code": code, "reason": problem})
            continue
        seen.add((code, as_of))
        db.session.add(BankFact(merchant_id=merchant.id, bank_org_id=bank.id, as_of=as_of, source=filename[:200],
                                recorded_by_id=actor.id, **values))
        result.recorded += 1
    audit.record("import", object_type="bank_facts", summary=filename, actor=actor,
                 changes={"recorded": result.recorded, "rejected": len(result.rejected)})
    return result
