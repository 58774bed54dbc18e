"""What authentication and encryption cost: the same work on two brokers of the run's own,
started side by side on loopback as `scripts/stack` runs them, one PLAINTEXT and one
SASL_SSL (SCRAM-SHA-512 over TLS, the StandardAuthorizer with the ACL plan).

On each: raw aiokafka produce and consume, and the outbox relay and the inbox consumer of
bench/plumbing.py (the run's database); the secured figures beside the plaintext ones,
with their ratio. The run's own broker is not used: the two brokers differ only in
security, so the ratio is the cost of security alone.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.plumbing import inbox_consumer_rate, relay_rate, stage
from bench.support import fresh_topic, raw_consume_rate, raw_produce_rate
from devkit import probe
from devkit.infra import Infra
from devkit.secured import own_broker
from shared.contracts import topics
from shared.contracts.registry import EVENTS_BY_TOPIC

EVENTS = 20000
FIGURES = ("raw_produce_per_s", "relay_per_s", "raw_consume_per_s", "inbox_consumer_per_s")


async def _figures(infra: Infra) -> dict[str, float]:
    """The four rates on the broker `infra` names, as its security says."""
    bootstrap, security = infra.kafka_bootstrap, infra.kafka_security
    await probe.reset(infra.admin_database_url)
    topic = await fresh_topic(bootstrap, "security", security=security)
    EVENTS_BY_TOPIC[topic] = EVENTS_BY_TOPIC[topics.REGISTRATION_EVENTS]
    produce = await raw_produce_rate(bootstrap, EVENTS, security=security)
    await stage(infra.admin_database_url, topic, EVENTS)
    relay = await relay_rate(infra, topic, EVENTS)
    consume = await raw_consume_rate(bootstrap, topic, EVENTS, security)
    inbox = await inbox_consumer_rate(infra, topic, EVENTS)
    return dict(zip(FIGURES, (produce, relay, consume, inbox), strict=True))


async def run(infra: Infra) -> dict[str, Any]:
    measured: dict[str, dict[str, float]] = {}
    for security in ("plaintext", "sasl_ssl"):
        with tempfile.TemporaryDirectory(prefix=f"bench-{security}-") as directory, \
                own_broker(Path(directory), security, partitions=1) as broker:
            on_it = replace(infra, kafka_bootstrap=broker.bootstrap,
                            kafka_security=broker.security())
            measured[security] = await _figures(on_it)
    plain, secured = measured["plaintext"], measured["sasl_ssl"]
    print(f"{EVENTS:,} events each, on two brokers of this run's own")
    print(f"{'':28}{'PLAINTEXT':>12}{'SASL_SSL':>12}{'ratio':>8}")
    ratios = {}
    for figure in FIGURES:
        ratios[figure] = secured[figure] / plain[figure]
        print(f"{figure:28}{plain[figure]:>12,.0f}{secured[figure]:>12,.0f}"
              f"{ratios[figure]:>8.2f}")
    return {"events": EVENTS,
            "plaintext": {k: round(v) for k, v in plain.items()},
            "sasl_ssl": {k: round(v) for k, v in secured.items()},
            "ratio_secured_to_plaintext": {k: round(v, 3) for k, v in ratios.items()}}
