"""`python -m devkit.devservers`: the SMTP catcher and the 46elks fake as one process,
for `scripts/stack up`, docker-compose and the benchmarks that run the services as
processes. Environment:
`DEVSERVERS_HOST` (127.0.0.1; the default of both hosts), `DEV_SMTP_HOST`,
`DEV_SMTP_PORT` (1025), `DEV_MAIL_DIR` (.cache/mail),
`DEV_SMTP_DELAY_S` (0), `DEV_SMS_HOST`, `DEV_SMS_PORT` (8025),
`DEV_SMS_USERNAME` / `DEV_SMS_PASSWORD` (elks-user / elks-password),
`DEV_SMS_RECEIPT_URL` (none; credentials may sit in the URL), `DEV_SMS_LOG` (none).
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from devkit.mail import SmtpCatcher
from devkit.sms import ElksFake


async def _main() -> None:
    env = os.environ.get
    host = env("DEVSERVERS_HOST", "127.0.0.1")  # 0.0.0.0 in a container
    catcher = SmtpCatcher(Path(env("DEV_MAIL_DIR", ".cache/mail")),
                          env("DEV_SMTP_HOST", host), int(env("DEV_SMTP_PORT", "1025")),
                          float(env("DEV_SMTP_DELAY_S", "0"))).start()
    log = env("DEV_SMS_LOG")
    elks = await ElksFake(env("DEV_SMS_HOST", host), int(env("DEV_SMS_PORT", "8025")),
                          env("DEV_SMS_USERNAME", "elks-user"),
                          env("DEV_SMS_PASSWORD", "elks-password"),
                          env("DEV_SMS_RECEIPT_URL"), log=Path(log) if log else None).start()
    print(f"SMTP catcher on {catcher.host}:{catcher.port} -> {catcher.directory}; "
          f"46elks fake on {elks.base_url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await elks.stop()
    catcher.stop()


if __name__ == "__main__":
    asyncio.run(_main())
