"""Field-work rules: recording a visit (online or replayed from a phone's queue) with its needs,
follow-ups and photos; correcting a visit; loan applications and their outcomes; closing needs.

The HTML form and the API call the same functions; none of them commits (the caller does, so a
signal receiver's changes and ours stand or fall together).
"""
from __future__ import annotations

import math
import os
import secrets
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import or_, select

from crm import audit
from crm.api import shapes
from crm.api.payload import Conflict, Invalid, NotFound, Reader, body_hash
from crm.auth.scoping import can_see_merchant, visible_campaign
from crm.campaigns.models import TRADES, Campaign, LiaisonPair
from crm.events.models import Event
from crm.extensions import db
from crm.merchants import operations as merchant_ops
from crm.merchants.models import KINDS as MERCHANT_KINDS
from crm.merchants.models import Merchant
from crm.people.models import User
from crm.products.models import Product
from crm.regions.models import Region
from crm.signals import application_changed, visit_recorded
from crm.timeutil import local_date, local_today, to_utc_naive, utcnow
from crm.visits.models import VISIT_KINDS, Application, FollowUp, Need, Photo, Visit

CLOCK_SKEW = timedelta(minutes=10)  # a phone's clock may run a little ahead
MAX_PHOTOS = 3
MAX_NEEDS = 20
PHOTO_MAX_SIDE = 1600
PHOTO_QUALITY = 80
MAX_AMOUNT = Decimal("1e11")  # yuan: more than any loan, less than what overflows the columns
VISIT_AUDITED = ("kind", "visited_at", "visited_on", "has_financing_need", "financing_amount", "financing_purpose",
                 "satisfaction", "notes")
# A visit as the phone sends it (POST /api/v1/visits) and the form is turned into: read with these,
# documented from them. VISIT_CHANGES is what a correction may change.
VISIT_CHANGES = shapes.Shape(
    kind=shapes.choice(VISIT_KINDS, required=True), visited_at=shapes.moment(required=True),
    financing_need=shapes.nested(shapes.Shape(
        has_need=shapes.boolean(),
        amount=shapes.number(above=Decimal(0), high=MAX_AMOUNT, when=("has_need", True)),
        purpose=shapes.text(200, when=("has_need", True)))),
    notes=shapes.text(4000), satisfaction=shapes.integer(1, 5),
)
VISIT_INPUT = shapes.Shape(
    client_id=shapes.text(64, required=True),
    campaign_id=shapes.raw("integer", required=True),  # looked up among the drives the user may see
    merchant=shapes.nested(shapes.Shape(  # a known merchant by its code, or one to register with its details
        credit_code=shapes.raw("string", required=True), name=shapes.text(120), region_id=shapes.integer(),
        kind=shapes.choice(MERCHANT_KINDS), trade=shapes.choice(TRADES), operator_name=shapes.text(64),
        operator_phone=shapes.text(32), address=shapes.text(200)), required=True),
    **VISIT_CHANGES.fields,
    location=shapes.nested(shapes.Shape(
        lat=shapes.number(-90, 90, required=True), lng=shapes.number(-180, 180, required=True),
        accuracy_m=shapes.number(0, 100000))),
    needs=shapes.items(shapes.Shape(text=shapes.text(500, required=True), due_on=shapes.day()), MAX_NEEDS,
                       _l("Must be a list of at most %(n)s needs.", n=MAX_NEEDS)),
    next_follow_up_on=shapes.day(),
)
# A loan application (POST /api/v1/applications) and its outcome (PATCH): read with these, documented from them.
APPLICATION_INPUT = shapes.Shape(
    client_id=shapes.text(64, required=True), campaign_id=shapes.raw("integer", required=True),
    credit_code=shapes.text(32, required=True), product_id=shapes.integer(), need_id=shapes.integer(),
    applied_amount=shapes.number(above=Decimal(0), high=MAX_AMOUNT, required=True),
    applied_on=shapes.day(required=True),
)
APPLICATION_OUTCOME = shapes.Shape(
    granted_amount=shapes.number(above=Decimal(0), high=MAX_AMOUNT),
    rate=shapes.number(above=Decimal(0), high=Decimal("0.5")), granted_on=shapes.day(),
    declined_reason=shapes.text(200), declined_on=shapes.day(),
    drawn_amount=shapes.number(above=Decimal(0), high=MAX_AMOUNT), drawn_on=shapes.day(),
    first_time_borrower=shapes.flag(),
)
APPLICATION_AUDITED = ("product_id", "applied_amount", "applied_on", "granted_amount", "rate", "granted_on",
                       "declined_reason", "declined_on", "drawn_amount", "drawn_on", "first_time_borrower")


