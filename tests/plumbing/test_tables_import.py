"""A service's table definitions and its Alembic environment load neither the HTTP
server nor the broker clients: migrating imports SQLAlchemy and `shared.tables`."""

from __future__ import annotations

import json
import subprocess
import sys

SERVICES = ("registration", "matching", "training", "notifications")
CLIENTS = {"fastapi", "starlette", "uvicorn", "faststream", "aiokafka", "httpx"}


def test_the_orm_modules_and_the_migration_runner_import_no_server_or_broker_client() -> None:
    script = (
        "import json, sys\n"
        "import shared.migrations\n"
        + "".join(f"import services.{name}.adapters.orm\n" for name in SERVICES)
        + "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", script], check=True,
                                       capture_output=True, text=True).stdout)
    assert CLIENTS.isdisjoint(loaded), CLIENTS.intersection(loaded)
