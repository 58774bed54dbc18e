"""The system's surroundings: the SMTP catcher and SMS fake as a process, producing onto
its topics, and waiting for matching to hold the setup."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from bench.load.config import RECEIPTS, SOURCE
from bench.load.plan import Plan
from devkit.bus import physical
from devkit.infra import REPO, Infra
from devkit.ports import free_port
from devkit.wait import eventually
from services.matching.adapters import orm as matching_orm
from shared.kafka.security import KafkaSecurity


def _devservers(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:
        return subprocess.Popen([sys.executable, "-m", "devkit.devservers"],
                                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)


@asynccontextmanager
async def outside_world(workdir: Path) -> AsyncIterator[dict[str, str]]:
    """The SMTP catcher and the SMS fake as a process of their own; the services' env."""
    smtp, sms, receipts = free_port(), free_port(), free_port()
    env = dict(os.environ, DEV_MAIL_DIR=str(workdir / "mail"), DEV_SMTP_PORT=str(smtp),
               DEV_SMS_PORT=str(sms), DEV_SMS_RECEIPT_URL=(
                   f"http://{RECEIPTS[0]}:{RECEIPTS[1]}@127.0.0.1:{receipts}"
                   "/notifications/sms/receipts"))
    process = _devservers(env, workdir / "devservers.log")
    async def listening() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"devservers exited; see {workdir / 'devservers.log'}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", sms)
        except OSError:
            return False
        writer.close()
        return True

    try:
        await eventually(listening, 20, "the SMS fake to listen")
        yield {
            "NOTIFICATIONS_SMTP_HOST": "127.0.0.1", "NOTIFICATIONS_SMTP_PORT": str(smtp),
            "NOTIFICATIONS_SMS_BASE_URL": f"http://127.0.0.1:{sms}",
            "NOTIFICATIONS_SMS_USERNAME": "elks-user",
            "NOTIFICATIONS_SMS_PASSWORD": "elks-password",
            "NOTIFICATIONS_RECEIPT_USERNAME": RECEIPTS[0],
            "NOTIFICATIONS_RECEIPT_PASSWORD": RECEIPTS[1],
            "NOTIFICATIONS_QUIET_START": "00:00", "NOTIFICATIONS_QUIET_END": "00:00",
            "REGISTRATION_INTAKE_SOURCES": f"{SOURCE}=*",
            "receipts_port": str(receipts),
        }
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def producer(bootstrap: str, linger_ms: int,
             security: KafkaSecurity = KafkaSecurity()) -> AIOKafkaProducer:
    return AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True,
                            linger_ms=linger_ms, max_batch_size=256 * 1024,
                            **security.aiokafka_kwargs())


async def send_all(producer: AIOKafkaProducer, topic: str,
                    messages: list[tuple[bytes, bytes]]) -> None:
    topic = physical(topic)
    futures = [await producer.send(topic, value, key=key) for key, value in messages]
    await asyncio.gather(*futures)


async def wait_for_matching(infra: Infra, plan: Plan, timeout_s: float) -> None:
    """Until matching's read models hold every participant, offer and certificate."""
    engine = create_async_engine(infra.database_url("matching"))
    wanted = {matching_orm.participants: len(plan.participants),
              matching_orm.offers: plan.supervisors,
              matching_orm.certificates: plan.supervisors,
              matching_orm.open_workplaces: plan.supervisors}  # a workplace each
    have = dict.fromkeys(wanted, 0)

    async def seen() -> bool:
        async with engine.connect() as conn:
            for table in wanted:
                have[table] = await conn.scalar(select(func.count()).select_from(table)) or 0
        return all(have[t] >= n for t, n in wanted.items())

    try:
        await eventually(seen, timeout_s, lambda: "matching to see the setup: " + ", ".join(
            f"{t.name} {have[t]}/{n}" for t, n in wanted.items()), interval_s=0.3)
    finally:
        await engine.dispose()
