"""The one calendar: months and quarters across year ends, and codes read back into their days."""
from datetime import date

from crm.dates import add_months, code_bounds, month_bounds, month_code, quarter_bounds, quarter_code


def test_months_and_quarters_cross_the_year_end():
    assert add_months(date(2025, 12, 31), 1) == date(2026, 1, 1)
    assert add_months(date(2025, 1, 15), -1) == date(2024, 12, 1)
    assert month_bounds(date(2024, 2, 10)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert quarter_bounds(date(2025, 11, 30)) == (date(2025, 10, 1), date(2025, 12, 31))
    assert quarter_code(date(2025, 12, 31)) == "2025Q4" and month_code(date(2025, 7, 1)) == "2025-07"


def test_a_code_reads_back_into_the_days_it_names():
    for day in (date(2025, 1, 1), date(2025, 6, 30), date(2025, 9, 15), date(2026, 12, 31)):
        assert code_bounds(quarter_code(day)) == quarter_bounds(day)
        assert code_bounds(month_code(day)) == month_bounds(day)
    assert code_bounds("2025Q5") is None and code_bounds("2025-13") is None and code_bounds("all") is None
