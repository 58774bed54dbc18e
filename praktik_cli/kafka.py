"""How the CLI connects to the broker: as `PRAKTIK_KAFKA_SECURITY_PROTOCOL`,
`PRAKTIK_KAFKA_SASL_USERNAME`, ... say (shared.kafka.security; none: PLAINTEXT)."""

from __future__ import annotations

import typer

from shared.kafka.security import KafkaSecurity, KafkaSecurityError


def cli_security() -> KafkaSecurity:
    """The environment's Kafka security; settings that cannot work end the command with
    the message naming them (exit code 2)."""
    try:
        return KafkaSecurity.from_env()
    except KafkaSecurityError as error:
        typer.echo(f"praktik: {error}", err=True)
        raise typer.Exit(2) from None
