"""`python -m services.portal`: the public pages over HTTP until SIGTERM/SIGINT."""

import asyncio

from services.portal.bootstrap import build, serve

asyncio.run(serve(build()))
