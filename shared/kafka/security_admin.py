"""The broker's users and ACLs, through confluent-kafka's AdminClient (a `SecurityAdmin`).

`python -m shared.kafka.security_admin` is what `scripts/stack` runs on a secured broker:
as `User:admin` (`PRAKTIK_KAFKA_*`), it sets each service's SCRAM password
(`<SERVICE>_KAFKA_SASL_USERNAME`/`_PASSWORD`) and creates its ACLs (shared.kafka.acls)
under the topic prefix. Idempotent.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar, cast, get_args

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialDeletion,
    UserScramCredentialUpsertion,
)

from shared.kafka.acls import SERVICES, Acl, Operation, Pattern, Resource, every_service_acl
from shared.kafka.naming import PREFIX_ENV, env_prefix
from shared.kafka.security import KafkaSecurity, KafkaSecurityError

T = TypeVar("T")
SCRAM_ITERATIONS = 8192
# Kafka's CLUSTER resource is librdkafka's BROKER (both are resource type 4).
_RESOURCES = {"TOPIC": ResourceType.TOPIC, "GROUP": ResourceType.GROUP,
              "CLUSTER": ResourceType.BROKER}
_RESOURCE_NAMES = {value.name: key for key, value in _RESOURCES.items()}


class SecurityAdminError(Exception):
    """The broker refused or failed a change to its users or ACLs."""


def client_config(bootstrap_servers: str,
                  security: KafkaSecurity = KafkaSecurity()) -> dict[str, str]:
    """librdkafka's settings for a client of the broker with `security` (the broker's
    certificate verified against `security.cafile`, host name included)."""
    config = {"bootstrap.servers": bootstrap_servers, "security.protocol": security.protocol}
    if security.secured:
        config |= {"sasl.mechanism": security.mechanism,
                   "sasl.username": security.username or "",
                   "sasl.password": security.password or "",
                   "ssl.endpoint.identification.algorithm": "https"}
        if security.cafile:
            config["ssl.ca.location"] = security.cafile
    return config


def env_config(env: Mapping[str, str], bootstrap_servers: str | None = None) -> dict[str, str]:
    """`client_config` from `PRAKTIK_KAFKA_BOOTSTRAP_SERVERS` and `PRAKTIK_KAFKA_*`."""
    return client_config(
        bootstrap_servers or env.get("PRAKTIK_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
        KafkaSecurity.from_env(env))


def to_binding(acl: Acl) -> AclBinding:
    return AclBinding(_RESOURCES[acl.resource], acl.name,
                      ResourcePatternType[acl.pattern], acl.principal, acl.host,
                      AclOperation[acl.operation], AclPermissionType.ALLOW)


def _filter(acl: Acl) -> AclBindingFilter:
    return AclBindingFilter(_RESOURCES[acl.resource], acl.name,
                            ResourcePatternType[acl.pattern], acl.principal, acl.host,
                            AclOperation[acl.operation], AclPermissionType.ALLOW)


def _name(value: object) -> str:
    """The name of one of confluent-kafka's enum values."""
    return str(getattr(value, "name", value))


def from_binding(binding: AclBinding) -> Acl | None:
    """The plan's form of a broker rule (None for what the plan never writes: DENY...)."""
    resource = _RESOURCE_NAMES.get(_name(binding.restype))
    operation, pattern = _name(binding.operation), _name(binding.resource_pattern_type)
    if (resource is None or _name(binding.permission_type) != "ALLOW"
            or operation not in get_args(Operation) or pattern not in get_args(Pattern)):
        return None
    return Acl(binding.principal, cast(Operation, operation), cast(Resource, resource),
               binding.name, cast(Pattern, pattern), binding.host)


async def _result(future: Future[T], what: str) -> T:
    try:
        return await asyncio.wrap_future(future)
    except KafkaException as error:
        raise SecurityAdminError(f"{what}: {error.args[0]}") from error


