"""Building referral lists and field work for the referral tests."""
from __future__ import annotations

import itertools
from decimal import Decimal

from crm.extensions import db
from crm.referrals import operations
from crm.referrals.models import Referral, ReferralList
from crm.timeutil import local_today, utcnow
from crm.visits.models import Application, Visit

_ids = itertools.count(1)


def make_list(world, merchants, creator="liaison_a1", bank="branch_a", handed=True) -> ReferralList:
    user = world.users[creator]
    referral_list, _count = operations.create_list(user, world.campaign, "长子县第一批", world.orgs[bank],
                                                   [m.id for m in merchants], source="filter")
    if handed:
        operations.hand_over(referral_list, user)
    db.session.commit()
    return referral_list


def item(referral_list, merchant) -> Referral:
    return Referral.query.filter_by(list_id=referral_list.id, merchant_id=merchant.id).one()


def visit(world, merchant, author) -> Visit:
    n = next(_ids)
    v = Visit(client_id=f"v{n}", body_hash="x", campaign_id=world.campaign.id, merchant_id=merchant.id,
              author_id=author.id, kind="first", visited_at=utcnow(), visited_on=local_today())
    db.session.add(v)
    db.session.flush()
    return v


def application(world, merchant, author, applied=100000, granted=None, drawn=None) -> Application:
    n = next(_ids)
    a = Application(client_id=f"a{n}", body_hash="x", campaign_id=world.campaign.id, merchant_id=merchant.id,
                    author_id=author.id, applied_amount=Decimal(applied), applied_on=local_today(),
                    granted_amount=Decimal(granted) if granted else None,
                    drawn_amount=Decimal(drawn) if drawn else None)
    db.session.add(a)
    db.session.flush()
    return a
