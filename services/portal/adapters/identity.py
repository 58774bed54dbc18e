"""The municipality's identity provider, through authlib's OpenID Connect client: the
provider's discovery document, the authorization code flow (state and nonce kept in the
session), the ID token checked (signature from the provider's keys, issuer, audience,
expiry, nonce), and RP-initiated sign-out where the provider offers it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from authlib.integrations.starlette_client import OAuth, OAuthError
from starlette.requests import Request
from starlette.responses import Response

from services.portal.domain.staff import SignInFailed


class OidcProvider:
    def __init__(self, issuer: str, client_id: str, client_secret: str, scope: str) -> None:
        self._client: Any = OAuth().register(
            "municipality", client_id=client_id, client_secret=client_secret,
            server_metadata_url=f"{issuer.rstrip('/')}/.well-known/openid-configuration",
            client_kwargs={"scope": scope})

    async def sign_in(self, request: Request, redirect_uri: str) -> Response:
        response: Response = await self._client.authorize_redirect(request, redirect_uri)
        return response

    async def signed_in(self, request: Request) -> tuple[Mapping[str, Any], str]:
        """The claims of the ID token the provider sent back, and the token itself."""
        try:
            token = await self._client.authorize_access_token(request)
        except OAuthError as error:
            raise SignInFailed(error.error or "oauth_error") from error
        claims = token.get("userinfo")
        if not claims or "id_token" not in token:
            raise SignInFailed("no_id_token")
        return dict(claims), str(token["id_token"])

    async def sign_out_url(self, id_token: str | None, then: str) -> str | None:
        """Where the browser ends its session with the provider too (None: it has no
        end-session endpoint; the portal's own session is gone all the same)."""
        metadata = await self._client.load_server_metadata()
        endpoint = metadata.get("end_session_endpoint")
        if not endpoint:
            return None
        query = {"post_logout_redirect_uri": then, "client_id": self._client.client_id}
        if id_token:
            query["id_token_hint"] = id_token
        return f"{endpoint}?{urlencode(query)}"
