"""The world generator: one drive with its territory, people, merchants and field work, made for the
demo (small, realistic: build.py) or for benchmarks (any size, exact: scale.py, bulk.py).

Both follow the rules in rules.py, read from the app's template and operations, and write through
writers.py: OrmWriter (the session) for the demo, BulkWriter (COPY / executemany) at scale.
"""
