"""Create the contract topics and wait until the broker really serves them.

`python -m shared.kafka.admin --bootstrap 127.0.0.1:19092 --partitions 6` is what
the stack scripts and the test fixtures run; it is idempotent.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from shared.contracts.topics import TopicSpec, contract_topics


async def ensure_topics(
    bootstrap_servers: str,
    partitions: int = 6,
    specs: list[TopicSpec] | None = None,
    timeout_s: float = 60.0,
) -> None:
    """Create missing topics (existing ones are left as they are)."""
    specs = specs if specs is not None else contract_topics()
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
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
                    await admin.create_topics(missing)
                except TopicAlreadyExistsError:
                    pass
            return
        except KafkaError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)
        finally:
            await admin.close()


async def wait_for_group_coordinator(bootstrap_servers: str, timeout_s: float = 60.0) -> None:
    """Join a throwaway consumer group: readiness is more than an open port."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    topic = contract_topics()[0].name
    while True:
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap_servers,
            group_id=f"readiness-probe-{uuid.uuid4()}",
            enable_auto_commit=False,
        )
        try:
            await consumer.start()
            await consumer.getmany(timeout_ms=500)
            await consumer.commit()
            return
        except KafkaError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)
        finally:
            await consumer.stop()


async def prepare(bootstrap_servers: str, partitions: int) -> None:
    await ensure_topics(bootstrap_servers, partitions)
    await wait_for_group_coordinator(bootstrap_servers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", default="127.0.0.1:19092")
    parser.add_argument("--partitions", type=int, default=6)
    args = parser.parse_args()
    asyncio.run(prepare(args.bootstrap, args.partitions))
    print(f"topics ready on {args.bootstrap}")


if __name__ == "__main__":
    main()
