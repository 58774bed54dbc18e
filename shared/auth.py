"""Who is calling the HTTP API, and which municipalities they may touch.

Two kinds of bearer token:
- a signed JWT (HS256, the service's `auth_jwt_secret`) with claims `sub`, `role`
  (`coordinator`, `training_admin`, `auditor`, `system`, `admin`) and `municipalities`
  (list of SCB codes), for coordinators' tools;
- an API key for systems, configured as `key=role:1380|1384;key2=admin:*`.

`admin` and the wildcard `*` reach every municipality. A caller asking about a
municipality outside their scope gets 403 with no detail. An `auditor` only reads: any
other method is refused (403) before a route runs; the access log is theirs to read.

Each service accepts the roles its `Authenticator` is given (`roles`; the service's
`Service.roles`), by default `SERVICE_ROLES`: every role but `training_admin`. A token
(or API key) of another role is refused with 403 on every route. A `training_admin`
(a training administrator: sessions, invitations, certificates) is training's only, and
there is scoped by the token's `municipalities` exactly as a coordinator is.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Literal, TypeGuard, get_args

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

Role = Literal["coordinator", "training_admin", "auditor", "system", "admin"]
ROLES: frozenset[str] = frozenset(get_args(Role))
SERVICE_ROLES: frozenset[str] = ROLES - {"training_admin"}
"""The roles a service accepts unless it names its own: a training administrator's token
opens training only (`services/training/bootstrap.py` accepts every role)."""
READ_ONLY: frozenset[str] = frozenset({"auditor"})
READS: frozenset[str] = frozenset({"GET", "HEAD", "OPTIONS"})
ALL = "*"


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    municipalities: frozenset[str]

    def may_access(self, municipality_code: str) -> bool:
        return self.role == "admin" or ALL in self.municipalities or (
            municipality_code in self.municipalities
        )

    def require(self, municipality_code: str) -> None:
        if not self.may_access(municipality_code):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "forbidden")

    def require_role(self, *roles: Role) -> None:
        if self.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "forbidden")

    def scope(self) -> frozenset[str] | None:
        """Municipalities a listing is limited to; None means all."""
        if self.role == "admin" or ALL in self.municipalities:
            return None
        return self.municipalities


def _is_role(value: str) -> TypeGuard[Role]:
    return value in ROLES


def parse_api_keys(spec: str) -> dict[str, Principal]:
    keys: dict[str, Principal] = {}
    for item in filter(None, (part.strip() for part in spec.split(";"))):
        key, _, grant = item.partition("=")
        role, _, codes = grant.partition(":")
        if not _is_role(role) or not key:
            raise ValueError(f"bad API key entry for role {role!r}")
        keys[key] = Principal(f"api-key:{key[:4]}", role,
                              frozenset(filter(None, codes.split("|"))))
    return keys


class Authenticator:
    def __init__(self, jwt_secret: str, api_keys: str = "", audience: str | None = None,
                 roles: Iterable[str] = SERVICE_ROLES):
        self._secret = jwt_secret
        self._keys = parse_api_keys(api_keys)
        self._audience = audience
        self.roles = frozenset(roles)
        """The roles this service accepts; any other is 403."""
        if unknown := self.roles - ROLES:
            raise ValueError(f"unknown roles {sorted(unknown)}")

    def authenticate(self, token: str) -> Principal:
        principal = self._keys[token] if token in self._keys else self._decode(token)
        if principal.role not in self.roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "forbidden")
        return principal

    def _decode(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=["HS256"],
                options={"require": ["sub", "exp"], "verify_aud": self._audience is not None},
                audience=self._audience,
            )
        except jwt.PyJWTError:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "invalid token",
                headers={"WWW-Authenticate": "Bearer"},
            ) from None
        role = claims.get("role")
        codes = claims.get("municipalities") or []
        if role not in ROLES or not isinstance(codes, list):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "forbidden")
        return Principal(str(claims["sub"]), role, frozenset(str(c) for c in codes))


def same_secret(expected: str, given: str) -> bool:
    """Constant-time comparison of a link token of any shape (`hmac.compare_digest`
    refuses str that is not ASCII with TypeError: a 500 for `?token=ää`)."""
    return hmac.compare_digest(expected.encode("utf-8", "surrogatepass"),
                               given.encode("utf-8", "surrogatepass"))


def issue_token(secret: str, subject: str, role: Role, municipalities: list[str],
                ttl_s: int = 3600) -> str:
    """A coordinator's token (for the demo, tests and the CLI; production uses the IdP's)."""
    now = int(time.time())
    claims = {"sub": subject, "role": role, "municipalities": municipalities,
              "iat": now, "exp": now + ttl_s}
    return jwt.encode(claims, secret, algorithm="HS256")


_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    authenticator: Authenticator = request.app.state.authenticator
    principal = authenticator.authenticate(credentials.credentials)
    if principal.role in READ_ONLY and request.method not in READS:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "forbidden")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
