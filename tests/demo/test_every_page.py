"""Every page a person reaches by clicking through the demo drive opens, in Chinese and in English.

A crawl of the demo as each role found the loan-outcome page answering 500 in Chinese (a bare % in a
translated label) although every test of that page passed: the tests posted to it and never opened it.
This walks the links each role's pages offer (GET only, so nothing changes), a few pages of each kind
(the same path with other ids is the same kind), and fails on any answer of 500 or more.
"""
from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urljoin, urlsplit

from crm.demo.build import build_demo

PASSWORD = "Demo-pass-42"
ROLES = ("admin", "lead", "liaison1", "head1", "am1")
PER_KIND = 2  # pages opened of each kind (path with its ids as N, and its query's names)
MOST = 150  # pages per role and language, a bound the demo's links stay well under
SKIPPED = re.compile(r"/logout|/lang/|/static/|\.(xlsx|csv|pdf|png)\b|/export|/download")
HREF = re.compile(r'href="([^"#]+)"')


def _kind(path: str) -> str:
    parts = urlsplit(path)
    names = sorted(name.split("=")[0] for name in parts.query.split("&") if name)
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(names)


def _links(base: str, html: str) -> list[str]:
    found = []
    for href in HREF.findall(html):
        parts = urlsplit(urljoin(base, href.replace("&amp;", "&")))
        if parts.netloc == "localhost" and not SKIPPED.search(parts.path):
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _crawl(client) -> tuple[int, list[str]]:
    """(pages opened, those that failed with their status)."""
    seen, kinds, queue, failed = set(), Counter(), ["/"], []
    while queue and len(seen) < MOST:
        path = queue.pop(0)
        if path in seen or kinds[_kind(path)] >= PER_KIND:
            continue
        seen.add(path)
        kinds[_kind(path)] += 1
        response = client.get(path, follow_redirects=True)
        if response.status_code >= 500:
            failed.append(f"{response.status_code} {path}")
        elif response.mimetype == "text/html":
            queue += _links("http://localhost" + path, response.get_data(as_text=True))
    return len(seen), failed


def test_every_page_each_role_can_click_opens_in_both_languages(db, app, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # a failing page answers 500, as served
    build_demo(seed=1, merchants=300, password=PASSWORD)
    failures, opened = [], Counter()
    for username in ROLES:
        for language in ("zh", "en"):
            client = app.test_client()
            assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
            if language == "en":
                client.get("/lang/en")
            count, failed = _crawl(client)
            opened[username] += count
            failures += [f"{username} ({language}): {failure}" for failure in failed]
    assert all(count > 20 for count in opened.values()), opened  # the walk reached each role's pages
    assert failures == []