# ---- shared look-ups --------------------------------------------------------------------------

def _submission(model, author: User, payload: dict) -> tuple[Reader, str, object | None]:
    """(reader, client_id, what is already stored under that client_id).

    An idempotent retry finds what is stored; a different body under the same id is a conflict.
    """
    r = Reader(payload)
    client_id = r.text("client_id", 64, required=True)
    r.check()
    stored = db.session.scalar(select(model).where(model.client_id == client_id))
    if stored is not None and (stored.author_id != author.id or stored.body_hash != body_hash(payload)):
        raise Conflict(_("This client_id was already used for a different submission."))
    return r, client_id, stored


def user_pairs(user: User) -> list[LiaisonPair]:
    """The active pairs the user belongs to (as account manager or liaison), in every drive."""
    return list(db.session.scalars(select(LiaisonPair).where(
        LiaisonPair.active.is_(True),
        or_(LiaisonPair.account_manager_id == user.id, LiaisonPair.liaison_id == user.id),
    ).order_by(LiaisonPair.id)))


def pair_for(pairs: list[LiaisonPair], campaign_id: int, merchant: Merchant) -> LiaisonPair | None:
    """Of these pairs, the one of the drive whose town (or county, or district) covers the merchant."""
    places = {merchant.county_id, merchant.town_id, merchant.district_id} - {None}
    return next((p for p in pairs if p.campaign_id == campaign_id and p.region_id in places), None)


def _campaign(user: User, campaign_id, pairs: list[LiaisonPair]) -> Campaign:
    """The drive, if the user may see it; a drive of the user's own pair needs no further look-up."""
    campaign = next((p.campaign for p in pairs if p.campaign_id == campaign_id), None)
    campaign = campaign or visible_campaign(campaign_id, user)
    if campaign is None:
        raise NotFound(_("No such drive, or not one you may see."))
    return campaign


def _merchant(user: User, credit_code: str | None, pairs: list[LiaisonPair] = ()) -> Merchant:
    """The merchant, if the user may see it; one in the user's own pair's area needs no further look-up
    (scoping gives account managers and liaisons their pairs' areas)."""
    merchant = merchant_ops.find_by_code(credit_code) if credit_code else None
    if merchant is not None:
        places = {merchant.county_id, merchant.town_id, merchant.district_id}
        own = user.has_role("account_manager", "liaison") and any(p.region_id in places for p in pairs)
        if not own and not can_see_merchant(merchant, user):
            merchant = None
    if merchant is None:
        raise NotFound(_("No such merchant, or not one you may see."))
    return merchant


def joint_visit_day_id(pair: LiaisonPair | None, day: date) -> int | None:
    if pair is None:
        return None
    return db.session.scalar(select(Event.id).where(
        Event.kind == "joint_visit_day", Event.pair_id == pair.id, Event.status != "cancelled",
        or_(Event.planned_on == day, Event.held_on == day)).limit(1))


# ---- visits -----------------------------------------------------------------------------------

