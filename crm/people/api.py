"""GET /api/v1/me: who the caller is, their roles, organization and pairs."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from crm.api.core import array, nullable, obj, route, schema
from crm.auth.scoping import own_pairs

PAIR = schema(
    "PairSummary",
    obj({
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "campaign_id": {"type": "integer"},
        "region": obj({"id": {"type": "integer"}, "name": {"type": "string"}}),
        "liaison": obj({"id": {"type": "integer"}, "name": {"type": "string"}}),
        "account_manager": obj({"id": {"type": "integer"}, "name": {"type": "string"}}),
    }),
)
ME = schema(
    "Me",
    obj({
        "id": {"type": "integer"},
        "username": {"type": "string"},
        "display_name": {"type": "string"},
        "roles": array({"type": "string"}),
        "organization": obj({"id": {"type": "integer"}, "name": {"type": "string"}, "kind": {"type": "string"},
                             "parent_id": nullable("integer")}),
        "pairs": array(PAIR),
    }),
)


def person(user) -> dict:
    return {"id": user.id, "name": user.display_name}


def pair_json(pair) -> dict:
    return {
        "id": pair.id,
        "name": pair.name,
        "campaign_id": pair.campaign_id,
        "region": {"id": pair.region.id, "name": pair.region.name},
        "liaison": person(pair.liaison),
        "account_manager": person(pair.account_manager),
    }


@route("/me", ["GET"], summary="The signed-in user, roles, organization and pairs", responses={200: ME})
def me():
    org = current_user.organization
    return jsonify({
        "id": current_user.id,
        "username": current_user.username,
        "display_name": current_user.display_name,
        "roles": current_user.roles,
        "organization": {"id": org.id, "name": org.name, "kind": org.kind, "parent_id": org.parent_id},
        "pairs": [pair_json(p) for p in own_pairs(current_user)],
    })
