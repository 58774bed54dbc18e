"""The load benchmark's sizes (from the environment: see `bench.load`) and constants."""

from __future__ import annotations

import os
from datetime import date

REQUESTS = int(os.environ.get("BENCH_LOAD_REQUESTS", "3000"))
RATE = float(os.environ.get("BENCH_LOAD_RATE", "200"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "20"))
REPLICAS = tuple(int(n) for n in os.environ.get("BENCH_LOAD_REPLICAS", "1,2").split(",") if n)
MUNICIPALITIES = int(os.environ.get("BENCH_LOAD_MUNICIPALITIES", "12"))
PASSTHROUGH = int(os.environ.get("BENCH_LOAD_PASSTHROUGH", "20000"))
TIMEOUT_S = float(os.environ.get("BENCH_LOAD_TIMEOUT_S", "300"))
LOG_LEVEL = os.environ.get("BENCH_LOAD_LOG_LEVEL", "WARNING")
RELAY_IDLE_S = os.environ.get("BENCH_LOAD_RELAY_IDLE_S", "0.5")
"""How often an idle outbox relay looks for rows: the services' default, not the 0.02 s
the end-to-end tests use (it costs CPU in every process on a small machine)."""
KEEP_LOGS = os.environ.get("BENCH_LOAD_KEEP_LOGS", "1") == "1"
DUMP = os.environ.get("BENCH_LOAD_DUMP", "")
"""Where to write each latency request's timings (see `measure._dump`); nothing when empty."""

SOURCE = "urn:bench:load"
PROGRAM = "work_trial"
OCCUPATION = "5120"
SEATS = 50  # registration's maximum per supervisor (and so per offer)
PERIOD = (date(2027, 3, 1), date(2027, 5, 31))
OUTCOMES = (b"PlacementProposed", b"PlacementWaitlisted")
RECEIPTS = ("elks-receipts", "bench-receipts-secret")