def _visit_values(r: Reader, body: dict, campaign: Campaign | None) -> dict:
    """The visit's own columns from its read body, with the rules between fields (shared by
    recording and correcting)."""
    kind, moment = body.get("kind"), body.get("visited_at")
    values: dict = {"kind": kind}
    if moment is not None:
        visited_at = to_utc_naive(moment)
        if visited_at > utcnow() + CLOCK_SKEW:
            r.fail("visited_at", _("A visit cannot be in the future."))
        elif campaign is not None and local_date(visited_at) < campaign.starts_on:
            r.fail("visited_at", _("The drive had not started on that day."))
        values.update(visited_at=visited_at, visited_on=local_date(visited_at))
    need = body.get("financing_need") or {}
    values.update(has_financing_need=need.get("has_need"), financing_amount=need.get("amount"),
                  financing_purpose=need.get("purpose"), notes=body.get("notes"),
                  satisfaction=body.get("satisfaction"))
    if values["satisfaction"] is not None and kind not in (None, "follow_up"):
        r.fail("satisfaction", _("Satisfaction is asked on follow-up visits."))
    return values


def _location(body: dict) -> dict:
    location = body.get("location")
    if location is None:
        return {}
    return {"lat": location.get("lat"), "lng": location.get("lng"), "accuracy_m": location.get("accuracy_m")}


def _needs(r: Reader, body: dict, visited_on: date | None, campaign: Campaign) -> list[dict]:
    needs = []
    for index, need in enumerate(body.get("needs") or []):
        due_on = need.get("due_on")
        if due_on is not None and visited_on is not None and due_on < visited_on:
            r.fail(f"needs.{index}.due_on", _("The deadline cannot be before the visit."))
        if visited_on is not None:
            needs.append({"text": need.get("text"),
                          "due_on": due_on or visited_on + timedelta(days=campaign.need_due_days)})
    return needs


def _next_follow_up(r: Reader, body: dict, visited_on: date | None, campaign: Campaign) -> date | None:
    """Absent: the drive's interval after the visit. Null: none planned."""
    if visited_on is None:
        return None
    if "next_follow_up_on" not in body:
        return visited_on + timedelta(days=campaign.follow_up_interval_days)
    day = body["next_follow_up_on"]
    if day is not None and day <= visited_on:
        r.fail("next_follow_up_on", _("The next follow-up must come after the visit."))
    return day


def _new_merchant(author: User, m: Reader, given: dict, existing: Merchant | None,
                  pairs: list[LiaisonPair]) -> Merchant | None:
    """Register a merchant met on the spot; an already registered code is used if the user may see it."""
    code, problem = merchant_ops.check_credit_code(given.get("credit_code"))
    if problem:
        m.fail("credit_code", problem)
    if not given.get("name"):
        m.fail("name", _("This field is required."))
    values = {
        "credit_code": code, "name": given.get("name"), "kind": given.get("kind") or "individual",
        "trade": given.get("trade") or "other", "operator_name": given.get("operator_name"),
        "operator_phone": given.get("operator_phone"), "address": given.get("address"),
    }
    region = _merchant_region(m, given.get("region_id"), pairs)
    if existing is not None or m.errors:  # errors are shared: register nothing while any field is wrong
        return existing
    merchant = merchant_ops.create_merchant({**values, **merchant_ops.location_of(region)}, actor=author)
    db.session.flush()
    if not can_see_merchant(merchant, author):
        m.fail("region_id", _("That place is outside your area."))
    return merchant


def _merchant_region(m: Reader, region_id: int | None, pairs: list[LiaisonPair]) -> Region | None:
    if region_id is None and pairs:
        region_id = pairs[0].region_id
    region = db.session.get(Region, region_id) if region_id is not None else None
    if region is None or region.level not in ("town", "district"):
        m.fail("region_id", _("Choose the town or district of the merchant."))
    return region


def _resolve_merchant(author: User, r: Reader, body: dict, pairs: list[LiaisonPair]) -> Merchant | None:
    m, given = r.nested("merchant"), body.get("merchant") or {}
    if not isinstance(r.data.get("merchant"), dict) or not m.data.get("credit_code"):
        r.fail("merchant.credit_code", _("Choose a merchant or enter a credit code."))
        return None
    registering = any(key != "credit_code" for key in m.data)
    existing = merchant_ops.find_by_code(m.data["credit_code"])
    if not registering or (existing is not None and not can_see_merchant(existing, author)):
        # A code the user cannot use answers the same whether or not it exists elsewhere: no oracle.
        try:
            return _merchant(author, m.data["credit_code"], pairs)
        except NotFound as err:
            if not r.errors:
                raise
            m.fail("credit_code", str(err))  # the body is invalid anyway: say everything at once
            return None
    return _new_merchant(author, m, given, existing, pairs)


