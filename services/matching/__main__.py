"""`python -m services.matching [migrate|asyncapi]`."""

from services.matching.bootstrap import build
from shared.runtime import run

if __name__ == "__main__":
    run(build)
