"""Issue a bearer token for the HTTP APIs (development and demo; production uses its IdP)."""

from __future__ import annotations

import typer

from shared.auth import Role, issue_token

ROLES: dict[str, Role] = {"coordinator": "coordinator", "training_admin": "training_admin",
                          "auditor": "auditor", "system": "system", "admin": "admin"}
"""The option's text to the role it names (typer gives a plain `str`)."""


def token(
    role: str = typer.Option("coordinator", help="coordinator, training_admin (training "
                             "only), auditor, system or admin"),
    municipality: list[str] = typer.Option(["*"], help="SCB code(s); * for all"),
    subject: str = "cli",
    secret: str = typer.Option("dev-only-change-me-0123456789abcdef",
                               envvar="PRAKTIK_AUTH_JWT_SECRET"),
    ttl: int = 3600,
) -> None:
    """Print a signed JWT for ROLE scoped to the given municipalities."""
    if role not in ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(ROLES)}")
    typer.echo(issue_token(secret, subject, ROLES[role], list(municipality), ttl))
