"""One configuration measured: the setup, the latency run, the burst."""

from __future__ import annotations

import asyncio
import math
import os
import time
from pathlib import Path
from typing import Any

from bench.load import world
from bench.load.config import DUMP, RATE, TIMEOUT_S
from bench.load.plan import Plan, certificates
from bench.load.watch import LagSampler, Watcher
from devkit.bus import physical
from devkit.infra import Infra
from devkit.processes import System
from devkit.wait import eventually
from shared.contracts import topics
from shared.kafka.security import KafkaSecurity


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


async def _latency(bootstrap: str, watcher: Watcher, requests: list[tuple[str, bytes, bytes]],
                   rate: float, security: KafkaSecurity) -> dict[str, Any]:
    producer = world.producer(bootstrap, linger_ms=0, security=security)
    await producer.start()
    sent: dict[str, float] = {}
    futures = []
    intake = physical(topics.REGISTRATION_INTAKE)
    try:
        started = time.perf_counter()
        for index, (rid, key, value) in enumerate(requests):
            due = started + index / rate
            pause = due - time.perf_counter()
            if pause > 0:
                await asyncio.sleep(pause)
            sent[rid] = time.perf_counter()
            futures.append(await producer.send(intake, value, key=key))
        await asyncio.gather(*futures)
        offered = len(requests) / (time.perf_counter() - started)
    finally:
        await producer.stop()
    complete = await watcher.wait_for(set(sent), TIMEOUT_S)
    answered = {ref: watcher.outcome_of(ref) for ref in sent}
    if DUMP:
        _dump(Path(DUMP), sent, watcher.requested, answered)
    latencies = [(seen - sent[ref]) * 1000 for ref, seen in answered.items() if seen is not None]
    stage = [(watcher.requested[ref] - t) * 1000 for ref, t in sent.items()
             if ref in watcher.requested]
    figures: dict[str, Any] = {
        "latency_requests": len(requests), "latency_offered_per_s": round(offered, 1),
        "latency_completed": len(latencies), "latency_complete": complete,
    }
    if latencies:
        figures.update({f"latency_p{q}_ms": round(percentile(latencies, q), 1)
                        for q in (50, 95, 99)})
        figures["latency_max_ms"] = round(max(latencies), 1)
    if stage:
        figures.update({f"registration_p{q}_ms": round(percentile(stage, q), 1)
                        for q in (50, 99)})
    onward = [(seen - watcher.requested[ref]) * 1000 for ref, seen in answered.items()
              if seen is not None and ref in watcher.requested]
    if onward:
        figures.update({f"matching_p{q}_ms": round(percentile(onward, q), 1)
                        for q in (50, 99)})
    if latencies:
        last = max(seen for seen in answered.values() if seen is not None)
        figures["latency_answered_per_s"] = round(len(latencies) / (last - min(sent.values())), 1)
    return figures


def _dump(path: Path, sent: dict[str, float], requested: dict[str, float],
          answered: dict[str, float | None]) -> None:
    """One line per latency request, in the order sent: ms since the first send, ms to
    its `PlacementRequested`, ms to its outcome (-1: not seen). A stall shows as a run of
    requests whose outcomes were all read at one moment."""
    first = min(sent.values())
    with path.open("w") as out:
        for ref, at in sorted(sent.items(), key=lambda item: item[1]):
            seen, outcome = requested.get(ref), answered.get(ref)
            out.write(f"{(at - first) * 1000:.1f} "
                      f"{(seen - at) * 1000 if seen else -1:.1f} "
                      f"{(outcome - at) * 1000 if outcome else -1:.1f}\n")


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc), or None where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_by_service(system: System) -> dict[str, float]:
    """CPU seconds so far of each service, its replicas summed."""
    out: dict[str, float] = {}
    for process in system.services.values():
        used = _cpu_seconds(process.process.pid) if process.process is not None else None
        if used is not None:
            out[process.name] = out.get(process.name, 0.0) + used
    return out


async def _throughput(bootstrap: str, watcher: Watcher, lags: LagSampler, system: System,
                      requests: list[tuple[str, bytes, bytes]],
                      security: KafkaSecurity) -> dict[str, Any]:
    producer = world.producer(bootstrap, linger_ms=5, security=security)
    await producer.start()
    wanted = {rid for rid, _, _ in requests}
    await lags.start()
    cpu_before = _cpu_by_service(system)
    try:
        started = time.perf_counter()
        await world.send_all(producer, topics.REGISTRATION_INTAKE,
                        [(key, value) for _, key, value in requests])
        produced = time.perf_counter() - started
    finally:
        await producer.stop()
    complete = await watcher.wait_for(wanted, TIMEOUT_S)
    cpu_after = _cpu_by_service(system)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    await lags.stop()
    done = [seen for seen in map(watcher.outcome_of, wanted) if seen is not None]
    registered = [watcher.requested[ref] for ref in wanted if ref in watcher.requested]
    elapsed = (max(done) if done else time.perf_counter()) - started
    reg_elapsed = (max(registered) if registered else time.perf_counter()) - started
    proposed = sum(1 for ref in wanted
                   if watcher.kind.get(watcher.request_of.get(ref, "")) == "PlacementProposed")
    return {
        "burst_requests": len(requests), "burst_completed": len(done),
        "burst_complete": complete, "burst_proposed": proposed,
        "burst_waitlisted": len(done) - proposed,
        "burst_produce_s": round(produced, 2), "burst_s": round(elapsed, 2),
        "requests_per_s": round(len(done) / elapsed, 1),
        "registration_stage_per_s": round(len(registered) / reg_elapsed, 1),
        "peak_lag": dict(lags.peak), "peak_lag_by_group": dict(sorted(lags.peak_group.items())),
        # CPU per request, whatever else the machine runs: which service costs what.
        "cpu_ms_per_request": {name: round((cpu_after[name] - cpu_before.get(name, 0.0))
                                           * 1000 / len(requests), 2) for name in cpu_after},
        "load_average_1m": round(load, 2) if load is not None else None,
    }


