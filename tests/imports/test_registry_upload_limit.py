"""A province's registry file is larger than any other upload: only the views that take one accept it."""
from __future__ import annotations

import io

from tests.imports.helpers import write_csv
from tests.imports.test_import_rules import row


def test_a_registry_file_over_the_upload_limit_is_taken_by_the_import_page_and_the_api_only(
        app, world, login, api, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "registry.csv", [row(n) for n in range(1, 101)])
    with open(path, "rb") as handle:
        content = handle.read()
    size = len(content)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", size // 2)
    monkeypatch.setitem(app.config, "MAX_REGISTRY_LENGTH", size * 2)
    client = login(world.users["liaison_a1"])
    with open(path, "rb") as handle:
        page = client.post("/imports/", data={"file": (handle, "registry.csv")}, content_type="multipart/form-data")
    assert page.status_code == 302 and "/imports/" in page.headers["Location"]
    with open(path, "rb") as handle:
        started = api(world.users["liaison_a1"]).post("/api/v1/imports", data={"file": (handle, "registry.csv")},
                                                      content_type="multipart/form-data")
    assert started.status_code == 202
    codes = client.post("/referrals/new", data={"campaign_id": world.campaign.id, "action": "preview",
                                                "codes_file": (io.BytesIO(content), "codes.csv")},
                        content_type="multipart/form-data")
    assert codes.status_code == 413
    monkeypatch.setitem(app.config, "MAX_REGISTRY_LENGTH", size // 2)
    with open(path, "rb") as handle:
        refused = client.post("/imports/", data={"file": (handle, "registry.csv")}, content_type="multipart/form-data")
    assert refused.status_code == 413 and "文件过大。" in refused.get_data(as_text=True)
