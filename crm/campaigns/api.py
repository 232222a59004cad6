"""GET /api/v1/campaigns: the drives the user may see, with their rules."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from crm.api.core import array, nullable, obj, route, schema
from crm.campaigns.models import Campaign
from crm.campaigns.queries import visible_campaigns
from crm.campaigns.rules import CADENCES, SCOPES, campaign_quotas

RULES = schema(
    "CampaignRules",
    obj({
        # Both null: the drive has no coverage rule (only 双百工程's document gives one).
        "district_household_threshold": nullable("integer"),
        "district_coverage_ratio": nullable("number"),
        "quotas": array(obj({
            "event": {"type": "string"}, "count": {"type": "integer"},
            "cadence": {"type": "string", "enum": list(CADENCES)}, "scope": {"type": "string", "enum": list(SCOPES)},
            "weekday": nullable("integer"),
        })),
        "referral_contact_days": {"type": "integer"},
        "follow_up_interval_days": {"type": "integer"},
        "need_due_days": {"type": "integer"},
        "visit_distance_m": {"type": "integer"},
        "focus_trades": array({"type": "string"}),
        "tier_caps": {"type": "object"},
        # Each rule's source by its key: {"doc", "title", "clause", "quote"} or {"local": true, "by", "on"};
        # a rule not named here is a default no document gives.
        "sources": {"type": "object"},
    }),
)
CAMPAIGN = schema(
    "Campaign",
    obj({
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "template": nullable("string"),
        "bureau_org": obj({"id": {"type": "integer"}, "name": {"type": "string"}}),
        "bank_org": obj({"id": {"type": "integer"}, "name": {"type": "string"}}),
        "territory": obj({"id": {"type": "integer"}, "name": {"type": "string"}}),
        "starts_on": {"type": "string", "format": "date"},
        "ends_on": {"type": "string", "format": "date"},
        "rules": RULES,
    }),
)


def campaign_rules(campaign: Campaign) -> dict:
    return {
        "district_household_threshold": campaign.district_household_threshold,
        "district_coverage_ratio": (float(campaign.district_coverage_ratio)
                                    if campaign.district_coverage_ratio is not None else None),
        "quotas": [{**q.as_data(), "weekday": q.weekday} for q in campaign_quotas(campaign)],
        "referral_contact_days": campaign.referral_contact_days,
        "follow_up_interval_days": campaign.follow_up_interval_days,
        "need_due_days": campaign.need_due_days,
        "visit_distance_m": campaign.visit_distance_m,
        "focus_trades": list(campaign.focus_trades or []),
        "tier_caps": dict(campaign.tier_caps or {}),
        "sources": {key: {k: v for k, v in source.items() if k != "user_id"}
                    for key, source in (campaign.rule_sources or {}).items()},
    }


def campaign_json(campaign: Campaign) -> dict:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "template": campaign.template,
        "bureau_org": {"id": campaign.bureau_org.id, "name": campaign.bureau_org.name},
        "bank_org": {"id": campaign.bank_org.id, "name": campaign.bank_org.name},
        "territory": {"id": campaign.territory.id, "name": campaign.territory.name},
        "starts_on": campaign.starts_on.isoformat(),
        "ends_on": campaign.ends_on.isoformat(),
        "rules": campaign_rules(campaign),
    }


@route("/campaigns", ["GET"], summary="The drives the user may see, with their rules",
       responses={200: obj({"items": array(CAMPAIGN)})})
def list_campaigns():
    campaigns = visible_campaigns(current_user)
    return jsonify({"items": [campaign_json(c) for c in campaigns]})
