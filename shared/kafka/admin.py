"""Create the contract topics and wait until the broker really serves them.

`python -m shared.kafka.admin --bootstrap 127.0.0.1:19092 --partitions 6` is what
the stack scripts and the test fixtures run; it is idempotent. With `--prefix` (default
`PRAKTIK_TOPIC_PREFIX`) it creates the contract topics under that prefix
(shared.kafka.naming); it connects as `PRAKTIK_KAFKA_SECURITY_PROTOCOL` etc. say
(shared.kafka.security).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code

from shared.contracts.topics import TopicSpec, contract_topics
from shared.kafka.naming import PREFIX_ENV, env_prefix, physical
from shared.kafka.security import KafkaSecurity, KafkaSecurityError

_TOPIC_ALREADY_EXISTS = TopicAlreadyExistsError.errno


class TopicsNotReady(KafkaError):
    """Topics were created but the broker does not serve all of them (yet)."""


def _raise_topic_errors(response: Any) -> None:
    """A CreateTopics response carries one error code per topic: 0 or 36 are fine."""
    for entry in getattr(response, "topic_errors", []):
        name, code = entry[0], entry[1]
        if code not in (0, _TOPIC_ALREADY_EXISTS):
            message = entry[2] if len(entry) > 2 and entry[2] else ""
            raise for_code(code)(f"creating topic {name}: {message}".rstrip(": "))


async def _unserved(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, int]:
    """The topics among `names` the broker does not serve yet → their partition count."""
    described = await admin.describe_topics(names)
    by_name = {topic["topic"]: topic for topic in described}
    missing: dict[str, int] = {}
    for name in names:
        topic = by_name.get(name)
        if (
            topic is None
            or topic["error_code"] != 0
            or not topic["partitions"]
            or any(p["leader"] < 0 for p in topic["partitions"])
        ):
            missing[name] = 0 if topic is None else len(topic["partitions"])
    return missing


async def ensure_topics(
    bootstrap_servers: str,
    partitions: int = 6,
    specs: list[TopicSpec] | None = None,
    timeout_s: float = 60.0,
    prefix: str = "",
    security: KafkaSecurity = KafkaSecurity(),
) -> None:
    """Create missing topics and return once every one of them has a leader.

    Existing topics are left as they are (a different partition count is reported
    on stderr, never changed). Each spec's name gets `prefix` on the broker.
    """
    specs = specs if specs is not None else contract_topics()
    if prefix:
        specs = [TopicSpec(physical(prefix, spec.name), spec.config) for spec in specs]
    names = [spec.name for spec in specs]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers,
                                    **security.aiokafka_kwargs())
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [
                NewTopic(
                    name=spec.name,
                    num_partitions=partitions,
                    replication_factor=1,
                    topic_configs=spec.config,
                )
                for spec in specs
                if spec.name not in existing
            ]
            if missing:
                try:
                    _raise_topic_errors(await admin.create_topics(missing))
                except TopicAlreadyExistsError:
                    pass
            unserved = await _unserved(admin, names)
            if unserved:
                raise TopicsNotReady(f"not served yet: {sorted(unserved)}")
            created = {topic.name for topic in missing}
            kept = [name for name in names if name not in created]
            described = await admin.describe_topics(kept) if kept else []
            other = sorted(
                t["topic"]
                for t in described
                if t["topic"] in kept and len(t["partitions"]) != partitions
            )
            if other:
                print(
                    f"shared.kafka.admin: existing topics keep their partition count "
                    f"(not {partitions}): {other}",
                    file=sys.stderr,
                )
            return
        except KafkaError:
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.5)
        finally:
            await admin.close()


async def wait_for_group_coordinator(bootstrap_servers: str, timeout_s: float = 60.0,
                                     prefix: str = "",
                                     security: KafkaSecurity = KafkaSecurity()) -> None:
    """Join a throwaway consumer group and commit: readiness is more than an open port."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    topic = physical(prefix, contract_topics()[0].name)
    while True:
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap_servers,
            group_id=f"{prefix}readiness-probe-{uuid.uuid4()}",
            enable_auto_commit=False,
            **security.aiokafka_kwargs(),
        )
        try:
            await consumer.start()
            # The group join happens in the background: poll until partitions arrive.
            while not consumer.assignment():
                if loop.time() > deadline:
                    raise TopicsNotReady("the readiness probe got no partitions assigned")
                await consumer.getmany(timeout_ms=200)
            await consumer.commit()
            return
        except KafkaError:
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.5)
        finally:
            await consumer.stop()


async def prepare(bootstrap_servers: str, partitions: int, timeout_s: float = 90.0,
                  prefix: str = "", security: KafkaSecurity = KafkaSecurity()) -> None:
    """The contract topics (under `prefix`) served, and the group coordinator answering."""
    await ensure_topics(bootstrap_servers, partitions, timeout_s=timeout_s, prefix=prefix,
                        security=security)
    await wait_for_group_coordinator(bootstrap_servers, timeout_s=timeout_s, prefix=prefix,
                                     security=security)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", default="127.0.0.1:19092")
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds (default 90)")
    parser.add_argument("--prefix", default=env_prefix(),
                        help=f"topic prefix (default ${PREFIX_ENV}, else none)")
    args = parser.parse_args()
    try:
        security = KafkaSecurity.from_env()
    except KafkaSecurityError as error:
        sys.exit(f"shared.kafka.admin: {error}")
    try:
        asyncio.run(prepare(args.bootstrap, args.partitions, args.timeout, args.prefix,
                            security))
    except KafkaError as error:
        sys.exit(f"shared.kafka.admin: Kafka at {args.bootstrap} not ready: {error!r}")
    where = f" under the prefix {args.prefix!r}" if args.prefix else ""
    print(f"topics ready on {args.bootstrap}{where}")


if __name__ == "__main__":
    main()
