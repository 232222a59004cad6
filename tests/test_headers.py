"""Content-Security-Policy: only the app's own files run, and every page still works under it."""
from __future__ import annotations

import pathlib
import re

import pytest

from crm.auth.operations import create_token
from crm.extensions import db
from tests.browser import assert_readable
from tests.factories import PASSWORD

TEMPLATES = pathlib.Path(__file__).resolve().parent.parent / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=|javascript:", re.IGNORECASE)


def test_every_response_carries_the_policy(client, world, login, api):
    for response in (client.get("/login"), api(world.users["am_a1"]).get("/api/v1/me")):
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy
        assert "worker-src 'self'" in policy and "img-src 'self' data: blob:" in policy


@pytest.mark.parametrize("template", sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")))
def test_no_template_has_inline_script_or_handlers(template):
    source = (TEMPLATES / template).read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(source), "move the script into a file under static/js"
    assert not INLINE_HANDLER.search(source), "use a data- attribute handled in static/js/page.js"


def test_pages_run_under_the_policy_in_a_real_browser(world, live_server, browser):
    """Chromium reports no policy violation; the confirm that moved out of the HTML still asks."""
    create_token(world.users["am_a1"], "手机")
    world.users["am_a1"].display_name = "张晓明"
    db.session.commit()
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{live_server}/login?lang=en")
    page.fill('input[name="username"]', "am_a1")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{live_server}/visits/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # the offline worker still installs
    page.goto(f"{live_server}/account")
    assert_readable(page)
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    revoke = page.locator("form[data-confirm] button")
    revoke.click()
    assert asked and asked[0] == revoke.locator("xpath=..").get_attribute("data-confirm")
    assert revoke.count() == 1  # dismissed: nothing was revoked
    context.close()
    assert violations == []
