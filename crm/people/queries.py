"""Look-ups of organizations and users for forms and filters."""
from __future__ import annotations

from operator import attrgetter

from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from crm.extensions import db
from crm.people.models import Organization, User, UserRole
from crm.regions.queries import tree_paths


def organization_choices(kind: str | None = None) -> list[SelectChoice]:
    """Every organization (of one kind) by id, labelled "市局 / 县局 / 所" and sorted by that path."""
    orgs = organizations_of()
    paths = tree_paths(orgs)
    return sorted((SelectChoice(o.id, paths[o.id]) for o in orgs if kind in (None, o.kind)), key=attrgetter("label"))


def user_choices(role: str) -> list[SelectChoice]:
    """The active users who hold a role by id, labelled "name · organization" (a username is typed, not read)."""
    return [SelectChoice(user.value, user.label) for user in user_choices_by_organization(role)]


# ---- pickers narrowed by an organization above (data-narrows, static/js/page.js) -------------------

def _lineages(orgs) -> dict[int, str]:
    """{id: "id parent_id …"} up the given rows: an option's data-parent, so that choosing the
    organization itself or any above it keeps the option."""
    by_id = {o.id: o for o in orgs}

    def lineage(org) -> str:
        ids = []
        while org is not None:
            ids.append(str(org.id))
            org = by_id.get(org.parent_id)
        return " ".join(ids)

    return {o.id: lineage(o) for o in orgs}


def organization_tree(orgs) -> tuple[list[SelectChoice], list[SelectChoice]]:
    """For a picker of these organizations and the one that narrows it: the organizations with others
    under them (a bank above its branches, a branch above its outlets), and every organization with
    its lineage as data-parent; both named by their path down from the top one given."""
    paths, lineages = tree_paths(orgs), _lineages(orgs)
    parents = {o.parent_id for o in orgs}
    by_path = attrgetter("label")
    return (sorted((SelectChoice(o.id, paths[o.id]) for o in orgs if o.id in parents), key=by_path),
            sorted((SelectChoice(o.id, paths[o.id], render_kw={"data-parent": lineages[o.id]}) for o in orgs),
                   key=by_path))


def organizations_of(kind: str | None = None) -> list[Organization]:
    """Every organization of one kind (all when None)."""
    query = select(Organization)
    return list(db.session.scalars(query if kind is None else query.where(Organization.kind == kind)))


def user_choices_by_organization(role: str) -> list[SelectChoice]:
    """user_choices() with the lineage of each user's organization as data-parent, for a picker of
    users that a picker of organizations narrows (account managers by bank branch)."""
    orgs = organizations_of()
    names, lineages = {o.id: o.name for o in orgs}, _lineages(orgs)
    users = db.session.scalars(select(User).join(UserRole).where(UserRole.role == role, User.active.is_(True))
                               .order_by(User.display_name, User.id))
    return [SelectChoice(u.id, f"{u.display_name} · {names[u.organization_id]}",
                         render_kw={"data-parent": lineages[u.organization_id]}) for u in users]
