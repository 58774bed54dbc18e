"""`python -m services.notifications [migrate|asyncapi]`."""

from services.notifications.bootstrap import build
from shared.runtime import run

run(build)
