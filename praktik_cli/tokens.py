"""Issue a bearer token for the HTTP APIs (development and demo; production uses its IdP)."""

from __future__ import annotations

import typer

from shared.auth import Role, issue_token

ROLES: dict[str, Role] = {"coordinator": "coordinator", "auditor": "auditor",
                          "system": "system", "admin": "admin"}
"""The option's text to the role it names (typer gives a plain `str`)."""


def token(
    role: str = typer.Option("coordinator", help="coordinator, auditor, system or admin"),
    municipality: list[str] = typer.Option(["*"], help="SCB code(s); * for all"),
    subject: str = "cli",
    secret: str = typer.Option("dev-only-change-me-0123456789abcdef",
                               envvar="PRAKTIK_AUTH_JWT_SECRET"),
    ttl: int = 3600,
) -> None:
    """Print a signed JWT for ROLE scoped to the given municipalities."""
    if role not in ROLES:
        raise typer.BadParameter("role must be coordinator, auditor, system or admin")
    typer.echo(issue_token(secret, subject, ROLES[role], list(municipality), ttl))
