"""一链一策 (001): a core enterprise and its up- and downstream merchants as one list, referred, granted
together, and counted apart in the notice."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from crm.extensions import db
from crm.merchants import credit_code
from crm.referrals.models import Referral, ReferralList
from crm.referrals.queries import chain_grants
from crm.timeutil import local_today
from crm.visits.models import Application
from tests import factories
from tests.referrals.helpers import application


def build(client, world, core, upstream=(), downstream=(), name="面粉链"):
    return client.post("/referrals/chain", data={
        "campaign_id": world.campaign.id, "name": name, "bank_org_id": world.orgs["branch_a"].id,
        "core_code": core.credit_code if hasattr(core, "credit_code") else core,
        "upstream": "\n".join(m.credit_code for m in upstream), "downstream": "\n".join(m.credit_code for m in downstream)})


def test_a_chain_is_referred_and_granted_together_and_counted_apart(world, login):
    ms = world.merchants
    d_a1 = world.districts[0]
    mill = factories.merchant("长子面粉厂", d_a1, kind="small_enterprise")  # the core enterprise
    bakery = factories.merchant("丹朱饼店", d_a1)
    db.session.commit()
    liaison = login(world.users["liaison_a1"])
    response = build(liaison, world, mill, upstream=[ms["m_a1"]], downstream=[bakery, ms["m_b1"]])
    assert response.status_code == 302  # 王记面馆 (another county's) cannot go on the list; the rest can
    chain = db.session.scalar(select(ReferralList).where(ReferralList.source == "chain"))
    roles = {r.merchant_id: r.chain_role for r in db.session.scalars(select(Referral).where(
        Referral.list_id == chain.id))}
    assert roles == {mill.id: "core", ms["m_a1"].id: "upstream", bakery.id: "downstream"}
    liaison.post(f"/referrals/{chain.id}/hand-over")
    # The branch works the chain like any list and grants it together.
    head = login(world.users["head_a"])
    page = head.get(f"/referrals/{chain.id}").get_data(as_text=True)
    assert 'data-chain-role="core"' in page and "链式授信" in page
    items = {r.merchant_id: r for r in db.session.scalars(select(Referral).where(Referral.list_id == chain.id))}
    application(world, bakery, world.users["am_a1"], applied=80000)  # the bakery had applied already
    db.session.commit()
    response = head.post(f"/referrals/{chain.id}/grant-chain", data={
        f"amount-{items[mill.id].id}": "100", f"amount-{items[bakery.id].id}": "5",
        f"amount-{items[ms['m_a1'].id].id}": ""})
    assert response.status_code == 302
    grants = {a.merchant_id: a.granted_amount for a in db.session.scalars(
        select(Application).where(Application.granted_amount.is_not(None)))}
    assert grants == {mill.id: Decimal(1000000), bakery.id: Decimal(50000)}
    assert db.session.scalar(select(func.count(Application.id)).where(Application.merchant_id == bakery.id)) == 1
    db.session.expire_all()
    assert items[mill.id].status == "granted" and items[ms["m_a1"].id].status == "pending"
    # A grant outside a chain is not a chain grant.
    application(world, ms["m_a2"], world.users["am_a2"], granted=30000).granted_on = local_today()
    db.session.commit()
    today = local_today()
    assert chain_grants(world.campaign.id, today - timedelta(days=30), today) == {
        "chains": 1, "grants": 2, "amount": Decimal(1050000)}
    assert chain_grants(world.campaign.id, today - timedelta(days=30), today, world.counties[1].id)["grants"] == 0
    assert chain_grants(world.campaign.id, today + timedelta(days=1), today + timedelta(days=9))["grants"] == 0
    lead = login(world.users["lead"])
    lead.get("/lang/en")
    book = load_workbook(BytesIO(lead.get(f"/reports/notice.xlsx?campaign={world.campaign.id}&period=all").data))
    summary = {row[0]: row[1:] for row in book["Notice"].iter_rows(values_only=True) if row and row[0]}
    assert summary["Chain grants (一链一策)"][0] == 2 and "1 chains, 105 (10k yuan)" in summary[
        "Chain grants (一链一策)"][1]
    assert summary["Applications at the service window"][0] == 0


def test_a_bad_chain_changes_nothing(world, login):
    liaison = login(world.users["liaison_a1"])
    liaison.get("/lang/en")
    outside = build(liaison, world, world.merchants["m_b1"], upstream=[world.merchants["m_a2"]])
    assert outside.status_code == 422 and "core enterprise cannot go on the list" in outside.get_data(as_text=True)
    alone = build(liaison, world, world.merchants["m_a1"])
    assert alone.status_code == 422 and "at least one merchant" in alone.get_data(as_text=True)
    bad = build(liaison, world, credit_code.make(), upstream=[world.merchants["m_a2"]])
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count(ReferralList.id))) == 0
    assert login(world.users["am_a1"]).get("/referrals/chain").status_code == 404


def test_a_refused_grant_records_nothing(world, login):
    ms = world.merchants
    supplier = factories.merchant("丹朱粮站", world.districts[0])
    db.session.commit()
    liaison = login(world.users["liaison_a1"])
    build(liaison, world, ms["m_a1"], upstream=[supplier])
    chain = db.session.scalar(select(ReferralList))
    liaison.post(f"/referrals/{chain.id}/hand-over")
    items = sorted(db.session.scalars(select(Referral).where(Referral.list_id == chain.id)), key=lambda r: r.id)
    head = login(world.users["head_a"])
    head.post(f"/referrals/{chain.id}/grant-chain", data={f"amount-{items[0].id}": "10",
                                                          f"amount-{items[1].id}": "abc"})
    assert db.session.scalar(select(func.count(Application.id))) == 0
    other = login(world.users["head_b"])  # another county's branch: not its list
    assert other.post(f"/referrals/{chain.id}/grant-chain", data={f"amount-{items[0].id}": "10"}).status_code == 404
    assert db.session.scalar(select(func.count(Application.id))) == 0
