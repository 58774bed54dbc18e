"""Settings every service has, read from environment variables with the service's prefix.

A service subclasses `ServiceSettings` and sets `env_prefix` (e.g. `REGISTRATION_`),
so `REGISTRATION_DATABASE_URL` and `REGISTRATION_KAFKA_BOOTSTRAP_SERVERS` configure it.
The cluster's settings (`EVERY_SERVICE`: the Kafka security protocol, CA file and SASL
mechanism) fall back to one `PRAKTIK_` name for every service; its credentials never do.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from shared.kafka.security import (
    CAFILE_ENV,
    ENV_PREFIX,
    MECHANISM_ENV,
    PROTOCOL_ENV,
    KafkaSecurity,
    SaslMechanism,
    SecurityProtocol,
    check_credentials,
)
from shared.links import DEVELOPMENT_SECRET

EVERY_SERVICE = {
    "kafka_security_protocol": ENV_PREFIX + PROTOCOL_ENV,
    "kafka_ssl_cafile": ENV_PREFIX + CAFILE_ENV,
    "kafka_sasl_mechanism": ENV_PREFIX + MECHANISM_ENV,
}
"""Settings a service reads under its own prefix, else under these names (the cluster's,
the same for every service)."""


class EveryServiceSettings(PydanticBaseSettingsSource):
    """The `EVERY_SERVICE` names, below the service's own (`MATCHING_KAFKA_SSL_CAFILE`
    before `PRAKTIK_KAFKA_SSL_CAFILE`)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        variable = EVERY_SERVICE.get(field_name, "")
        return os.environ.get(variable) or None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return {name: os.environ[variable] for name, variable in EVERY_SERVICE.items()
                if os.environ.get(variable)}


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", hide_input_in_errors=True)
    """Errors name the setting, never show its value (passwords, URLs with passwords)."""

    database_url: str = Field(
        description="SQLAlchemy async URL of the service's own role, e.g. postgresql+asyncpg://..."
    )
    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    kafka_security_protocol: SecurityProtocol = "PLAINTEXT"
    """`SASL_SSL`: SASL/SCRAM over TLS with `kafka_sasl_username`/`_password` (the service's
    own principal). Falls back to `PRAKTIK_KAFKA_SECURITY_PROTOCOL`, as do `kafka_ssl_cafile`
    and `kafka_sasl_mechanism` (shared.kafka.security)."""
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None
    """PEM CA bundle the broker's certificate is checked against (none: the system's)."""
    kafka_sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    topic_prefix: str = Field("", validation_alias="PRAKTIK_TOPIC_PREFIX")
    """Put before every topic name and consumer group on the broker (`PRAKTIK_TOPIC_PREFIX`,
    the same for every service, whatever its own prefix): two environments, or a test run
    beside a running system, share one cluster and never see each other's records. Empty
    by default: the contract's names (see shared.kafka.naming)."""
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    log_json: bool = True

    consumer_group: str | None = None
    """Defaults to the service name; replicas of one service share it."""
    consumer_auto_offset_reset: Literal["earliest", "latest"] = "earliest"
    """Where a new consumer group starts; tests use `latest` on shared topics."""
    consumer_batch_size: int = 500
    consumer_batch_timeout_ms: int = 50
    consumer_linger_ms: int = 20
    """A batch smaller than `consumer_batch_size` waits this long for more records before
    it is handled: a trickle of events becomes a few batches, each with its transaction,
    relay round and offset commit, instead of one batch per event (0: no wait)."""
    consumer_fetch_max_wait_ms: int = 100
    """How long the broker may hold a fetch that has nothing new. Bounds a stall the
    Kafka client has: partitions left out of an in-flight fetch (their records were still
    being handled when it went out) are fetched again only once it returns, which with
    the 500 ms default held their new records back for half a second."""
    consumer_commit_interval_s: float = 0.25
    """At most one offset commit per consumer this often (see shared.kafka.offsets)."""
    consumer_max_attempts: int = 3
    """How often a batch that fails with an error not known to be transient is tried
    before each of its messages is handled alone, and one that still fails is
    dead-lettered (a poison message never holds its partition for ever)."""
    consumer_stall_s: float = 60.0
    """`/health/ready` answers 503 while a partition with lag has not moved for longer."""
    kafka_max_message_bytes: int = 1_000_000
    """The largest record this service publishes (the broker's `message.max.bytes` is
    1,048,588 by default): a dead letter above it carries a truncated value, an outbox
    row above it is set aside (`outbox_dead`)."""
    kafka_metadata_max_age_ms: int = 300_000
    """How often the Kafka clients refresh topic metadata: a pattern subscription
    (registration's senders' intake topics) finds a new topic within this."""
    http_max_body_bytes: int = 1_000_000
    """A request body over this answers 413 before it is read in full."""
    batch_handlers: bool = True
    """Handle runs of one event type with the service's set-based handlers, where it has
    them (off: message by message, to compare)."""
    relay_batch_size: int = 1000
    relay_idle_interval_s: float = 0.5
    """How often an idle relay looks for rows it was not woken for (a crashed replica's):
    a commit in this process wakes its relay at once."""
    retry_backoff_initial_s: float = 0.5
    retry_backoff_max_s: float = 30.0
    db_pool_size: int = 10

    auth_jwt_secret: str = "dev-only-change-me-0123456789abcdef"
    """HS256 key for coordinators' bearer tokens (set a real one in production)."""
    development: bool = False
    """Allow the committed development keys (`<PREFIX>DEVELOPMENT=1`, or
    `PRAKTIK_DEVELOPMENT=1` for every service). Without it a service left with any of them
    refuses to start (shared.devkeys); the stack, compose, the tests and the demo set it."""
    link_secret: str = DEVELOPMENT_SECRET
    """HS256 key of the links in messages (shared.links): notifications signs, the service
    a link acts on checks; the same value in every service and the portal."""
    development_keys: ClassVar[tuple[str, ...]] = ("auth_jwt_secret", "link_secret")
    """Settings whose committed default is a development key (subclasses add theirs)."""
    auth_api_keys: str = ""
    """Systems' API keys: `key=role:municipality|municipality,...;key2=...` (see shared.auth)."""

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, dotenv_settings,
                EveryServiceSettings(settings_cls), file_secret_settings)

    @field_validator("kafka_security_protocol", "kafka_sasl_mechanism", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("kafka_sasl_username", "kafka_sasl_password", "kafka_ssl_cafile",
                     mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    @property
    def kafka_security(self) -> KafkaSecurity:
        """How this service's Kafka clients authenticate (shared.kafka.security). SASL_SSL
        without credentials raises `KafkaSecurityError` naming the settings: when a client
        is made (the portal has none, and so needs none)."""
        password = self.kafka_sasl_password
        secret = password.get_secret_value() if password else None
        check_credentials(self.kafka_security_protocol, self.kafka_sasl_username, secret,
                          str(self.model_config.get("env_prefix", "")))
        return KafkaSecurity(self.kafka_security_protocol, self.kafka_sasl_username, secret,
                             self.kafka_ssl_cafile, self.kafka_sasl_mechanism)