def record_visit(author: User, payload: dict) -> tuple[Visit, bool]:
    """Store a visit and what it opens (needs, the next follow-up); (visit, created).

    A replay of the same client_id and body returns the stored visit with created=False.
    Raises Invalid (422), NotFound (404) or Conflict (409); on Invalid the caller rolls back.
    """
    r, client_id, stored = _submission(Visit, author, payload)
    if stored is not None:
        return stored, False
    pairs = user_pairs(author)
    campaign = _campaign(author, payload.get("campaign_id"), pairs)
    pairs = [p for p in pairs if p.campaign_id == campaign.id]
    body = VISIT_INPUT.read_with(r)
    values = _visit_values(r, body, campaign)
    location = _location(body)
    visited_on = values.get("visited_on")
    needs = _needs(r, body, visited_on, campaign)
    next_on = _next_follow_up(r, body, visited_on, campaign)
    merchant = _resolve_merchant(author, r, body, pairs)
    r.check()

    pair = pair_for(pairs, campaign.id, merchant)
    visit = Visit(client_id=client_id, body_hash=body_hash(payload), campaign_id=campaign.id, merchant=merchant,
                  author=author, pair_id=pair.id if pair else None, event_id=joint_visit_day_id(pair, visited_on),
                  **values, **location)
    visit.location_flag, visit.distance_m = location_check(visit, campaign)
    db.session.add(visit)
    audit.record("create", visit, summary=merchant.name, actor=author)
    _open_needs(visit, needs)
    _plan_follow_up(visit, next_on)
    visit_recorded.send(visit)
    return visit, True


EARTH_RADIUS_M = 6_371_000


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine): plenty for a few hundred metres in a county."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def known_position(merchant_id: int) -> tuple[float, float] | None:
    """Where the merchant is: the position of its first located visit (the registry has no positions)."""
    row = db.session.execute(select(Visit.lat, Visit.lng).where(
        Visit.merchant_id == merchant_id, Visit.lat.is_not(None), Visit.lng.is_not(None))
        .order_by(Visit.visited_at, Visit.id).limit(1)).first()
    return (row.lat, row.lng) if row else None


def location_check(visit: Visit, campaign: Campaign) -> tuple[str | None, int | None]:
    """(flag, metres from the known position): "missing" without GPS, "far" beyond the drive's
    distance; a visit is never refused for it, only shown to the pair's liaison and the leads."""
    if visit.lat is None or visit.lng is None:
        return "missing", None
    known = known_position(visit.merchant.id) if visit.merchant.id is not None else None
    if known is None:
        return None, None  # the first located visit is the merchant's position
    metres = round(distance_m(float(visit.lat), float(visit.lng), *known))
    return ("far" if metres > campaign.visit_distance_m else None), metres


def _open_needs(visit: Visit, needs: list[dict]) -> None:
    due = visit.visited_on + timedelta(days=visit.campaign.need_due_days)
    rows = [{"kind": "other", **need} for need in needs]
    if visit.has_financing_need:
        rows.insert(0, {"kind": "financing", "text": visit.financing_purpose or "", "due_on": due})
    for row in rows:
        db.session.add(Need(campaign_id=visit.campaign_id, merchant_id=visit.merchant_id, visit_id=visit.id,
                            owner_id=visit.author_id, status="open", opened_on=visit.visited_on, **row))


