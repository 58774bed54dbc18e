"""`praktik demo`: the command, with a progress bar per phase of the season."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import typer

from devkit.infra import REPO
from praktik_cli.demo.plan import DEFAULT_SECRET, DemoError, Endpoints, Plan
from praktik_cli.demo.report import report
from praktik_cli.demo.season import Season
from praktik_cli.kafka import cli_security
from shared.kafka.naming import PREFIX_ENV


class _Steps:
    """The season's phases as progress bars (`Season.step`, `Season.advance`): a phase
    that begins completes the one before."""

    def __init__(self, progress: Any) -> None:
        self.progress = progress
        self.current: list[Any] = []

    def step(self, description: str, total: int) -> None:
        if self.current:
            task = self.current[-1]
            self.progress.update(task, completed=self.progress.tasks[task].total or 1,
                                 total=self.progress.tasks[task].total or 1)
        self.current.append(self.progress.add_task(description, total=total or None))

    def advance(self, n: int) -> None:
        if self.current:
            self.progress.advance(self.current[-1], n)

    def finish(self) -> None:
        if self.current:
            self.progress.update(self.current[-1], total=1, completed=1)


async def _play(plan: Plan, endpoints: Endpoints, steps: _Steps, again: bool) -> str:
    async with Season(plan, endpoints, steps.step, steps.advance) as season:
        await season.check_ready()
        if await season.already_seeded() and not again:
            raise DemoError(
                "Halland already has a season in this system. For a clean one run "
                "`scripts/stack down --purge && scripts/stack up` (deletes all data), "
                "or play another season beside it with `praktik demo --again` (new "
                "external refs; the rounds then also place earlier runs' waiting "
                "requests).")
        await season.play()
        steps.step("report", 0)
        return await report(season)


def demo(
    registration: str = typer.Option("http://127.0.0.1:8001",
                                     envvar="PRAKTIK_REGISTRATION_URL"),
    matching: str = typer.Option("http://127.0.0.1:8002", envvar="PRAKTIK_MATCHING_URL"),
    training: str = typer.Option("http://127.0.0.1:8003", envvar="PRAKTIK_TRAINING_URL"),
    notifications: str = typer.Option("http://127.0.0.1:8004",
                                      envvar="PRAKTIK_NOTIFICATIONS_URL"),
    kafka: str = typer.Option("127.0.0.1:19092", envvar="PRAKTIK_KAFKA_BOOTSTRAP_SERVERS"),
    topic_prefix: str = typer.Option("", "--topic-prefix", envvar=PREFIX_ENV,
                                     help="the environment's topic prefix (default none)"),
    secret: str = typer.Option(DEFAULT_SECRET, envvar="PRAKTIK_AUTH_JWT_SECRET",
                               help="the services' auth_jwt_secret"),
    summer: int = typer.Option(320, help="summer-job requests"),
    prao: int = typer.Option(40, help="prao requests"),
    work_trials: int = typer.Option(24, help="work-trial requests"),
    seed: int = typer.Option(2027, help="seed of the synthetic season and the lotteries"),
    again: bool = typer.Option(False, "--again",
                               help="play even though the county already holds a season"),
    mail_dir: Path = typer.Option(REPO / ".cache" / "mail", envvar="DEV_MAIL_DIR",
                                  help="the SMTP catcher's directory (the caught e-mails)"),
    sms_fake: str = typer.Option("http://127.0.0.1:8025", envvar="PRAKTIK_SMS_FAKE_URL",
                                 help="the SMS fake (its listing of the caught SMS)"),
) -> None:
    """Play a season for Halland against the running system and print a report."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    endpoints = Endpoints(registration, matching, training, notifications, kafka, secret,
                          sms_fake=sms_fake, topic_prefix=topic_prefix, mail_dir=mail_dir,
                          kafka_security=cli_security())
    if again and seed == 2027:
        seed = random.randrange(1 << 30)  # other people than the first season's
    plan = Plan(summer_requests=summer, prao_requests=prao, work_trials=work_trials,
                seed=seed)
    with Progress(TextColumn("{task.description:<45}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  transient=False) as progress:
        steps = _Steps(progress)
        try:
            text = asyncio.run(_play(plan, endpoints, steps, again))
        except DemoError as error:
            progress.stop()
            typer.echo(f"demo: {error}", err=True)
            raise typer.Exit(1) from None
        steps.finish()
    typer.echo("")
    typer.echo(text)
