"""Keep the intake topic and its DLQ short-lived: they carry identity numbers."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from shared.contracts import topics
from shared.kafka.security import KafkaSecurity
from shared.logging import get_logger

log = get_logger(__name__)


async def apply_intake_retention(bootstrap_servers: str, retention_ms: int,
                                 prefix: str = "",
                                 security: KafkaSecurity = KafkaSecurity()) -> None:
    """Set `retention.ms` on `registration.intake.v1` and its `.dlq` (under the topic
    prefix; best effort; these topics have no other config, and AlterConfigs replaces
    the whole set)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers,
                                **security.aiokafka_kwargs())
    try:
        await admin.start()
        await admin.alter_configs([
            ConfigResource(ConfigResourceType.TOPIC, prefix + name,
                           configs={"retention.ms": str(retention_ms)})
            for name in (topics.REGISTRATION_INTAKE,
                         topics.dead_letter_topic(topics.REGISTRATION_INTAKE))
        ])
    except Exception as error:  # the topics keep the retention they were created with
        log.warning("could not set intake retention", error_type=type(error).__name__)
    finally:
        await admin.close()