def _plan_follow_up(visit: Visit, next_on: date | None) -> None:
    """A follow-up visit settles the merchant's planned follow-ups; the next one is planned."""
    if visit.kind == "follow_up":
        planned = db.session.scalars(select(FollowUp).where(
            FollowUp.merchant_id == visit.merchant_id, FollowUp.campaign_id == visit.campaign_id,
            FollowUp.status == "planned"))
        for follow_up in planned:
            follow_up.status, follow_up.done_visit_id = "done", visit.id
    if next_on is not None:
        db.session.add(FollowUp(campaign_id=visit.campaign_id, merchant_id=visit.merchant_id,
                                assignee_id=visit.author_id, due_on=next_on, status="planned",
                                source_visit_id=visit.id))


def update_visit(visit: Visit, editor: User, payload: dict) -> dict:
    """Correct a visit's own fields; returns {field: [old, new]}, kept in the audit trail."""
    r = Reader(payload)
    values = _visit_values(r, VISIT_CHANGES.read_with(r), visit.campaign)
    r.check()
    return audit.apply_changes(visit, values, VISIT_AUDITED, summary=visit.merchant.name, actor=editor)


def add_photo(visit: Visit, position: int, stream) -> tuple[Photo, bool]:
    """Resize, strip metadata and store one photo (position 0 is the storefront); idempotent per position."""
    if not isinstance(position, int) or not 0 <= position < MAX_PHOTOS:
        raise Invalid({"position": _("Must be between %(low)s and %(high)s.", low=0, high=MAX_PHOTOS - 1)})
    stored = db.session.scalar(select(Photo).where(Photo.visit_id == visit.id, Photo.position == position))
    if stored is not None:
        return stored, False
    image = clean_image(stream)
    folder = os.path.join(current_app.config["UPLOAD_FOLDER"], "photos")
    os.makedirs(folder, exist_ok=True)
    filename = f"v{visit.id}-{position}-{secrets.token_hex(6)}.jpg"
    image.save(os.path.join(folder, filename), "JPEG", quality=PHOTO_QUALITY, optimize=True)
    photo = Photo(visit_id=visit.id, position=position, filename=filename, width=image.width, height=image.height)
    db.session.add(photo)
    audit.record("create", photo, summary=visit.merchant.name, actor=visit.author)
    return photo, True


def photo_path(photo: Photo) -> str:
    return os.path.join(current_app.config["UPLOAD_FOLDER"], "photos", photo.filename)


def clean_image(stream) -> Image.Image:
    """Upright (EXIF orientation applied), at most 1600 px, RGB, with no metadata left.

    The pixel count is read from the header and checked before decoding: a 20 KB PNG can declare
    13000×13000 pixels, a gigabyte once decoded."""
    max_megapixels = current_app.config["PHOTO_MAX_MEGAPIXELS"]
    try:
        with Image.open(stream) as source:
            if source.width * source.height > max_megapixels * 1_000_000:
                raise Invalid({"photo": _("This photo has more than %(n)s million pixels; send a smaller one.",
                                          n=max_megapixels)})
            source.draft("RGB", (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))  # a JPEG decodes straight at a smaller scale
            upright = ImageOps.exif_transpose(source)
            image = upright.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise Invalid({"photo": _("This file is not a photo we can read.")}) from exc
    image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    image.info = {}
    return image


# ---- needs ------------------------------------------------------------------------------------

def close_need(need: Need, user: User, resolution: str | None) -> None:
    """挂账销号: a need is closed by saying how it was resolved."""
    if need.status != "open":
        raise Conflict(_("This need is already closed."))
    resolution = (resolution or "").strip()
    if not resolution:
        raise Invalid({"resolution": _("Say how the need was resolved.")})
    if len(resolution) > 500:
        raise Invalid({"resolution": _("At most %(n)s characters.", n=500)})
    need.status, need.resolution, need.closed_on, need.closed_by_id = "closed", resolution, local_today(), user.id
    audit.record("update", need, summary=resolution, actor=user,
                 changes={"status": ["open", "closed"], "resolution": [None, resolution]})


# ---- applications -----------------------------------------------------------------------------

