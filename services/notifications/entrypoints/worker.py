"""`python -m services.notifications.entrypoints.worker`: the dispatcher alone, without
consumers or HTTP (settings from `NOTIFICATIONS_*`). Run beside a service started with
`NOTIFICATIONS_DISPATCHER_ENABLED=false` to give sending a process (a core) of its own;
several workers share the work through `FOR UPDATE SKIP LOCKED`. The outbox relay runs
here too, for the outcome events the dispatcher records; consumers' commits wake it
through Postgres `NOTIFY` (adapters/wakeup.py)."""

from __future__ import annotations

from services.notifications.bootstrap import build_worker
from shared.runtime import run

if __name__ == "__main__":
    run(build_worker)
