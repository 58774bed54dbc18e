"""Safe defaults: a service never runs in production on the keys committed to the repository.

Each settings class names its secrets in `development_keys` (the JWT secret for all;
registration's identity encryption and hash keys, matching's acceptance secret,
notifications' link secret and receipt password). A service whose settings still hold
the committed value of one of them refuses to start (`Service.serve`) unless development
is declared: `PRAKTIK_DEVELOPMENT=1` (every service) or `<PREFIX>DEVELOPMENT=1` (one).
Building a service, its tests and `python -m services.<name> asyncapi` never check.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from shared.settings import ServiceSettings

FLAG = "PRAKTIK_DEVELOPMENT"
TRUE = {"1", "true", "yes", "on"}


class DevelopmentKeys(SystemExit):
    """Raised at start: exits the process with the message (no traceback)."""


def development_keys_in_use(settings: ServiceSettings) -> list[str]:
    """The environment variables of the settings that still hold the committed value."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    fields = type(settings).model_fields
    return [f"{prefix}{name}".upper() for name in settings.development_keys
            if name in fields and getattr(settings, name) == fields[name].default]


def refuse_development_keys(settings: ServiceSettings,
                            environ: Mapping[str, str] | None = None) -> None:
    """Raise `DevelopmentKeys` naming each setting left at its committed development key,
    unless development is declared (the flag or the settings' `development`)."""
    environ = os.environ if environ is None else environ
    if settings.development or environ.get(FLAG, "").strip().lower() in TRUE:
        return
    in_use = development_keys_in_use(settings)
    if in_use:
        prefix = str(settings.model_config.get("env_prefix", ""))
        raise DevelopmentKeys(
            f"refusing to start with the development keys committed to the repository: "
            f"set {', '.join(in_use)} to keys of your own (see README, 'Operating it'), "
            f"or set {FLAG}=1 (or {prefix}DEVELOPMENT=1) to run for development."
        )
