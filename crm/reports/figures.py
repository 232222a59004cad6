"""The figures of a drive's progress: one definition each, used by the dashboard (as tooltips),
the circulation notice (its definitions sheet) and the API documentation alike.

Dating rule: a period figure counts the records dated inside the period, by the Asia/Shanghai
date named in its definition. A row of a view holds the figures of the merchants (and events)
located in that row's county, town, district, pair, trade or tier.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from crm.formatting import WAN

# How a value is shown and exported: a count, an amount (stored and sent by the API in yuan, shown and
# exported in 万元, crm.formatting.WAN), a fraction shown as a percentage, or an average on its own scale
# (satisfaction 1–5, an annual rate).
COUNT, AMOUNT, RATE, AVERAGE = "count", "amount", "rate", "average"


@dataclass(frozen=True)
class Figure:
    key: str
    label: object
    kind: str
    definition: object


FIGURES: tuple[Figure, ...] = (
    Figure("households", _l("Households"), COUNT, _l(
        "Sum of the household counts of the business districts, markets and villages in the row. "
        "Not applicable (empty) to a trade or a tier.")),
    Figure("merchants_visited", _l("Merchants visited"), COUNT, _l(
        "Distinct merchants with at least one visit of the drive dated in the period.")),
    Figure("visits", _l("Visits"), COUNT, _l("Visits of the drive dated in the period, of every kind.")),
    Figure("districts", _l("Districts"), COUNT, _l(
        "Business districts, markets and villages in the row. Not applicable to a trade or a tier.")),
    Figure("districts_meeting_rule", _l("Districts meeting the rule"), COUNT, _l(
        "Districts where the distinct merchants visited from the drive's start to the period's end reach the "
        "drive's household threshold or its ratio of the district's households (双百工程: 100 households or 20%). "
        "Empty when the drive has no coverage rule (only 双百工程's document gives one).")),
    Figure("counties", _l("Counties"), COUNT, _l(
        "County-level units the row lies in: all of the drive's counties in the totals and in a trade or "
        "tier row, one in a county, town, district or pair row.")),
    Figure("counties_covered", _l("Counties covered"), COUNT, _l(
        "Of those counties, the ones where at least one visit, or one held event, of the drive in the row "
        "is dated in the period (百县覆盖). A trade or tier row counts visits only.")),
    Figure("joint_visit_days_held", _l("Joint visit days held"), COUNT, _l(
        "Joint visit days recorded as held, dated (held date, else planned date) in the period, "
        "located in the row (by the pair for a pair row).")),
    Figure("joint_visit_days_due", _l("Joint visit days due"), COUNT, _l(
        "For each active pair serving the row: the drive's joint visit days per month times the calendar "
        "months of the period (clipped to the drive and to today) during which the pair existed. A pair "
        "serves its town, so in a district view its days fall under Unassigned.")),
    Figure("matchmaking_meetings", _l("Matchmaking meetings"), COUNT, _l(
        "Bank–enterprise matchmaking meetings recorded as held and dated in the period, located in the row "
        "(the drive asks for one per county per quarter).")),
    Figure("referrals", _l("Referrals"), COUNT, _l(
        "Names put on the drive's referral lists (送贷名单) during the period.")),
    Figure("referrals_overdue", _l("Referrals overdue"), COUNT, _l(
        "Referrals listed by the period's end, still open (not drawn or closed) at its end, whose deadline "
        "was before the period's last day.")),
    Figure("applications", _l("Applications"), COUNT, _l("Loan applications with the applied date in the period.")),
    Figure("applied_amount", _l("Amount applied"), AMOUNT, _l(
        "Amount applied for, by the applied date in the period.")),
    Figure("granted_amount", _l("Amount granted"), AMOUNT, _l(
        "Credit granted (授信), by the granted date in the period — an application granted in one quarter "
        "counts there even if it was applied for earlier.")),
    Figure("drawn_amount", _l("Amount drawn"), AMOUNT, _l(
        "Credit drawn (用信), by the drawn date in the period — granted in one quarter and drawn in the "
        "next counts as granted in the first and as drawn in the second.")),
    Figure("grant_rate", _l("Grant rate"), RATE, _l(
        "授信率: amount granted ÷ amount signed (签约) in the period, as the Tai'an reports compute it; it can pass "
        "100%. What stands for 签约 here is the amount applied for on the drive's applications. Matchmaking meetings "
        "record an amount signed too, but as one total per meeting, tied to no application and so to no grant: it is "
        "not added in. Empty when nothing was applied for.")),
    Figure("drawdown_rate", _l("Drawdown rate"), RATE, _l(
        "资金到位率: amount drawn ÷ amount signed (签约, the amount applied for, as in the grant rate) in the "
        "period. Empty when nothing was applied for.")),
    Figure("utilization_rate", _l("Utilization rate"), RATE, _l(
        "用信率: amount drawn ÷ amount granted in the period. Empty when nothing was granted.")),
    Figure("first_time_borrowers", _l("First-time borrowers"), COUNT, _l(
        "Distinct merchants (首贷户) with an application marked as their first loan granted in the period.")),
    Figure("merchants_granted", _l("Merchants granted"), COUNT, _l(
        "Distinct merchants with an application granted (授信) in the period, by the granted date.")),
    Figure("first_loans", _l("First loans (from records)"), COUNT, _l(
        "首贷户 derived from the records: merchants whose first loan ever recorded (of any drive) was granted by "
        "this drive in the period — no earlier grant is recorded for them. The bank's own mark is counted in "
        "First-time borrowers.")),
    Figure("first_loan_share", _l("Share of first loans"), RATE, _l(
        "First loans (from records) ÷ merchants granted in the period. Empty when no merchant was granted.")),
    Figure("cohort_granted_amount", _l("Granted, cohort"), AMOUNT, _l(
        "By cohort: the amount granted so far (to today) on the applications applied for in the period, "
        "whatever the date of the grant (yuan).")),
    Figure("cohort_drawn_amount", _l("Drawn, cohort"), AMOUNT, _l(
        "By cohort: the amount drawn so far (to today) on the applications applied for in the period, "
        "whatever the date of the drawing (yuan).")),
    Figure("cohort_grant_rate", _l("Grant rate, cohort"), RATE, _l(
        "By cohort: granted, cohort ÷ amount applied in the period — what became of the period's "
        "applications, followed to today. The grant rate above is by event date (grants dated in the period)."
        " Empty when nothing was applied for.")),
    Figure("cohort_drawdown_rate", _l("Drawdown rate, cohort"), RATE, _l(
        "By cohort: drawn, cohort ÷ amount applied in the period, followed to today. The drawdown rate above "
        "is by event date. Empty when nothing was applied for.")),
    Figure("avg_granted_rate", _l("Average rate"), AVERAGE, _l(
        "Annual interest rate of the applications granted in the period, weighted by the amount granted. "
        "Empty when none was granted with a rate.")),
    Figure("avg_satisfaction", _l("Average satisfaction"), AVERAGE, _l(
        "Mean satisfaction score (1–5) recorded on the visits of the period. Empty when none was recorded.")),
    Figure("needs_open", _l("Needs open"), COUNT, _l(
        "Needs in the ledger (需求台账) opened by the period's end and not closed by then.")),
    Figure("needs_closed", _l("Needs closed"), COUNT, _l("Needs closed (销号) during the period.")),
)
FIGURE_KEYS: tuple[str, ...] = tuple(f.key for f in FIGURES)
BY_KEY: dict[str, Figure] = {f.key: f for f in FIGURES}
# Figures computed from two other figures of the same row (or the totals): key → (numerator, denominator).
DERIVED: dict[str, tuple[str, str]] = {"utilization_rate": ("drawn_amount", "granted_amount")}
# Figures that are a ratio or an average: not summed, null without a denominator.
RATIOS = tuple(f.key for f in FIGURES if f.kind in (RATE, AVERAGE))
# Verdicts of a rule a drive may not have: empty without it.
VERDICTS = ("districts_meeting_rule",)
# Figures of the territory and of its events: they do not apply to a trade or a tier.
TERRITORIAL = ("households", "districts", "districts_meeting_rule", "joint_visit_days_held",
               "joint_visit_days_due", "matchmaking_meetings")

# Figures where a fall is progress: overdue referrals, the open ledger, and rates (价降: lower rates).
LOWER_IS_BETTER = ("referrals_overdue", "needs_open", "avg_granted_rate")

VIEWS: dict[str, object] = {
    "county": _l("County"),
    "town": _l("Town"),
    "district": _l("District"),
    "pair": _l("Liaison pair"),
    "trade": _l("Trade"),
    "tier": _l("Tier"),
}
# The views of the API and of the circulation notice; "district" is the dashboard's drill-down of a town.
API_VIEWS = ("county", "town", "pair", "trade", "tier")
# Ranking of a view's rows in the dashboard and the notice: the drive's purpose first.
RANK_BY = ("merchants_visited", "granted_amount", "visits")


def heading(figure: Figure) -> str:
    """A figure's column heading, with the unit for an amount: 授信金额（万元）."""
    if figure.kind == AMOUNT:
        return _("%(figure)s (10k yuan)", figure=figure.label)
    return str(figure.label)


