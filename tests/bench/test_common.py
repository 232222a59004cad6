"""The helpers bench scripts share: percentiles by nearest rank, and the printed table."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))  # bench scripts import each other so

import common


def test_percentiles_are_nearest_rank():
    samples = [float(ms) for ms in range(1, 101)]
    assert common.percentile(samples, 0.50) == 50
    assert common.percentile(samples, 0.95) == 95
    assert common.percentile(samples, 0.99) == 99
    assert common.percentile([7.0], 0.99) == 7


def test_timings_counts_every_call_after_the_warm_up():
    calls = []
    figures = common.timings(lambda: calls.append(1), 40, warmup=3)
    assert len(calls) == 43
    assert figures["n"] == 40
    assert 0 <= figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"] <= figures["max_ms"]


def test_table_aligns_numbers_right_and_text_left(capsys):
    common.print_table([{"what": "GET /", "p95_ms": 12.5}, {"what": "POST /api/v1/visits", "p95_ms": 1234.0}])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["what", "p95_ms"]
    assert lines[2].endswith("   12.50") and lines[3].endswith("1,234.00")
    assert lines[2].startswith("GET /  ")


def test_a_dataset_is_generated_once_then_reused(empty_database_url):
    first = common.ensure_database("tiny", empty_database_url)
    datagen_json = common.datagen.info_path(empty_database_url)
    try:
        assert first["url"] == empty_database_url
        assert first["counts"]["merchants"] == common.datagen.SCALES["tiny"].merchants
        datagen_json.unlink()  # as if generated on another checkout: the summary is read back from the data
        again = common.ensure_database("tiny", empty_database_url)
        assert again["counts"] == first["counts"]
        assert (again["users"], again["today"]) == (first["users"], first["today"])
    finally:
        datagen_json.unlink(missing_ok=True)
        datagen_json.with_suffix(".lock").unlink(missing_ok=True)
