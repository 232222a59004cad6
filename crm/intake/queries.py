"""Self-applications counted by channel: the public QR form and the service window (服务专窗)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from crm.campaigns.models import LiaisonPair
from crm.extensions import db
from crm.referrals.models import INTAKE_CHANNELS, IntakeSubmission
from crm.regions.queries import regions_and_below


def channel_counts(campaign_id: int, since: datetime | None = None, until: datetime | None = None,
                   region_id: int | None = None, pair_id: int | None = None) -> dict[str, int]:
    """How many applications each channel received (UTC instants, until excluded), for the drive, the pairs
    of a region and below, or one pair; every channel is present, with 0 if none came."""
    stmt = select(IntakeSubmission.channel, func.count()).where(IntakeSubmission.campaign_id == campaign_id)
    if since is not None:
        stmt = stmt.where(IntakeSubmission.created_at >= since)
    if until is not None:
        stmt = stmt.where(IntakeSubmission.created_at < until)
    if pair_id is not None:
        stmt = stmt.where(IntakeSubmission.pair_id == pair_id)
    if region_id is not None:
        stmt = stmt.where(IntakeSubmission.pair_id.in_(
            select(LiaisonPair.id).where(LiaisonPair.region_id.in_(regions_and_below([region_id])))))
    counts = dict.fromkeys(INTAKE_CHANNELS, 0)
    counts.update(dict(db.session.execute(stmt.group_by(IntakeSubmission.channel)).all()))
    return counts
