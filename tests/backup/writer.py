"""A second process that records visits, as the app does while a backup runs.

    python -m tests.backup.writer COUNT     (CRM_DATABASE_URL and CRM_UPLOAD_FOLDER name where)

Builds the test world, then records COUNT visits through crm.visits.operations, each in its own
transaction with two needs and a follow-up, and a storefront photo on every tenth.
"""
from __future__ import annotations

import io
import sys
import uuid

from PIL import Image

from crm import create_app
from crm.extensions import db
from crm.timeutil import local_now
from crm.visits import operations
from tests import factories

AUTHORS = (("am_a1", "m_a1"), ("am_a2", "m_a2"), ("am_b1", "m_b1"))


def photo(number: int) -> io.BytesIO:
    stream = io.BytesIO()
    Image.new("RGB", (64, 48), ((number * 37) % 256, (number * 11) % 256, 90)).save(stream, "JPEG")
    stream.seek(0)
    return stream


def record(world, number: int) -> None:
    author, merchant = AUTHORS[number % len(AUTHORS)]
    visit, _created = operations.record_visit(world.users[author], {
        "client_id": str(uuid.uuid4()), "campaign_id": world.campaign.id,
        "merchant": {"credit_code": world.merchants[merchant].credit_code}, "kind": "first",
        "visited_at": local_now().replace(microsecond=0).isoformat(),
        "financing_need": {"has_need": True, "amount": 100000 + number, "purpose": "进货周转"},
        "needs": [{"text": f"需求 {number}"}], "notes": f"visit {number}",
    })
    if number % 10 == 0:
        db.session.flush()
        operations.add_photo(visit, 0, photo(number))
    db.session.commit()


def main(count: int) -> None:
    app = create_app()
    with app.app_context():
        world = factories.build_world()
        for number in range(count):
            record(world, number)


if __name__ == "__main__":
    main(int(sys.argv[1]))
