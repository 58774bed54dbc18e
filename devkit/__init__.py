"""The development kit: what the tests, the benchmarks and the demo share, and the
stand-ins for the outside world.

- `infra` (where Kafka and Postgres are; a run's own database and topic prefix),
  `database` (schemas and databases of a run's own), `ports`;
- `bus` (the run's topic names and `TopicReader`, the one reader of the bus),
  `publisher`, `wait` (`eventually`, the one polling loop; `settled`, `drained`);
- `services` (a service in this process), `processes` (the services as processes);
- `mail` (SMTP catcher), `sms` (46elks fake), `devservers` (both as one process);
- `probe` (a minimal service on the shared plumbing), `matching_instances` and
  `matching_reference` (generated rounds, and the `matching` package's solution).

Not part of the production packages: import-linter keeps `shared/` and the services
from importing it, and aiosmtpd is a development dependency. The CLI (`praktik demo`)
reads the bus through `bus`, so the image carries the package (not aiosmtpd).
"""