async def _settle(lags: LagSampler, before: str) -> None:
    """Before a measurement, every service has read everything (setup, earlier runs)."""
    left = await lags.quiet(TIMEOUT_S)
    if any(left.values()):
        print(f"   not settled before {before}: lag {left}", flush=True)


async def _set_up(infra: Infra, plan: Plan, watcher: Watcher) -> None:
    """The setup through registration's intake, the supervisors' certificates once
    registration has registered them, until matching holds it all."""
    started = time.perf_counter()
    producer = world.producer(infra.kafka_bootstrap, linger_ms=5, security=infra.kafka_security)
    await producer.start()
    try:
        await world.send_all(producer, topics.REGISTRATION_INTAKE, plan.setup)

        def registered() -> bool:
            watcher.check()
            return len(watcher.supervisors) >= plan.supervisors

        await eventually(registered, TIMEOUT_S, lambda: (
            f"registration to register the supervisors: {len(watcher.supervisors)} of "
            f"{plan.supervisors} ({watcher.rejected} intake messages rejected)"))
        await world.send_all(producer, topics.TRAINING_EVENTS,
                             certificates(watcher.supervisors))
    finally:
        await producer.stop()
    await world.wait_for_matching(infra, plan, TIMEOUT_S)
    print(f"   setup through registration to matching in "
          f"{time.perf_counter() - started:.1f} s", flush=True)


def _print_latency(latency: dict[str, Any], latency_count: int) -> None:
    print(f"   latency at {latency['latency_offered_per_s']:.0f} requests/s offered: "
          f"p50 {latency.get('latency_p50_ms', float('nan')):.0f} ms, "
          f"p95 {latency.get('latency_p95_ms', float('nan')):.0f} ms, "
          f"p99 {latency.get('latency_p99_ms', float('nan')):.0f} ms "
          f"({latency['latency_completed']:,}/{latency_count:,} answered)", flush=True)


def _print_burst(burst: dict[str, Any]) -> None:
    print(f"   burst of {burst['burst_requests']:,}: {burst['requests_per_s']:,.0f} "
          f"requests/s end to end ({burst['burst_proposed']:,} proposed, "
          f"{burst['burst_waitlisted']:,} waitlisted, {burst['burst_s']:.1f} s; produced "
          f"in {burst['burst_produce_s']:.2f} s); registration stage "
          f"{burst['registration_stage_per_s']:,.0f}/s; peak consumer lag "
          + ", ".join(f"{k} {v:,}" for k, v in burst["peak_lag"].items()), flush=True)
    print("   CPU per request during the burst (until the last outcome): " + ", ".join(
        f"{k} {v:.1f} ms" for k, v in burst["cpu_ms_per_request"].items())
        + f"; 1-minute load average {burst['load_average_1m']}", flush=True)


def _waitlist_reasons(watcher: Watcher) -> dict[str, int]:
    reasons: dict[str, int] = {}
    for rid in watcher.request_of.values():
        if watcher.kind.get(rid) == "PlacementWaitlisted":
            for reason in watcher.reasons.get(rid, ()):
                reasons[reason] = reasons.get(reason, 0) + 1
    if reasons:
        print(f"   waitlisted because: {reasons}", flush=True)
    return reasons


async def measure(infra: Infra, system: System, plan: Plan, latency_count: int,
                  raw: float) -> dict[str, Any]:
    bootstrap, security = infra.kafka_bootstrap, infra.kafka_security
    watcher = Watcher(bootstrap, plan.run, security)
    await watcher.start()
    lags: LagSampler | None = None
    try:
        await _set_up(infra, plan, watcher)
        groups = {name: physical(f"{name}-e2e-{system.run_id}")
                  for name in ("registration", "matching", "training", "notifications")}
        lags = await LagSampler(bootstrap, groups, security).open()
        await _settle(lags, "the latency run")
        requests = plan.requests(plan.participants)
        latency = await _latency(bootstrap, watcher, requests[:latency_count], RATE, security)
        _print_latency(latency, latency_count)
        await _settle(lags, "the burst")
        burst = await _throughput(bootstrap, watcher, lags, system, requests[latency_count:],
                                  security)
        _print_burst(burst)
        reasons = _waitlist_reasons(watcher)
    finally:
        if lags is not None:
            await lags.close()
        await watcher.stop()
    return {**latency, **burst, "ratio_to_passthrough": round(burst["requests_per_s"] / raw, 4),
            "waitlist_reasons": reasons}
