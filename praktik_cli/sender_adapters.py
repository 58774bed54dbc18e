"""What `praktik senders` talks to: registration's sender API (HTTP, as an admin), the
broker's topics (aiokafka's admin), and its users and ACLs (`shared.kafka.acls`'s
`SecurityAdmin`, confluent-kafka). The commands see only the protocols here, so their unit
tests run with fakes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from shared.auth import issue_token
from shared.contracts.topics import TopicSpec
from shared.kafka.acls import SecurityAdmin
from shared.kafka.admin import ensure_topics
from shared.kafka.naming import physical
from shared.kafka.security import KafkaSecurity


class SenderApiError(Exception):
    """Registration refused or could not be reached (the message says which)."""


class RegistrationApi(Protocol):
    """Registration's `/registration/senders` routes."""

    async def register(self, name: str, municipalities: list[str],
                       source: str | None) -> dict[str, Any]: ...

    async def get(self, name: str) -> dict[str, Any] | None: ...

    async def all(self) -> list[dict[str, Any]]: ...

    async def remove(self, name: str) -> bool:
        """False when no such sender was registered."""


class Topics(Protocol):
    """The broker's topics (contract names; the prefix is the adapter's)."""

    async def create(self, specs: list[TopicSpec]) -> None: ...

    async def delete(self, names: list[str]) -> None: ...


@dataclass
class SenderPorts:
    """What the commands use; `security` None: a stack without authentication
    (PLAINTEXT), where no principal and no ACLs are made."""

    registration: RegistrationApi
    topics: Topics
    security: SecurityAdmin | None
    prefix: str = ""


class HttpRegistrationApi:
    def __init__(self, base_url: str, token: str, timeout_s: float = 10.0) -> None:
        self._base = base_url.rstrip("/") + "/registration/senders"
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = timeout_s

    async def _call(self, method: str, path: str = "", **kwargs: Any) -> httpx.Response:
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.request(method, self._base + path,
                                                headers=self._headers, **kwargs)
        except httpx.HTTPError as error:
            raise SenderApiError(f"registration at {self._base}: {type(error).__name__}: "
                                 f"{error}") from error
        if response.status_code >= 400 and response.status_code != 404:
            raise SenderApiError(f"registration answered {response.status_code}: "
                                 f"{response.text[:500]}")
        return response

    async def register(self, name: str, municipalities: list[str],
                       source: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"municipalities": municipalities}
        if source is not None:
            body["source"] = source
        response = await self._call("PUT", f"/{name}", json=body)
        if response.status_code == 404:
            raise SenderApiError(f"registration at {self._base} has no sender API")
        result: dict[str, Any] = response.json()
        return result

    async def get(self, name: str) -> dict[str, Any] | None:
        response = await self._call("GET", f"/{name}")
        found: dict[str, Any] | None = None if response.status_code == 404 else response.json()
        return found

    async def all(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = (await self._call("GET")).json()
        return result

    async def remove(self, name: str) -> bool:
        return (await self._call("DELETE", f"/{name}")).status_code != 404


class KafkaTopics:
    def __init__(self, bootstrap: str, security: KafkaSecurity, prefix: str,
                 partitions: int) -> None:
        self._bootstrap, self._security = bootstrap, security
        self._prefix, self._partitions = prefix, partitions

    async def create(self, specs: list[TopicSpec]) -> None:
        await ensure_topics(self._bootstrap, self._partitions, specs, prefix=self._prefix,
                            security=self._security)

    async def delete(self, names: list[str]) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap,
                                    **self._security.aiokafka_kwargs())
        await admin.start()
        try:
            existing = set(await admin.list_topics())
            gone = [physical(self._prefix, name) for name in names]
            if present := [name for name in gone if name in existing]:
                await admin.delete_topics(present)
        except KafkaError as error:
            raise SenderApiError(f"deleting topics: {error!r}") from error
        finally:
            await admin.close()


def admin_token(secret: str) -> str:
    """A short-lived admin token for registration's sender API."""
    return issue_token(secret, "praktik-senders", "admin", ["*"], 300)


def real_ports(bootstrap: str, prefix: str, partitions: int, registration_url: str,
               token: str, security: KafkaSecurity) -> SenderPorts:
    """The stack's registration, topics and (on a secured broker) users and ACLs."""
    admin: SecurityAdmin | None = None
    if security.secured:
        from shared.kafka.security_admin import ConfluentSecurityAdmin, client_config

        admin = ConfluentSecurityAdmin(client_config(bootstrap, security))
    return SenderPorts(HttpRegistrationApi(registration_url, token),
                       KafkaTopics(bootstrap, security, prefix, partitions), admin, prefix)


def env_partitions() -> int:
    return int(os.environ.get("PRAKTIK_PARTITIONS", "6"))
