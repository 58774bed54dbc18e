"""Load: the running system (four services as separate processes, real Kafka and Postgres)
from intake to outcome, beside a raw Kafka passthrough measured in the same run.

1. Reference: raw aiokafka consume-and-produce passthrough (intake-sized messages,
   `bench.registration`), messages per second.
2. Per configuration (default: 1 replica of each service, then 2 replicas of matching and
   notifications), a fresh system (`devkit.processes.running_system`: fresh
   schemas, fresh consumer groups) with the SMTP catcher and SMS fake as a process beside:
   - setup through `registration.intake.v1`: workplaces, supervisors, `work_trial` offers
     with room for every request, and one adult participant per request (named by
     `external_ref`, linked by `*_ref`: ids are registration's to give); the supervisors'
     certificates as `SupervisorCertified` on `training.events.v1` (the training courses
     themselves are not what is measured). The clock starts when matching has them all
     and every service's consumer groups have caught up.
   - latency: `RequestPlacement` intake messages paced at a fixed offered rate; latency is
     from just before each is handed to the producer to the moment its `PlacementProposed`
     (or `PlacementWaitlisted`) is read from `matching.events.v1` (the request's
     `external_ref` → its `request_id` from `PlacementRequested` on
     `registration.events.v1`, which also splits the latency at registration): p50/p95/p99.
   - throughput: a burst of requests produced as fast as possible; requests per second
     from the first send to the last outcome read. Also the rate at which registration
     turned them into `PlacementRequested`, the largest consumer lag of each service's
     groups while the burst ran, and each service's CPU time per request (Linux /proc):
     where the time goes.

Sizes: BENCH_LOAD_REQUESTS (burst, 3000), BENCH_LOAD_RATE (200/s), BENCH_LOAD_SECONDS (20),
BENCH_LOAD_REPLICAS (`1,2`: matching and notifications replicas per configuration),
BENCH_LOAD_MUNICIPALITIES (12), BENCH_LOAD_PASSTHROUGH (20000), BENCH_LOAD_TIMEOUT_S (300),
BENCH_LOAD_LOG_LEVEL (services' log level, WARNING), BENCH_LOAD_RELAY_IDLE_S (0.5),
BENCH_LOAD_KEEP_LOGS (1: keep the services' logs and print where), BENCH_LOAD_DUMP (a file
for each latency request's timings).
"""

from __future__ import annotations

import math
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

from bench.load.config import (
    KEEP_LOGS,
    LOG_LEVEL,
    PASSTHROUGH,
    RATE,
    RELAY_IDLE_S,
    REPLICAS,
    REQUESTS,
    SEATS,
    SECONDS,
)
from bench.load.measure import measure
from bench.load.plan import Plan
from bench.load.world import outside_world
from bench.registration import _passthrough_rate
from devkit.infra import Infra
from devkit.processes import running_system


async def configuration(infra: Infra, replicas: int, raw: float) -> dict[str, Any]:
    latency_count = max(1, int(RATE * SECONDS))
    plan = Plan.make(f"load-{uuid.uuid4().hex[:6]}", latency_count + REQUESTS)
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-load-{replicas}x-"))
    scaled = {"matching": replicas, "notifications": replicas}
    print(f"-- matching and notifications x{replicas}: {len(plan.codes)} municipalities, "
          f"{plan.supervisors} supervisors with {SEATS} seats each, "
          f"{len(plan.participants):,} participants (logs: {workdir})", flush=True)
    async with outside_world(workdir) as outside:
        receipts_port = int(outside.pop("receipts_port"))
        env = dict(outside)
        for name in ("registration", "matching", "training", "notifications"):
            env[f"{name.upper()}_LOG_LEVEL"] = LOG_LEVEL
            env[f"{name.upper()}_RELAY_IDLE_INTERVAL_S"] = RELAY_IDLE_S
        async with running_system(infra, workdir, scaled, {"notifications": receipts_port},
                                  **env) as system:
            figures = await measure(infra, system, plan, latency_count, raw)
    if KEEP_LOGS:
        print(f"   service logs kept in {workdir}", flush=True)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return figures


async def run(infra: Infra) -> dict[str, Any]:
    raw = await _passthrough_rate(infra.kafka_bootstrap, PASSTHROUGH, infra.kafka_security)
    print(f"raw aiokafka consume-and-produce passthrough: {raw:,.0f} msg/s", flush=True)
    results: dict[str, dict[str, Any]] = {}
    for replicas in REPLICAS:
        results[str(replicas)] = await configuration(infra, replicas, raw)
    _print_table(results, raw)
    first = results[str(REPLICAS[0])] if REPLICAS else {}
    return {
        "raw_passthrough_per_s": round(raw),
        "replicas": results,
        "requests_per_s": first.get("requests_per_s"),
        "latency_p99_ms": first.get("latency_p99_ms"),
        "target_requests_per_s": 1000, "target_p99_ms": 500,
        "throughput_target_met": all(f["requests_per_s"] >= 1000 for f in results.values()),
        "latency_target_met": all(f.get("latency_p99_ms", math.inf) < 500
                                  and f["latency_complete"] for f in results.values()),
    }


def _print_table(results: dict[str, dict[str, Any]], raw: float) -> None:
    """The configurations side by side."""
    print()
    header = f"{'matching+notifications replicas':<36}" + "".join(
        f"{'x' + r:>14}" for r in results)
    print(header)
    rows = [
        ("throughput, requests/s", "requests_per_s", "{:,.0f}"),
        ("  ratio to passthrough", "ratio_to_passthrough", "{:.3f}"),
        ("  registration stage, /s", "registration_stage_per_s", "{:,.0f}"),
        (f"latency p50 at {RATE:.0f}/s, ms", "latency_p50_ms", "{:,.0f}"),
        ("latency p95, ms", "latency_p95_ms", "{:,.0f}"),
        ("latency p99, ms", "latency_p99_ms", "{:,.0f}"),
        ("  intake → PlacementRequested p99", "registration_p99_ms", "{:,.0f}"),
        ("  PlacementRequested → outcome p99", "matching_p99_ms", "{:,.0f}"),
        ("  answered during it, /s", "latency_answered_per_s", "{:,.0f}"),
    ]
    for label, key, fmt in rows:
        print(f"{label:<36}" + "".join(
            f"{fmt.format(f[key]) if key in f else '-':>14}" for f in results.values()))
    for service in ("registration", "matching", "training", "notifications"):
        print(f"{'peak lag ' + service:<36}" + "".join(
            f"{f['peak_lag'].get(service, 0):>14,}" for f in results.values()))
    for service in ("registration", "matching", "training", "notifications"):
        print(f"{'CPU ms/request ' + service:<36}" + "".join(
            f"{f['cpu_ms_per_request'].get(service, 0):>14,.1f}" for f in results.values()))
    print(f"{'load average (1 min) at burst end':<36}" + "".join(
        f"{f['load_average_1m'] or 0:>14.1f}" for f in results.values()))
    print(f"{'raw passthrough, msg/s':<36}{raw:>14,.0f}   (targets: >= 1,000 requests/s, "
          f"p99 < 500 ms)", flush=True)
