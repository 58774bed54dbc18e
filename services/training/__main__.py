"""`python -m services.training [migrate|asyncapi]`."""

from services.training.bootstrap import build
from shared.runtime import run

run(build)
