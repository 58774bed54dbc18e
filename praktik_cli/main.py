"""`praktik`: the operators' and coordinators' command line."""

from __future__ import annotations

import typer

from praktik_cli import dlq, outbox, senders, tokens

app = typer.Typer(no_args_is_help=True, help="Praktik: placements and supervisor training.")
app.add_typer(dlq.app, name="dlq")
app.add_typer(outbox.app, name="outbox")
app.add_typer(senders.app, name="senders")
app.command("token")(tokens.token)

try:  # The demo plays a season with the development kit, which a wheel does not ship.
    from praktik_cli.demo.command import demo
except ModuleNotFoundError as missing:
    if missing.name != "devkit" and not (missing.name or "").startswith("devkit."):
        raise
else:
    app.command("demo")(demo)

if __name__ == "__main__":
    app()
