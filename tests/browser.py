"""Helpers for the browser tests."""
import time


def wait_until(page, predicate: str, timeout: float = 15.0) -> None:
    """Poll a JS function from the test's side. Playwright's wait_for_function evaluates a string in the
    page, which the Content-Security-Policy (no unsafe-eval) forbids."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(predicate):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {predicate}")
        time.sleep(0.1)
