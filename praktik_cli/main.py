"""`praktik`: the operators' and coordinators' command line."""

from __future__ import annotations

import typer

from praktik_cli import demo, dlq, outbox, tokens

app = typer.Typer(no_args_is_help=True, help="Praktik: placements and supervisor training.")
app.add_typer(dlq.app, name="dlq")
app.add_typer(outbox.app, name="outbox")
app.command("token")(tokens.token)
app.command("demo")(demo.demo)

if __name__ == "__main__":
    app()
