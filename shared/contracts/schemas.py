"""JSON Schema of every event, generated from the models into `docs/events/`.

    python -m shared.contracts.schemas          # write
    python -m shared.contracts.schemas --check  # exit 1 when the files drift from the models
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import CONTRACT_TOPICS, EVENTS_BY_TOPIC

OUT = Path(__file__).resolve().parents[2] / "docs" / "events"


def render() -> dict[Path, str]:
    """Relative path → file content, for the envelope and each (topic, type)."""
    files: dict[Path, str] = {}

    def dump(schema: dict[str, object]) -> str:
        return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    files[Path("envelope.json")] = dump(CloudEvent.model_json_schema())
    for topic in CONTRACT_TOPICS:
        for event_type, model in sorted(EVENTS_BY_TOPIC[topic].items()):
            schema = model.model_json_schema()
            schema["title"] = event_type
            schema["x-topic"] = topic
            files[Path(topic) / f"{event_type}.json"] = dump(schema)
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    files = render()
    existing = {p.relative_to(OUT) for p in OUT.rglob("*.json")} if OUT.exists() else set()
    if args.check:
        drift = sorted(
            str(path) for path, text in files.items()
            if not (OUT / path).exists() or (OUT / path).read_text() != text
        ) + sorted(str(p) + " (no model)" for p in existing - set(files))
        if drift:
            print("event schemas drifted from the models; run "
                  "`uv run python -m shared.contracts.schemas`:\n  " + "\n  ".join(drift))
            return 1
        print(f"{len(files)} event schemas match the models")
        return 0
    for stale in existing - set(files):
        (OUT / stale).unlink()
    for path, text in files.items():
        (OUT / path).parent.mkdir(parents=True, exist_ok=True)
        (OUT / path).write_text(text)
    print(f"wrote {len(files)} schemas to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
