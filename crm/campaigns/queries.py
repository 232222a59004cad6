"""Look-ups of drives every area shares: the drives a user may see, one of them, its counties."""
from __future__ import annotations

from sqlalchemy import select

from crm.auth.scoping import campaign_condition
from crm.campaigns.models import Campaign
from crm.extensions import db
from crm.regions.models import Region


def visible_campaigns(user) -> list[Campaign]:
    return list(db.session.scalars(
        select(Campaign).where(campaign_condition(user, Campaign.id)).order_by(Campaign.starts_on.desc(), Campaign.id)
    ))


def chosen_campaign(user, campaign_id: int | None) -> Campaign | None:
    """The drive with this id if the user may see it; with no id, the latest visible one; else None."""
    campaigns = visible_campaigns(user)
    if campaign_id is None:
        return campaigns[0] if campaigns else None
    return next((campaign for campaign in campaigns if campaign.id == campaign_id), None)


def campaign_counties(campaign: Campaign) -> list[Region]:
    territory = campaign.territory
    if territory.level == "county":
        return [territory]
    if territory.level != "city":
        return [r for r in territory.ancestors() if r.level == "county"]
    return list(db.session.scalars(
        select(Region).where(Region.parent_id == territory.id, Region.level == "county").order_by(Region.code,
                                                                                                  Region.name)
    ))
