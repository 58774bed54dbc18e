"""Inspect a service's outbox: what waits, and what was set aside as unsendable.

`praktik outbox dead matching` lists the rows the matching relay could never send (too
large for the broker, refused by a topic), with the reason; never their content. It
asks the service's `GET /health/outbox`, at `PRAKTIK_<SERVICE>_URL` (the ports of
`scripts/stack up` by default), as `praktik demo` finds the services.
"""

from __future__ import annotations

import os

import httpx
import typer

from praktik_cli.demo.plan import Endpoints

app = typer.Typer(help=__doc__, no_args_is_help=True)


def service_url(service: str) -> str:
    """The service's base URL: `PRAKTIK_<SERVICE>_URL`, else the stack's default port."""
    defaults = Endpoints().services()
    if service not in defaults:
        raise typer.BadParameter(f"one of {', '.join(defaults)}", param_hint="SERVICE")
    return os.environ.get(f"PRAKTIK_{service.upper()}_URL", defaults[service])


@app.command()
def dead(
    service: str,
    url: str | None = typer.Option(None, help="the service's base URL (overrides the default)"),
) -> None:
    """List SERVICE's outbox rows set aside: id, event id, topic, when, reason."""
    base = url or service_url(service)
    try:
        response = httpx.get(f"{base.rstrip('/')}/health/outbox", timeout=10.0)
        response.raise_for_status()
    except httpx.HTTPError as error:
        typer.echo(f"{service} at {base}: {type(error).__name__}: {error}", err=True)
        raise typer.Exit(1) from error
    status = response.json()
    for row in status["dead"]:
        typer.echo(f"{row['id']}\t{row['event_id']}\t{row['topic']}\t{row['failed_at']}\t"
                   f"{row['reason']}")
    typer.echo(f"{status['dead_count']} row(s) set aside, {status['pending']} waiting to be "
               f"sent in {service}'s outbox")