def create_application(author: User, payload: dict) -> tuple[Application, bool]:
    """Record a loan application (product, amount, date); idempotent by client_id like visits."""
    r, client_id, stored = _submission(Application, author, payload)
    if stored is not None:
        return stored, False
    pairs = user_pairs(author)
    campaign = _campaign(author, payload.get("campaign_id"), pairs)
    body = APPLICATION_INPUT.read_with(r)
    code = body.get("credit_code")
    merchant = _merchant(author, code, pairs) if code else None
    applied_on = body.get("applied_on")
    if applied_on is not None and applied_on > local_today():
        r.fail("applied_on", _("Cannot be in the future."))
    values = {"applied_amount": body.get("applied_amount"), "applied_on": applied_on,
              "product_id": _product_id(r, body.get("product_id")),
              "need_id": _need_id(r, body.get("need_id"), merchant) if merchant else None}
    r.check()
    application = Application(client_id=client_id, body_hash=body_hash(payload), campaign_id=campaign.id,
                              merchant_id=merchant.id, author_id=author.id, first_time_borrower=False, **values)
    db.session.add(application)
    audit.record("create", application, summary=merchant.name, actor=author,
                 changes={k: [None, v] for k, v in audit.snapshot(application, APPLICATION_AUDITED).items()
                          if v is not None})
    application_changed.send(application)
    return application, True


def _product_id(r: Reader, product_id: int | None) -> int | None:
    if product_id is not None and db.session.scalar(
            select(Product.id).where(Product.id == product_id, Product.active.is_(True))) is None:
        r.fail("product_id", _("No such product."))
    return product_id


def _need_id(r: Reader, need_id: int | None, merchant: Merchant) -> int | None:
    if need_id is not None and db.session.scalar(
            select(Need.id).where(Need.id == need_id, Need.merchant_id == merchant.id)) is None:
        r.fail("need_id", _("No such need of this merchant."))
    return need_id


OUTCOME_FIELDS = tuple(APPLICATION_OUTCOME.fields)


def update_application(application: Application, editor: User, payload: dict) -> dict:
    """Record the outcome: granted (amount, rate, date) or declined (reason), drawn, first-time borrower."""
    r = Reader(payload)
    for key in set(payload) - set(OUTCOME_FIELDS):
        r.fail(key, _("This field cannot be changed here."))
    patch = APPLICATION_OUTCOME.read_with(r)
    r.check()
    _check_outcome(r, application, patch, {k: getattr(application, k) for k in OUTCOME_FIELDS} | patch)
    r.check()
    changes = audit.apply_changes(application, patch, APPLICATION_AUDITED, summary=application.merchant.name,
                                  actor=editor)
    if changes:
        application_changed.send(application)
    return changes


def _check_outcome(r: Reader, application: Application, patch: dict, state: dict) -> None:
    """A grant and a decline exclude each other; money is drawn after a grant and within it."""
    today = local_today()
    if patch.get("granted_amount") is not None and state["granted_on"] is None:
        patch["granted_on"] = state["granted_on"] = today
    if patch.get("declined_reason") is not None and state["declined_on"] is None:
        patch["declined_on"] = state["declined_on"] = today
    if patch.get("drawn_amount") is not None and state["drawn_on"] is None:
        patch["drawn_on"] = state["drawn_on"] = today
    if state["granted_amount"] is not None and state["declined_reason"] is not None:
        raise Conflict(_("An application is either granted or declined, not both."))
    if state["drawn_amount"] is not None:
        if state["granted_amount"] is None:
            r.fail("drawn_amount", _("Record the credit granted first."))
        elif state["drawn_amount"] > state["granted_amount"]:
            r.fail("drawn_amount", _("Cannot exceed the amount granted."))
    for key in ("granted_on", "declined_on", "drawn_on"):
        day = state[key]
        if key in patch and day is not None and not application.applied_on <= day <= today:
            r.fail(key, _("Must be between the application date and today."))
    if state["drawn_on"] is not None and state["granted_on"] is not None and state["drawn_on"] < state["granted_on"]:
        r.fail("drawn_on", _("Cannot be before the credit was granted."))
