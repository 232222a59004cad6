"""GET /api/v1/plaques: the plaque nominations and decisions of the drives the caller may see, for sync."""
from __future__ import annotations

from crm.api import sync
from crm.api.core import array, nullable, obj, schema
from crm.auth.scoping import work_condition
from crm.plaques.models import PLAQUE_STATUSES, Plaque

MOMENT = {"type": "string", "format": "date-time"}
PLAQUE = schema("Plaque", obj({
    "id": {"type": "integer"}, "campaign_id": {"type": "integer"},
    "merchant": obj({"id": {"type": "integer"}, "name": {"type": "string"}, "credit_code": {"type": "string"}}),
    "status": {"type": "string", "enum": list(PLAQUE_STATUSES)}, "number": nullable("string"),
    "checks": array({"type": "object"}), "nominated_by_id": {"type": "integer"}, "nominated_at": MOMENT,
    "decided_by_id": nullable("integer"), "decided_at": nullable(MOMENT), "flagged": {"type": "boolean"},
    "flag_reason": nullable("string"), "revoked_reason": nullable("string"),
}))


def plaque_json(p: Plaque) -> dict:
    return {
        "id": p.id, "campaign_id": p.campaign_id,
        "merchant": {"id": p.merchant.id, "name": p.merchant.name, "credit_code": p.merchant.credit_code},
        "status": p.status, "number": p.number, "checks": list(p.checks or []), "nominated_by_id": p.nominated_by_id,
        "nominated_at": p.nominated_at.isoformat() + "Z", "decided_by_id": p.decided_by_id,
        "decided_at": p.decided_at.isoformat() + "Z" if p.decided_at else None, "flagged": bool(p.flagged),
        "flag_reason": p.flag_reason, "revoked_reason": p.revoked_reason,
    }


sync.register(sync.Listing(
    "plaques", Plaque, PLAQUE, plaque_json, lambda user: work_condition(user, Plaque), campaign=Plaque.campaign_id,
    region=sync.merchant_region(Plaque), status=Plaque.status, status_values=PLAQUE_STATUSES,
    day=Plaque.nominated_at, plain=True))
