"""Inspect and replay dead letters.

`praktik dlq list registration.intake.v1` shows each dead letter's position and reason
(never its value: intake messages carry identity numbers). `praktik dlq replay TOPIC`
re-publishes the originals to TOPIC after a fix; a consumer group remembers what was
replayed, so a second run replays only newer dead letters, and a message that fails
again lands in the DLQ anew instead of looping.

TOPIC is the contract's name; in an environment with a topic prefix
(`PRAKTIK_TOPIC_PREFIX`, or `--prefix`) the broker's topics and the replay group carry it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import typer
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from praktik_cli.kafka import cli_security
from shared.contracts.topics import dead_letter_topic
from shared.kafka.dead_letter import HEADER_FIELD, HEADER_KIND, HEADER_REASON, HEADER_TOPIC
from shared.kafka.naming import PREFIX_ENV, physical
from shared.kafka.security import KafkaSecurity

app = typer.Typer(help=__doc__, no_args_is_help=True)
REPLAY_GROUP = "praktik-dlq-replay"
PREFIX_OPTION = typer.Option("", "--prefix", envvar=PREFIX_ENV,
                             help="the environment's topic prefix (default none)")


@dataclass
class DeadLetter:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]

    @property
    def kind(self) -> str:
        return self.headers.get(HEADER_KIND, b"?").decode()

    def original_headers(self) -> list[tuple[str, bytes]]:
        return [(k.removeprefix("orig."), v) for k, v in self.headers.items()
                if k.startswith("orig.")]


async def _read(bootstrap: str, topic: str, group: str | None, limit: int,
                prefix: str = "", security: KafkaSecurity = KafkaSecurity()
                ) -> tuple[AIOKafkaConsumer, list[DeadLetter]]:
    consumer = AIOKafkaConsumer(
        physical(prefix, dead_letter_topic(topic)), bootstrap_servers=bootstrap,
        group_id=None if group is None else physical(prefix, group),
        enable_auto_commit=False, auto_offset_reset="earliest", **security.aiokafka_kwargs(),
    )
    await consumer.start()
    letters: list[DeadLetter] = []
    while len(letters) < limit:
        batches = await consumer.getmany(timeout_ms=1500, max_records=500)
        if not batches:
            break
        for records in batches.values():
            letters += [DeadLetter(r.partition, r.offset, r.key, r.value, dict(r.headers))
                        for r in records]
    return consumer, letters[:limit]


@app.command("list")
def list_(
    topic: str,
    bootstrap: str = typer.Option("127.0.0.1:19092", envvar="PRAKTIK_KAFKA_BOOTSTRAP_SERVERS"),
    limit: int = 1000,
    prefix: str = PREFIX_OPTION,
) -> None:
    """List dead letters of TOPIC: position, kind, failing field, reason."""
    security = cli_security()

    async def main() -> None:
        consumer, letters = await _read(bootstrap, topic, None, limit, prefix, security)
        await consumer.stop()
        for letter in letters:
            field = letter.headers.get(HEADER_FIELD, b"").decode()
            reason = letter.headers.get(HEADER_REASON, b"").decode()
            typer.echo(f"{letter.partition}:{letter.offset}\t{letter.kind}\t{field}\t{reason}")
        typer.echo(f"{len(letters)} dead letter(s) on "
                   f"{physical(prefix, dead_letter_topic(topic))}")

    asyncio.run(main())


@app.command()
def replay(
    topic: str,
    bootstrap: str = typer.Option("127.0.0.1:19092", envvar="PRAKTIK_KAFKA_BOOTSTRAP_SERVERS"),
    kind: str | None = typer.Option(None, help="only dead letters of this kind"),
    dry_run: bool = False,
    limit: int = 100000,
    prefix: str = PREFIX_OPTION,
) -> None:
    """Re-publish TOPIC's dead letters to TOPIC (after the cause was fixed)."""
    security = cli_security()

    async def main() -> int:
        consumer, letters = await _read(bootstrap, topic, REPLAY_GROUP, limit, prefix,
                                        security)
        chosen = [
            letter for letter in letters
            if (kind is None or letter.kind == kind)
            and letter.headers.get(HEADER_TOPIC, topic.encode()).decode() == topic
        ]
        if dry_run:
            await consumer.stop()
            typer.echo(f"would replay {len(chosen)} of {len(letters)} dead letter(s)")
            return len(chosen)
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True,
                                    **security.aiokafka_kwargs())
        await producer.start()
        try:
            for letter in chosen:
                await producer.send_and_wait(physical(prefix, topic), letter.value,
                                             key=letter.key,
                                             headers=letter.original_headers())
            await consumer.commit()
        finally:
            await producer.stop()
            await consumer.stop()
        typer.echo(f"replayed {len(chosen)} of {len(letters)} dead letter(s) to {topic}")
        return len(chosen)

    asyncio.run(main())
