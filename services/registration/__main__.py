"""`python -m services.registration [migrate|asyncapi]`."""

from services.registration.bootstrap import build
from shared.runtime import run

if __name__ == "__main__":
    run(build)
