"""Periods, previous periods, figure display and the sense of a change."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from crm.reports.figures import FIGURE_KEYS, FIGURES, change_class, display, display_change, table
from crm.reports.operations import changes, funnel, ranked
from crm.reports.periods import PeriodError, calendar_bounds, parse_period, period_choices, previous_code

DRIVE = SimpleNamespace(starts_on=date(2025, 6, 15), ends_on=date(2025, 12, 31))


def test_every_figure_has_a_label_and_a_definition():
    assert len(FIGURE_KEYS) == 31 == len(set(FIGURE_KEYS))
    assert all(str(f.label) and len(str(f.definition)) > 20 for f in FIGURES)


@pytest.mark.parametrize("code, bounds", [("2025Q1", (date(2025, 1, 1), date(2025, 3, 31))),
                                          ("2024Q4", (date(2024, 10, 1), date(2024, 12, 31))),
                                          ("2024-02", (date(2024, 2, 1), date(2024, 2, 29)))])
def test_calendar_bounds(code, bounds):
    assert calendar_bounds(code) == bounds


def test_periods_clip_to_the_drive_and_today(frozen):
    q2 = parse_period("2025Q2", DRIVE)
    assert (q2.start, q2.end) == (date(2025, 6, 15), date(2025, 6, 30))
    q4 = parse_period("2025Q4", DRIVE)
    assert (q4.start, q4.end) == (date(2025, 10, 1), date(2025, 10, 15))
    assert parse_period("all", DRIVE).months()[0] == (date(2025, 6, 15), date(2025, 6, 30))
    assert len(parse_period("all", DRIVE).months()) == 5
    with pytest.raises(PeriodError):
        parse_period("2025-05", DRIVE)
    with pytest.raises(PeriodError):
        parse_period("2025-11", DRIVE)  # after today


def test_previous_periods_and_choices(frozen):
    assert previous_code("2025Q1") == "2024Q4" and previous_code("2025-01") == "2024-12"
    assert previous_code("all") is None
    assert period_choices(DRIVE) == ["all", "2025Q4", "2025Q3", "2025Q2", "2025-10", "2025-09", "2025-08",
                                     "2025-07", "2025-06"]


def test_period_boundaries_in_utc(frozen):
    q3 = parse_period("2025Q3", DRIVE)
    assert str(q3.start_utc) == "2025-06-30 16:00:00" and str(q3.end_utc) == "2025-09-30 16:00:00"


def test_display_and_changes(request_context):
    assert display("granted_amount", 1234500.0) == "123.45"
    assert display("grant_rate", 1.08) == "108.0%"
    assert display("avg_granted_rate", 0.0345) == "3.45%"
    assert display("avg_satisfaction", 4.0) == "4.00"
    assert display("visits", 12345) == "12,345"
    assert display("grant_rate", None) == "—"
    delta = changes({"visits": 12, "grant_rate": 0.5, "needs_open": 3, "avg_satisfaction": None},
                    {"visits": 8, "grant_rate": 0.25, "needs_open": 5, "avg_satisfaction": 4.0})
    assert delta == {"visits": (4, 0.5), "grant_rate": (0.25, None), "needs_open": (-2, -0.4),
                     "avg_satisfaction": (None, None)}
    assert display_change("visits", delta["visits"]) == "+4 (+50.0%)"
    assert display_change("needs_open", delta["needs_open"]) == "−2 (−40.0%)"
    assert display_change("avg_satisfaction", delta["avg_satisfaction"]) == ""
    assert change_class("visits", (4, 0.5)) == "rep-up" and change_class("needs_open", (-2, -0.4)) == "rep-up"
    assert change_class("referrals_overdue", (3, None)) == "rep-down" and change_class("visits", (0, 0)) == ""
    assert changes({"visits": 1}, None) == {}


def test_a_table_shows_each_figure_as_display_does(request_context):
    rows = [{"visits": 0, "needs_open": -1234567, "granted_amount": 1234500.0, "grant_rate": None},
            {"visits": 12345678, "needs_open": 7, "granted_amount": 0.0, "grant_rate": 0.5}]
    keys = ["visits", "needs_open", "granted_amount", "grant_rate"]
    assert table(rows, keys) == [["0", "-1,234,567", "123.45", "—"], ["12,345,678", "7", "0", "50.0%"]]


def test_funnel_and_ranking():
    assert funnel({"pending": 2, "contacted": 3, "drawn": 1, "closed": 4}) == [
        ("listed", 10), ("contacted", 4), ("visited", 1), ("applied", 1), ("granted", 1), ("drawn", 1)]
    rows = [{"name": "b", "visits": 3, "granted_amount": 1}, {"name": "a", "visits": 3, "granted_amount": 1},
            {"name": "c", "visits": 5, "granted_amount": 0}, {"name": "d", "visits": 3, "granted_amount": 9}]
    assert [(r["name"], r["rank"]) for r in ranked(rows, "visits")] == [("c", 1), ("d", 2), ("a", 3), ("b", 4)]
