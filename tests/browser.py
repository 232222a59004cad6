"""Helpers for the browser tests: polling under the CSP, a watch on every page for console errors and
failed requests, the check that no code or raw id reaches a person, and screenshots for review."""
from __future__ import annotations

import os
import re
import time

# Codes and ids that must never reach a person (in any language).
SNAKE_CASE = re.compile(r"(?<![\w/.@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/.@-])")
CAMEL_CASE = re.compile(r"(?<![\w/.@-])[a-z]+[A-Z][A-Za-z]*(?![\w/.@-])")
PERIOD_CODE = re.compile(r"(?<![\w-])\d{4}(?:Q[1-4]|M\d\d|-M\d\d)(?![\w-])")
ARROW_ID = re.compile(r"→\s*\d+(?=\s*$|\s*[,，;；)）\n])", re.MULTILINE)
# In the Chinese UI, a word of Latin letters is a code left untranslated, except these.
LATIN_WORD = re.compile(r"(?<![\w.@/-])[A-Za-z]{2,}(?![\w.@/-])")
ALLOWED_LATIN = {"English", "GPS", "QR", "Excel", "xlsx", "csv", "PDF", "API", "KB", "MB", "A4", "AM", "PM",
                 "UTF", "GBK", "ID", "OpenAPI", "Webhook", "Authorization", "Bearer", "HTTPS", "URL"}


def identifier_problems(text: str, chinese: bool = True) -> list[str]:
    """Codes, ids and (in Chinese) Latin words in a page's text a person would read."""
    found = [f"code {m}" for m in SNAKE_CASE.findall(text)] + [f"code {m}" for m in CAMEL_CASE.findall(text)]
    found += [f"period code {m}" for m in PERIOD_CODE.findall(text)]
    found += [f"raw id {m.strip()}" for m in ARROW_ID.findall(text)]
    if chinese:
        found += [f"Latin word {m}" for m in LATIN_WORD.findall(text) if m not in ALLOWED_LATIN]
    return found


def assert_readable(page) -> None:
    """The page's visible text (options of menus included) holds no code, raw id or stray Latin word.
    Text people type rather than read (a username, marked data-verbatim) is left out."""
    chinese = (page.evaluate("document.documentElement.lang") or "").startswith("zh")
    text = page.inner_text("body") + "\n" + "\n".join(page.locator("option").all_inner_texts())
    for typed in page.locator("[data-verbatim]").all_inner_texts():
        text = text.replace(typed, "")
    problems = identifier_problems(text, chinese)
    assert not problems, f"{page.url}: {problems}"


class Watch:
    """Console errors and 4xx/5xx answers of every page of a browser context."""

    def __init__(self, context, ignore=()):
        self.errors: list[str] = []
        self.ignore = ignore
        context.on("console", self._console)
        context.on("response", self._response)
        context.on("weberror", lambda error: self.errors.append(f"uncaught {error.error}"))

    def _console(self, message):
        if message.type == "error" and not any(part in message.text for part in self.ignore):
            self.errors.append(f"console {message.text}")

    def _response(self, response):
        if response.status >= 400:
            self.errors.append(f"{response.status} {response.url}")

    def assert_clean(self) -> None:
        assert not self.errors, self.errors


def check(page, watch: Watch | None = None) -> None:
    """What every browser test asserts on each page it reaches, once that page has loaded."""
    page.wait_for_load_state()
    assert_readable(page)
    if watch is not None:
        watch.assert_clean()


def screenshot_folder(default) -> str:
    """Where the run writes screenshots for review: $CRM_SCREENSHOTS, else a folder in pytest's tmp."""
    folder = os.environ.get("CRM_SCREENSHOTS") or str(default)
    os.makedirs(folder, exist_ok=True)
    return folder


def wait_until(page, predicate: str, timeout: float = 15.0) -> None:
    """Poll a JS function from the test's side. Playwright's wait_for_function evaluates a string in the
    page, which the Content-Security-Policy (no unsafe-eval) forbids."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(predicate):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {predicate}")
        time.sleep(0.1)


DESKTOP = {"viewport": {"width": 1366, "height": 900}, "timezone_id": "Asia/Shanghai"}


def sign_in(browser, base: str, username: str, device: dict = DESKTOP):
    """(context, page, watch) of a new browser context signed in through the form."""
    from tests.factories import PASSWORD

    context = browser.new_context(**device)
    watch = Watch(context)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{base}/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():  # the page signing in leads to, loaded, before anyone reads it
        page.click('button[type="submit"]')
    return context, page, watch


def offered(page, select: str) -> list[str]:
    """The options a picker offers now (those a narrowing picker left)."""
    return page.locator(f"{select} option:not([disabled])").all_inner_texts()


# Each control that reaches into the padding of its card (past where the card's text ends), as
# "tag.class pixels".
_STICKING_OUT = """() => Array.from(document.querySelectorAll('.card select, .card button, .card input, .card .btn'))
  .filter(el => el.offsetParent !== null && !el.closest('.table-wrap'))
  .map(el => {
    const card = el.closest('.card'), box = card.getBoundingClientRect(), style = getComputedStyle(card);
    const own = el.getBoundingClientRect();
    return [el, own.right - (box.right - parseFloat(style.paddingRight)),
            (box.left + parseFloat(style.paddingLeft)) - own.left];
  })
  .filter(([el, right, left]) => right > 0.5 || left > 0.5)
  .map(([el, right, left]) => el.tagName.toLowerCase() + '.' + el.className + ' ' + Math.round(Math.max(right, left)))"""


def sticking_out(page) -> list[str]:
    """The controls that reach past the inner edge of their card (a table scrolls in its own frame)."""
    return page.evaluate(_STICKING_OUT)
