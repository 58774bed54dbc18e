"""docker-compose's secrets: `python -m devkit.compose_secrets /secrets` (its `kafka-secrets`
service, run once before the broker) writes into a volume every container mounts at the
same path:

- `tls/ca.pem`, `tls/broker.pem`: a development CA and the broker's keystore for the
  names it is reached by (`kafka` in the compose network, `localhost` from the host);
- `broker.env`: the admin's and the controller's passwords, for the broker alone
  (infra/compose/kafka-start);
- `kafka-init.env`: the admin's credentials and every service's, for `kafka-init`, which
  creates the topics, the services' users and their ACLs (shared.kafka.security_admin);
- `<service>.env`: that service's own principal (`<SERVICE>_KAFKA_SASL_USERNAME`, ...),
  which `infra/compose/with-env` loads before the service starts.

The passwords are random, made once and kept in `credentials` (run again, it keeps them and
the CA while usable). The files the broker reads belong to `--broker-uid` (the apache/kafka
image's `appuser`); all are readable by their owner only. Development only: production
has its own CA and a secret store.
"""

from __future__ import annotations

import argparse
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from devkit import tls
from shared.kafka.acls import SERVICES
from shared.kafka.security import CAFILE_ENV, ENV_PREFIX, PASSWORD_ENV, PROTOCOL_ENV, USERNAME_ENV

HOSTS = ("kafka", "localhost", "127.0.0.1")
USERS = ("admin", "controller", *SERVICES)


def _read(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {name: value for name, value in pairs}


def _write(path: Path, values: Mapping[str, str], owner: int | None = None) -> None:
    partial = path.with_suffix(".tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.writelines(f"{name}={value}\n" for name, value in values.items())
    if owner is not None:
        os.chown(partial, owner, owner)
    partial.replace(path)


def credentials(directory: Path) -> dict[str, str]:
    """Every user's password: those in `credentials`, and new ones for the rest."""
    known = _read(directory / "credentials")
    made = {user: known.get(user) or secrets.token_hex(24) for user in USERS}
    if made != known:
        _write(directory / "credentials", made)
    return made


def client_env(prefix: str, user: str, password: str, cafile: Path) -> dict[str, str]:
    """The settings of one principal's clients, under `prefix` (`PRAKTIK_` or a service's)."""
    return {prefix + PROTOCOL_ENV: "SASL_SSL", ENV_PREFIX + CAFILE_ENV: str(cafile),
            prefix + USERNAME_ENV: user, prefix + PASSWORD_ENV: password}


def write(directory: Path, hosts: tuple[str, ...] = HOSTS,
          broker_uid: int | None = None) -> None:
    """Every file of the module's docstring, in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    dev_tls = tls.ensure(directory / "tls", hosts)
    if broker_uid is not None:
        os.chown(dev_tls.keystore, broker_uid, broker_uid)
    passwords = credentials(directory)
    _write(directory / "broker.env", {"ADMIN_PASSWORD": passwords["admin"],
                                      "CONTROLLER_PASSWORD": passwords["controller"]},
           owner=broker_uid)
    services = {service: client_env(f"{service.upper()}_", service, passwords[service],
                                    dev_tls.ca) for service in SERVICES}
    init = client_env(ENV_PREFIX, "admin", passwords["admin"], dev_tls.ca)
    for service, env in services.items():
        _write(directory / f"{service}.env", env)
        init |= env
    _write(directory / "kafka-init.env", init)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--broker-uid", type=int, help="owner of the files the broker reads")
    args = parser.parse_args()
    write(args.directory, broker_uid=args.broker_uid)
    print(f"secrets in {args.directory}")


if __name__ == "__main__":
    main()
