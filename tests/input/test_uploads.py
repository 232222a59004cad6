"""Uploads are bounded before they are decoded or parsed (issue 14 #13): pixels, request size, and the
declared expanded size of an .xlsx."""
from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image
from sqlalchemy import func, select

from crm.merchants.models import Merchant
from crm.visits.models import Photo
from tests.imports.helpers import write_xlsx
from tests.imports.test_import_rules import row
from tests.visits.conftest import payload_for


@pytest.fixture(scope="module")
def pixel_bomb() -> bytes:
    """A PNG of about 20 KB that declares 13000×13000 pixels (169 Mpx, 0.5 GB once decoded as RGB)."""
    stream = io.BytesIO()
    Image.new("1", (13000, 13000)).save(stream, "PNG")
    assert len(stream.getvalue()) < 100_000
    return stream.getvalue()


def _post_photo(client, visit_id: int, content: bytes, name: str = "shop.png"):
    return client.post(f"/api/v1/visits/{visit_id}/photos", data={"position": "0", "photo": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_a_photo_declaring_more_pixels_than_allowed_is_refused_before_decoding(world, api, db, pixel_bomb):
    client = api(world.users["am_a1"])
    visit_id = client.post("/api/v1/visits", json=payload_for(world)).get_json()["id"]
    with pytest.warns(Image.DecompressionBombWarning):  # Pillow reads the header too, and warns
        response = _post_photo(client, visit_id, pixel_bomb)
    assert response.status_code == 422
    assert "百万像素" in response.get_json()["error"]["fields"]["photo"]
    assert db.session.scalar(select(func.count(Photo.id))) == 0


def test_a_phone_photo_is_kept_at_phone_size_without_its_location(world, api):
    client = api(world.users["am_a1"])
    visit_id = client.post("/api/v1/visits", json=payload_for(world)).get_json()["id"]
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned a quarter
    exif[0x8825] = {1: "N", 2: (36.0, 11.0, 0.0)}  # GPS
    stream = io.BytesIO()
    Image.new("RGB", (4000, 3000), "green").save(stream, "JPEG", exif=exif.tobytes())
    response = _post_photo(client, visit_id, stream.getvalue(), "shop.jpg")
    assert response.status_code == 201
    assert (response.get_json()["width"], response.get_json()["height"]) == (1200, 1600)


def test_a_request_larger_than_the_cap_is_refused_in_chinese_on_pages_and_in_the_api(app, world, api, login,
                                                                                      monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    too_big = b"\xff" * (2 * 1024 * 1024)
    client = api(world.users["am_a1"])
    visit_id = client.post("/api/v1/visits", json=payload_for(world)).get_json()["id"]
    response = _post_photo(client, visit_id, too_big)
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == "文件过大。"
    page = login(world.users["liaison_a1"]).post("/referrals/new", data={
        "campaign_id": world.campaign.id, "action": "preview", "codes_file": (io.BytesIO(too_big), "代码.xlsx")},
        content_type="multipart/form-data")
    assert page.status_code == 413 and "文件过大" in page.get_data(as_text=True)


def _xlsx_declaring(path, padding_mb: int) -> str:
    """A valid registry workbook with one extra member that expands to padding_mb of zeros."""
    write_xlsx(path, [row(1)])
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("xl/media/padding.bin", bytes(padding_mb * 1024 * 1024))
    return str(path)


def test_a_spreadsheet_that_declares_too_large_an_expansion_is_refused_before_parsing(app, world, login, db,
                                                                                       tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "XLSX_MAX_EXPANDED_MB", 8)
    path = _xlsx_declaring(tmp_path / "名录.xlsx", 20)
    client = login(world.users["liaison_a1"])
    with open(path, "rb") as handle:
        uploaded = client.post("/imports/", data={"file": (handle, "名录.xlsx")}, content_type="multipart/form-data")
    page = client.get(uploaded.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "超过允许的 8 MB" in page
    assert db.session.scalar(select(func.count(Merchant.id))) == 3  # the world's own, nothing imported
    with open(path, "rb") as handle:
        listed = client.post("/referrals/new", data={"campaign_id": world.campaign.id, "name": "名单",
                                                      "codes_file": (handle, "codes.xlsx")},
                             content_type="multipart/form-data")
    assert "超过允许的 8 MB" in listed.get_data(as_text=True)