class ConfluentSecurityAdmin:
    """A `SecurityAdmin` on the broker `config` names (`client_config`), as a super user."""

    def __init__(self, config: Mapping[str, str], timeout_s: float = 30.0) -> None:
        self._client = AdminClient(dict(config))
        self._timeout = timeout_s

    @classmethod
    def connect(cls, bootstrap_servers: str, security: KafkaSecurity,
                timeout_s: float = 30.0) -> ConfluentSecurityAdmin:
        """On the broker at `bootstrap_servers`, as `security` says (the admin's)."""
        return cls(client_config(bootstrap_servers, security), timeout_s)

    async def upsert_scram_user(self, name: str, password: str) -> None:
        info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS)
        await self._alter_scram(UserScramCredentialUpsertion(name, info, password.encode()),
                                f"setting the password of {name}")

    async def delete_scram_user(self, name: str) -> None:
        try:
            await self._alter_scram(
                UserScramCredentialDeletion(name, ScramMechanism.SCRAM_SHA_512),
                f"deleting the user {name}")
        except SecurityAdminError as error:
            if not _is(error, KafkaError.RESOURCE_NOT_FOUND):
                raise

    async def _alter_scram(self, alteration: Any, what: str) -> None:
        futures = self._client.alter_user_scram_credentials(
            [alteration], request_timeout=self._timeout)
        for future in futures.values():
            await _result(future, what)

    async def create_acls(self, acls: Sequence[Acl]) -> None:
        if not acls:
            return
        futures = self._client.create_acls([to_binding(acl) for acl in set(acls)],
                                           request_timeout=self._timeout)
        for binding, future in futures.items():
            await _result(future, f"creating the ACL {binding}")

    async def delete_acls(self, acls: Sequence[Acl]) -> None:
        if not acls:
            return
        futures = self._client.delete_acls([_filter(acl) for acl in set(acls)],
                                           request_timeout=self._timeout)
        for binding, future in futures.items():
            await _result(future, f"deleting the ACL {binding}")

    async def describe_acls(self, principal: str) -> list[Acl]:
        every = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY,  # type: ignore[arg-type]
                                 principal, None, AclOperation.ANY,  # type: ignore[arg-type]
                                 AclPermissionType.ANY)
        future = self._client.describe_acls(every, request_timeout=self._timeout)
        bindings = await _result(future, f"listing the ACLs of {principal}")
        return sorted(acl for acl in map(from_binding, bindings) if acl is not None)


def _is(error: SecurityAdminError, code: int) -> bool:
    cause = error.__cause__
    return isinstance(cause, KafkaException) and cause.args[0].code() == code


def service_passwords(env: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """Each service's (user, password) from `<SERVICE>_KAFKA_SASL_USERNAME`/`_PASSWORD`,
    for those whose password is set (the user defaults to the service's name)."""
    found = {}
    for service in SERVICES:
        password = env.get(f"{service.upper()}_KAFKA_SASL_PASSWORD")
        if password:
            found[service] = (env.get(f"{service.upper()}_KAFKA_SASL_USERNAME") or service,
                              password)
    return found


async def apply_service_plan(admin: Any, prefix: str,
                             credentials: Mapping[str, tuple[str, str]]) -> int:
    """Set each service's password (from `credentials`) and create every service's ACLs
    under `prefix`; the number of ACLs."""
    for user, password in credentials.values():
        await admin.upsert_scram_user(user, password)
    acls = every_service_acl(prefix)
    await admin.create_acls(acls)
    return len(acls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", help="default $PRAKTIK_KAFKA_BOOTSTRAP_SERVERS")
    parser.add_argument("--prefix", default=env_prefix(),
                        help=f"topic prefix (default ${PREFIX_ENV}, else none)")
    args = parser.parse_args()
    try:
        config = env_config(os.environ, args.bootstrap)
        count = asyncio.run(apply_service_plan(ConfluentSecurityAdmin(config), args.prefix,
                                               service_passwords(os.environ)))
    except (SecurityAdminError, KafkaSecurityError) as error:
        sys.exit(f"shared.kafka.security_admin: {error}")
    print(f"{count} service ACLs on {config['bootstrap.servers']}")


if __name__ == "__main__":
    main()
