"""Building a referral list and exporting one, as background jobs: a county's list has tens of
thousands of names, more than a page should wait for.

A job lives in its own folder (crm.jobs.folders, area "referrals"): its state, the credit codes it
was given (codes.json) and, for an export, the workbook it wrote. A build writes the list and all
its items in one transaction at its end: a worker killed mid-way leaves no list behind.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict

from flask_babel import get_locale
from flask_babel import gettext as _

from crm.campaigns.models import Campaign
from crm.extensions import db
from crm.jobs import folders, queue
from crm.jobs import state as job_state
from crm.jobs.queue import JobFailed
from crm.people.models import Organization, User
from crm.referrals.export import export_list
from crm.referrals.models import ReferralList
from crm.referrals.operations import Filters, candidate_ids, check_codes, create_list

AREA = "referrals"  # the uploads folder's subfolder of list builds and exports
CODES_FILE = "codes.json"
EXPORT_FILE = "export.xlsx"
REJECTED_KEPT = 200  # rejected codes the finished job lists; the count says how many there were


def find(user_id: int, job_id: str) -> str | None:
    return folders.find(AREA, user_id, job_id)


def _queue(user: User, state: dict, codes: list[str] | None = None) -> tuple[str, dict]:
    job_id, path = folders.create(AREA, user.id)
    if codes is not None:
        job_state.save_json(os.path.join(path, CODES_FILE), codes)
    state = {**state, "id": job_id, "user_id": user.id, "locale": str(get_locale() or "")}
    queue.enqueue(path, state)
    return job_id, folders.progress(path)


def start_build(user: User, campaign: Campaign, bank: Organization, name: str, *,
                filters: Filters | None = None, codes: list[str] | None = None) -> tuple[str, dict]:
    """Queue the build of a list from the filters or from credit codes; (job id, its state)."""
    return _queue(user, {"kind": "referral_build", "campaign_id": campaign.id, "bank_org_id": bank.id, "name": name,
                         "filters": None if codes else asdict(filters)}, codes if codes else None)


def start_export(user: User, referral_list: ReferralList) -> tuple[str, dict]:
    """Queue the export of a list as the user sees it (their phones masked or not); (job id, its state)."""
    return _queue(user, {"kind": "referral_export", "list_id": referral_list.id, "name": referral_list.name})


def run_build(path: str, state: dict, tracker) -> dict:
    user = db.session.get(User, state["user_id"])
    campaign = db.session.get(Campaign, state["campaign_id"])
    filters = Filters(**state["filters"]) if state["filters"] else None
    rejected: list[dict] = []
    if filters is None:
        with open(os.path.join(path, CODES_FILE), encoding="utf-8") as handle:
            codes = json.load(handle)
        tracker(read=len(codes), total=len(codes), phase="check")
        check = check_codes(user, campaign, codes)
        merchants, rejected = check.merchant_ids, check.rejected
        tracker(checked=len(codes))
    else:
        merchants = candidate_ids(user, campaign, filters, tracker)
    if not merchants:
        raise JobFailed(_("The list would be empty."))
    referral_list, count = create_list(user, campaign, state["name"], db.session.get(Organization, state["bank_org_id"]),
                                       merchants, source="filter" if filters else "upload",
                                       criteria=filters.criteria() if filters else None, progress=tracker)
    db.session.commit()
    return {"list_id": referral_list.id, "names": count, "rejected": rejected[:REJECTED_KEPT],
            "rejected_count": len(rejected)}


def run_export(path: str, state: dict, tracker) -> dict:
    user = db.session.get(User, state["user_id"])
    referral_list = db.session.get(ReferralList, state["list_id"])
    with open(os.path.join(path, EXPORT_FILE), "wb") as target:
        rows = export_list(referral_list, user, target, progress=tracker)
    db.session.commit()  # the audit row of the export
    return {"list_id": referral_list.id, "rows": rows}


def export_path(path: str) -> str | None:
    """The finished export's workbook, or None."""
    file = os.path.join(path, EXPORT_FILE)
    return file if os.path.exists(file) and folders.progress(path)["status"] == "done" else None
