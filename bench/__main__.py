"""Run the benchmarks: `python -m bench` (all) or `python -m bench plumbing matching`.

Each `bench/<name>.py` has `async def run(infra) -> dict`; it prints its figures as it
goes. Last, one JSON line: {"<name>": {figures...}, ...}.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path
from typing import Any

from devkit.infra import HOW_TO_RUN, discover, release


def available() -> list[str]:
    here = Path(__file__).parent
    return sorted(
        m.name for m in pkgutil.iter_modules([str(here)])
        if not m.name.startswith("_") and m.name != "support"
    )


def main(argv: list[str]) -> int:
    names = argv or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown benchmark(s) {unknown}; available: {available()}", file=sys.stderr)
        return 2
    # A database and topic prefix of the run's own (consumer groups get the prefix too),
    # dropped at the end: a running system on the same server and broker is not touched.
    infra = discover("bench")
    if infra is None:
        print(HOW_TO_RUN, file=sys.stderr)
        return 2
    print(f"== on database {infra.database}, topics {infra.topic_prefix}*", flush=True)
    results: dict[str, Any] = {}
    try:
        for name in names:
            module = importlib.import_module(f"bench.{name}")
            print(f"== {name}", flush=True)
            started = time.perf_counter()
            results[name] = asyncio.run(module.run(infra))
            print(f"== {name} done in {time.perf_counter() - started:.1f} s", flush=True)
    finally:
        release(infra)
    print(json.dumps(results, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
