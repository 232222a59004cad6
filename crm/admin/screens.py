"""The five administration screens: regions, organizations, users, liaison pairs and drives."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from crm.admin.crud import Column, Removal, Screen
from crm.admin.operations import delete_record
from crm.auth.scoping import is_admin, led_campaign_condition, pair_condition
from crm.campaigns import operations as campaign_ops
from crm.campaigns.coverage import rule_text
from crm.campaigns.forms import CampaignForm, CampaignRulesForm, PairForm
from crm.campaigns.models import Campaign, LiaisonPair
from crm.campaigns.rulebook import drive_programme, quota_text
from crm.campaigns.rules import campaign_quotas
from crm.formatting import iso_date, local_dt, wan
from crm.labels import label
from crm.people import operations as people_ops
from crm.people.forms import OrganizationForm, UserForm
from crm.people.models import Organization, User
from crm.regions import operations as region_ops
from crm.regions.forms import RegionForm
from crm.regions.models import Region
from crm.subscriptions import operations as subscription_ops
from crm.subscriptions.forms import SubscriptionForm
from crm.subscriptions.models import Subscription
from crm.subscriptions.queries import delivery_counts


def tag(text, css: str = "") -> Markup:
    return Markup('<span class="tag {}">{}</span>').format(css, text)


def tags(group: str, codes) -> Markup:
    return Markup(" ").join(tag(label(group, code)) for code in codes or ())


def active_tag(active: bool) -> Markup:
    return tag(_("Active"), "tag-operating") if active else tag(_("Inactive"), "tag-cancelled")


def name_of(obj) -> str:
    return obj.name if obj is not None else "—"


REGIONS = Screen(
    name="regions", model=Region, title=_l("Regions"), new_label=_l("New region"),
    hint=_l("The territory: city, counties, towns and business districts with their households."),
    form=lambda user, obj: RegionForm(obj=obj),
    columns=(
        Column(_l("Name"), lambda r: r.name),
        Column(_l("Level"), lambda r: label("region_level", r.level)),
        Column(_l("Part of"), lambda r: name_of(r.parent)),
        Column(_l("Code"), lambda r: r.code or "—", minor=True),
        Column(_l("Households"), lambda r: r.households if r.households is not None else "—"),
    ),
    more=(
        Column(_l("Full name"), lambda r: r.full_name),
        Column(_l("Kind of district"), lambda r: label("district_kind", r.district_kind)),
        Column(_l("Address"), lambda r: r.address or "—"),
        Column(_l("Sub-regions"), lambda r: len(r.children)),
    ),
    search=(Region.name, Region.code), order_by=(Region.name, Region.id),
    create=region_ops.create_region, update=region_ops.update_region, display=lambda r: r.name,
    removal=Removal(_l("Delete"), _l("Delete this region?"), _l("The region was deleted."),
                    lambda r, actor: delete_record(r, region_ops.AUDITED_FIELDS, name=r.name, actor=actor)),
    options=(selectinload(Region.parent),),
)

ORGANIZATIONS = Screen(
    name="organizations", model=Organization, title=_l("Organizations"), new_label=_l("New organization"),
    hint=_l("The bureau's offices and the bank's branches, as two trees."),
    form=lambda user, obj: OrganizationForm(obj=obj),
    columns=(
        Column(_l("Name"), lambda o: o.name),
        Column(_l("Side"), lambda o: label("org_kind", o.kind)),
        Column(_l("Part of"), lambda o: name_of(o.parent)),
        Column(_l("Region served"), lambda o: name_of(o.region), minor=True),
    ),
    more=(Column(_l("Units"), lambda o: ", ".join(c.name for c in o.children) or "—"),),
    search=(Organization.name,), order_by=(Organization.kind, Organization.name, Organization.id),
    create=people_ops.create_organization, update=people_ops.update_organization, display=lambda o: o.name,
    removal=Removal(_l("Delete"), _l("Delete this organization?"), _l("The organization was deleted."),
                    lambda o, actor: delete_record(o, people_ops.ORG_FIELDS, name=o.name, actor=actor)),
    options=(selectinload(Organization.parent), selectinload(Organization.region)),
)

USERS = Screen(
    name="users", model=User, title=_l("Users"), new_label=_l("New user"),
    hint=_l("People who sign in, their organization and roles. Users are deactivated, never deleted."),
    form=lambda user, obj: UserForm(obj=obj, creating=obj is None),
    columns=(
        Column(_l("Username"), lambda u: u.username),
        Column(_l("Name"), lambda u: u.display_name),
        Column(_l("Organization"), lambda u: u.organization.name, minor=True),
        Column(_l("Roles"), lambda u: tags("role", u.roles)),
        Column(_l("Status"), lambda u: active_tag(u.active)),
        Column(_l("Last sign-in"), lambda u: local_dt(u.last_login_at), minor=True),
    ),
    more=(
        Column(_l("Phone"), lambda u: u.phone or "—"),
        Column(_l("Email"), lambda u: u.email or "—"),
        Column(_l("Created"), lambda u: local_dt(u.created_at)),
    ),
    search=(User.username, User.display_name, User.phone, User.email), order_by=(User.username,),
    create=lambda values, actor: people_ops.create_user(**values, actor=actor),
    update=people_ops.update_user, display=lambda u: u.display_name,
    removal=Removal(_l("Deactivate"), _l("Deactivate this user? They will no longer be able to sign in."),
                    _l("The user was deactivated."), people_ops.deactivate_user, applies=lambda u: u.active),
    options=(selectinload(User.organization),),
)


def _member(user: User) -> str:
    return f"{user.display_name} · {user.organization.name}"


PAIRS = Screen(
    name="pairs", model=LiaisonPair, title=_l("Liaison pairs"), new_label=_l("New pair"),
    hint=_l("One bureau liaison and one account manager for a town, in a drive."),
    form=lambda user, obj: PairForm(obj=obj),
    columns=(
        Column(_l("Name"), lambda p: p.name),
        Column(_l("Drive"), lambda p: p.campaign.name, minor=True),
        Column(_l("Town"), lambda p: p.region.name),
        Column(_l("Liaison"), lambda p: p.liaison.display_name),
        Column(_l("Account manager"), lambda p: p.account_manager.display_name),
        Column(_l("Status"), lambda p: active_tag(p.active)),
    ),
    more=(
        Column(_l("Town (or county)"), lambda p: p.region.full_name),
        Column(_l("Liaison's office"), lambda p: _member(p.liaison)),
        Column(_l("Account manager's branch"), lambda p: _member(p.account_manager)),
        Column(_l("Joint visit days and events"),
               lambda p: Markup('<a href="{}">{}</a>').format(url_for("events.pair", pair_id=p.id), _("Pair page"))),
        Column(_l("QR poster"),
               lambda p: Markup('<a href="{}">{}</a>').format(url_for("intake.poster", pair_id=p.id), _("Print poster"))),
        Column(_l("Created"), lambda p: local_dt(p.created_at)),
    ),
    search=(LiaisonPair.name,), order_by=(LiaisonPair.name, LiaisonPair.id),
    create=campaign_ops.create_pair, update=campaign_ops.update_pair, display=lambda p: p.name,
    removal=Removal(_l("Deactivate"), _l("Deactivate this pair? Its history stays."), _l("The pair was deactivated."),
                    campaign_ops.deactivate_pair, applies=lambda p: p.active),
    scope=pair_condition, viewers=("admin", "lead"),
    options=(selectinload(LiaisonPair.campaign), selectinload(LiaisonPair.region),
             selectinload(LiaisonPair.liaison), selectinload(LiaisonPair.account_manager)),
)




def tier_caps(c: Campaign) -> str:
    names = {"distinguished": "名特优新"}
    text = [f"{names.get(key) or label('tier', key)} ≤ {wan(amount)}" for key, amount in (c.tier_caps or {}).items()
            if key in campaign_ops.CAP_KEYS]
    return _("%(caps)s (10k yuan)", caps="; ".join(text)) if text else "—"


def _leads(c: Campaign) -> str:
    return ", ".join(row.user.display_name for row in c.lead_rows) or "—"


CAMPAIGNS = Screen(
    name="campaigns", model=Campaign, title=_l("Drives"), new_label=_l("New drive"),
    hint=_l("Each drive's partners, territory, dates, leads and rules."),
    form=lambda user, obj: (CampaignForm if is_admin(user) else CampaignRulesForm)(obj=obj),
    columns=(
        Column(_l("Name"), lambda c: c.name),
        Column(_l("Territory"), lambda c: c.territory.name),
        Column(_l("Period"), lambda c: f"{iso_date(c.starts_on)} – {iso_date(c.ends_on)}"),
        Column(_l("Partners"), lambda c: f"{c.bureau_org.name} · {c.bank_org.name}", minor=True),
        Column(_l("Programme leads"), _leads, minor=True),
    ),
    more=(
        Column(_l("Programme"), drive_programme),
        Column(_l("District coverage"), rule_text),
        Column(_l("Event quotas"), lambda c: "; ".join(
            f"{label('event_kind', q.event)}: {quota_text(q)}" for q in campaign_quotas(c)) or "—"),
        Column(_l("Focus trades"), lambda c: tags("trade", c.focus_trades) or "—"),
        Column(_l("Pre-credit caps by tier"), tier_caps),
        Column(_l("Rules and their sources"), lambda c: Markup('<a href="{}">{}</a>').format(
            url_for("campaign_templates.rules", campaign_id=c.id), _("Every rule with its document and clause"))),
        Column(_l("Liaison pairs"), lambda c: len(c.pairs)),
    ),
    search=(Campaign.name,), order_by=(Campaign.starts_on.desc(), Campaign.id),
    create=campaign_ops.create_campaign, update=campaign_ops.update_campaign, display=lambda c: c.name,
    removal=Removal(_l("Delete"), _l("Delete this drive? Only a drive nothing refers to yet can be deleted."),
                    _l("The drive was deleted."),
                    lambda c, actor: delete_record(c, campaign_ops.CAMPAIGN_FIELDS, name=c.name, actor=actor)),
    scope=led_campaign_condition, viewers=("admin", "lead"), editors=("admin", "lead"),
    options=(selectinload(Campaign.territory), selectinload(Campaign.bureau_org), selectinload(Campaign.bank_org),
             selectinload(Campaign.lead_rows)),
)

EVENT_LABELS = {e.name: e.label for e in subscription_ops.EVENTS}


def _deliveries(s: Subscription) -> str:
    counts = delivery_counts(s)
    return _("%(sent)s sent, %(waiting)s waiting, %(failed)s failed", sent=counts.get("sent", 0),
             waiting=counts.get("pending", 0) + counts.get("sending", 0), failed=counts.get("failed", 0))


SUBSCRIPTIONS = Screen(
    name="subscriptions", model=Subscription, title=_l("Webhook subscriptions"), new_label=_l("New subscription"),
    hint=_l("Other systems told of visits, referrals, loans and plaques as they happen, signed with a secret."),
    form=lambda user, obj: SubscriptionForm(obj=obj, creating=obj is None),
    columns=(
        Column(_l("Name"), lambda s: s.name),
        Column(_l("Address (URL)"), lambda s: s.url, minor=True),
        Column(_l("Events to send"), lambda s: Markup(" ").join(tag(EVENT_LABELS.get(e, e)) for e in s.events or ())),
        Column(_l("Status"), lambda s: active_tag(s.active)),
    ),
    more=(
        Column(_l("Signing secret"), lambda s: Markup("<code>{}</code>").format(s.secret)),
        Column(_l("Deliveries"), _deliveries),
        Column(_l("Created"), lambda s: local_dt(s.created_at)),
    ),
    search=(Subscription.name, Subscription.url), order_by=(Subscription.name, Subscription.id),
    create=subscription_ops.create_subscription, update=subscription_ops.update_subscription,
    display=lambda s: s.name,
    removal=Removal(_l("Deactivate"), _l("Stop sending to this address? Deliveries not yet sent will fail."),
                    _l("The subscription was deactivated."), subscription_ops.deactivate_subscription,
                    applies=lambda s: s.active),
)

SCREENS: dict[str, Screen] = {s.name: s for s in (CAMPAIGNS, PAIRS, USERS, ORGANIZATIONS, REGIONS, SUBSCRIPTIONS)}