def derive(values: dict) -> dict:
    """The derived figures of a row of figures; None where the denominator is empty or zero."""
    return {key: round(values[top] / values[bottom], 4) if values.get(bottom) else None
            for key, (top, bottom) in DERIVED.items()}


# The patterns figures are shown in: (fraction digits at least, at most, grouped by thousands, a percentage).
_PATTERNS = {"#,##0": (0, 0, True, False), "#,##0.##": (0, 2, True, False), "0.00": (2, 2, False, False),
             "#,##0.0#%": (1, 2, True, True), "#,##0.0%": (1, 1, True, True)}


@cache
def _symbols(locale: Locale) -> tuple[str, str, str]:
    return get_decimal_symbol(locale), get_group_symbol(locale), get_minus_sign_symbol(locale)


def number_signs() -> tuple[str, str, str]:
    """The current locale's decimal sign, group sign and minus sign."""
    return _symbols(get_locale())


def _format(value, pattern: str, signs: tuple[str, str, str] | None = None) -> str:
    """What babel's format_decimal/format_percent give for these patterns (rounded half to even), at a
    tenth of the cost: a dashboard shows thousands of figures."""
    least, most, grouped, percent = _PATTERNS[pattern]
    decimal_sign, group, minus = signs or number_signs()
    if type(value) is int and not (most or percent):  # a count, the most common figure: no rounding to do
        return (minus if value < 0 else "") + f"{abs(value):,}".replace(",", group)
    number = Decimal(str(value)).scaleb(2 if percent else 0)
    rounded = abs(number).quantize(Decimal(1).scaleb(-most))
    whole, _point, fraction = f"{rounded:{',' if grouped else ''}f}".partition(".")
    fraction = fraction.rstrip("0").ljust(least, "0")
    return "".join((minus if number.is_signed() else "", whole.replace(",", group),
                    decimal_sign + fraction if fraction else "", "%" if percent else ""))


