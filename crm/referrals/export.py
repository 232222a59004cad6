"""A list's progress as .xlsx: the summary figures, then one row per item the user may see."""
from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _

from crm import audit
from crm.auth.scoping import can_call_merchant, merchant_phone, referral_condition
from crm.extensions import db
from crm.jobs.state import no_progress
from crm.labels import label
from crm.people.models import User
from crm.referrals.models import ReferralList
from crm.referrals.operations import progress as list_progress
from crm.referrals.queries import items_for
from crm.spreadsheets import Workbook


def export_list(referral_list: ReferralList, user: User, target, progress: Callable = no_progress) -> int:
    """Write the workbook to target, reporting to progress(read=, written=); the export is audited.
    Returns the number of item rows."""
    figures = list_progress(referral_list, referral_condition(user))
    progress(total=figures["total"], phase="write")
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(_("Progress"))
    summary.append([_("List"), referral_list.name])
    summary.append([_("Bank"), referral_list.bank_org.name])
    for status, count in figures["counts"].items():
        summary.append([label("referral_status", status), count])
    summary.append([_("Overdue"), figures["overdue"]])
    for reason, count in figures["closed_reasons"].items():
        summary.append([_("Closed: %(reason)s", reason=label("closed_reason", reason)), count])
    summary.append([_("Amount granted (yuan)"), float(figures["granted_amount"])])
    summary.append([_("Amount drawn (yuan)"), float(figures["drawn_amount"])])

    sheet = workbook.create_sheet(_("Items"))
    sheet.append([_("Credit code"), _("Name"), _("Operator"), _("Phone"), _("Town"), _("Trade"), _("Tier"),
                  _("Status"), _("Account manager"), _("Deadline"), _("Reason for closing"), _("Note")])
    rows = full_phones = 0
    for referral in db.session.scalars(items_for(user, referral_list)):
        m = referral.merchant
        sheet.append([
            m.credit_code, m.name, m.operator_name, merchant_phone(m, user),
            m.town.name if m.town else "", label("trade", m.trade), label("tier", m.tier),
            label("referral_status", referral.status), referral.assignee.display_name if referral.assignee else "",
            referral.deadline_on, label("closed_reason", referral.closed_reason) if referral.closed_reason else "",
            referral.closed_note or ""])
        rows += 1
        full_phones += can_call_merchant(m, user)
        progress(read=rows, written=rows)
    workbook.save(target)
    audit.record("export", referral_list, summary=referral_list.name, actor=user,
                 changes={"rows": rows, "full_phones": full_phones})
    return rows
