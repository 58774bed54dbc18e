"""A local OpenID Connect provider with the development accounts: `python -m devkit.identity`
(what `scripts/stack up` starts, on `PRAKTIK_OIDC_PORT`, 9400) runs oidc-provider-mock, a
real provider process (discovery, authorization code, signed ID tokens, end session), with
one account per role the portal knows. Its sign-in form takes the account's name (`sub`).

    with identity_provider() as issuer:   # a test's own, on a free port
        PortalSettings(oidc_issuer=issuer, ...)
    await sign_in_as(page, portal_url, "samordnare-1380")   # in a browser test

The claims are the portal's defaults (services/portal/settings.py): `praktik_role` and
`praktik_municipalities`. A municipality's own provider sends its own, named in settings.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import httpx

from devkit.ports import free_port
from praktik_cli.demo.plan import COUNTY

if TYPE_CHECKING:
    from playwright.async_api import Page

PORT_ENV = "PRAKTIK_OIDC_PORT"
DEFAULT_PORT = 9400


def _account(sub: str, name: str, role: str, municipalities: Sequence[str]) -> dict[str, object]:
    return {"sub": sub, "name": name, "email": f"{sub}@praktik.example",
            "praktik_role": role, "praktik_municipalities": list(municipalities)}


DEV_ACCOUNTS: tuple[Mapping[str, object], ...] = (
    *(_account(f"samordnare-{code}", f"Samordnare {town}", "coordinator", [code])
      for code, town in COUNTY.items()),
    _account("utbildning-halland", "Utbildningsansvarig Halland", "training_admin",
             list(COUNTY)),
    _account("granskare-halland", "Granskare Halland", "auditor", list(COUNTY)),
)
"""Sign in as one of these subjects (the README lists them)."""


def command(port: int, accounts: Sequence[Mapping[str, object]] = DEV_ACCOUNTS,
            token_max_age_s: int = 3600) -> list[str]:
    """The provider's command line, with `accounts` predefined."""
    args = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port),
            "--host", "127.0.0.1", "--token-max-age", str(token_max_age_s)]
    for account in accounts:
        args += ["--user-claims", json.dumps(account, ensure_ascii=False)]
    return args


def wait_until_serving(issuer: str, process: subprocess.Popen[bytes] | None = None,
                       timeout_s: float = 30.0) -> None:
    """Until the provider answers its discovery document."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the OIDC provider exited with {process.returncode}")
        try:
            if httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=2).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the OIDC provider at {issuer} did not answer in {timeout_s:.0f} s")


@contextmanager
def identity_provider(accounts: Sequence[Mapping[str, object]] = DEV_ACCOUNTS,
                      token_max_age_s: int = 3600) -> Iterator[str]:
    """A provider process of the caller's own on a free loopback port; its issuer URL."""
    port = free_port()
    process = subprocess.Popen(command(port, accounts, token_max_age_s),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    issuer = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(issuer, process)
        yield issuer
    finally:
        process.terminate()
        process.wait(10)


SIGN_IN_LINK = {"sv": "Logga in med kommunens inloggning",
                "en": "Sign in with the municipality's sign-in"}
"""The portal's link to the provider, in each language (services/portal/texts)."""


async def sign_in_as(page: Page, portal_url: str, subject: str, language: str = "sv") -> None:
    """In a browser: the portal's staff page in `language`, its sign-in link, the
    provider's button for `subject`, and back at the portal (signed in, or refused)."""
    await page.goto(f"{portal_url}/personal" if language == "sv"
                    else f"{portal_url}/sprak/{language}?next=/personal")
    await page.get_by_role("link", name=SIGN_IN_LINK[language]).click()
    await page.get_by_role("button", name=subject, exact=True).click()
    await page.wait_for_url(f"{portal_url}/personal**")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=int(os.environ.get(PORT_ENV, DEFAULT_PORT)))
    args = parser.parse_args()
    os.execv(sys.executable, command(args.port))


if __name__ == "__main__":
    main()