def display(key: str, value, signs: tuple[str, str, str] | None = None) -> str:
    """A figure as people read it: counts whole, amounts in 万元, rates as percentages, "—" when empty
    (`signs`: the locale's number signs, when the caller has looked them up for many figures)."""
    if value is None:
        return "—"
    kind = BY_KEY[key].kind if key in BY_KEY else COUNT
    if kind == AMOUNT:
        return _format(value / WAN, "#,##0.##", signs)
    if kind == RATE or key == "avg_granted_rate":
        return percent(value, signs)
    if kind == AVERAGE:
        return _format(value, "0.00", signs)
    return _format(value, "#,##0", signs)


def table(rows: list[dict], keys: list[str]) -> list[list[str]]:
    """Each row's figures of `keys` as display() shows them, the locale's number signs looked up once:
    a dashboard's table holds thousands."""
    signs = number_signs()
    return [[display(key, row[key], signs) for key in keys] for row in rows]


def percent(value: float, signs: tuple[str, str, str] | None = None) -> str:
    return _format(value, "#,##0.0#%", signs)


def display_change(key: str, change: tuple | None) -> str:
    """+12 (+5.0%) against the previous period; rates change in percentage points."""
    if not change or change[0] is None:
        return ""
    difference, relative = change
    sign = "+" if difference > 0 else ("±" if difference == 0 else "−")
    text = sign + display(key, abs(difference))
    if relative is not None:
        text += f" ({'+' if relative >= 0 else '−'}{_format(abs(relative), '#,##0.0%')})"
    return text


def change_class(key: str, change: tuple | None) -> str:
    """rep-up for a change that is progress, rep-down for one that is not, "" for none."""
    if not change or not change[0]:
        return ""
    better = (change[0] < 0) if key in LOWER_IS_BETTER else (change[0] > 0)
    return "rep-up" if better else "rep-down"
