"""Optional login through an OpenID Connect provider (the organisation's own identity
provider: Entra ID, Keycloak, ...), with Authlib.

Configured by environment variables; without ``WIJKKOMPAS_OIDC_ISSUER`` and
``WIJKKOMPAS_OIDC_CLIENT_ID`` there is no such login (and Authlib need not be installed):

- ``WIJKKOMPAS_OIDC_ISSUER``: the issuer URL; its discovery document
  (``<issuer>/.well-known/openid-configuration``) names the endpoints and the JWKS;
- ``WIJKKOMPAS_OIDC_CLIENT_ID``, ``WIJKKOMPAS_OIDC_CLIENT_SECRET``: the app's registration
  at the provider (redirect URI ``https://<host>/inloggen/oidc/callback``);
- ``WIJKKOMPAS_OIDC_USERNAME_CLAIM`` (default ``preferred_username``): the ID-token claim
  that is the wijkkompas username;
- ``WIJKKOMPAS_OIDC_ORGANISATION_CLAIM`` (optional): the claim that fills a new user's
  organisation (and with it their organisation roles);
- ``WIJKKOMPAS_OIDC_NAME`` (optional): the provider's name on the login button (default
  the issuer's host name).

Security choices
----------------
- Authorization code flow with ``state`` (against login CSRF), ``nonce`` (against a
  replayed ID token) and PKCE S256 (against a stolen code). Authlib keeps the three in
  the signed session cookie between the redirect and the callback; they are worth
  nothing once the callback used them.
- The ID token is checked by Authlib: RS256/ES256 signature against the provider's JWKS
  (only the algorithms the discovery document lists; never ``none``), ``iss`` equal to
  the discovery document's issuer, which must be the configured issuer, ``aud``
  containing the client id (told to Authlib explicitly: by itself it only checks
  ``azp``), ``exp``/``iat`` (2 minutes leeway), ``nonce`` the one sent.
- The username claim is trusted as an account name: a user whose username the provider
  vouches for logs in as that wijkkompas user, also an existing one. Configure a claim
  the provider guarantees unique and unchangeable for one person.
- A first login makes an active account without password and without admin right; an
  admin gives it roles. A deactivated account is refused.
- Every refusal is a page that says why, status 400 (or 403 for a deactivated account),
  never a 500; the reason names the check that failed, never the token.
"""
from __future__ import annotations

from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..settings import settings


@dataclass(frozen=True)
class OIDCConfig:
    issuer: str
    client_id: str
    client_secret: str | None = None
    username_claim: str = "preferred_username"
    organisation_claim: str | None = None
    name: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> OIDCConfig | None:
        """The configuration in the environment, or None when OIDC is not configured."""
        env = settings(environ)
        issuer, client_id = env.oidc_issuer, env.oidc_client_id
        if not issuer or not client_id:
            return None
        secret = env.oidc_client_secret
        return cls(issuer=issuer.rstrip("/"), client_id=client_id,
                   client_secret=secret.get_secret_value() if secret else None,
                   username_claim=env.oidc_username_claim or "preferred_username",
                   organisation_claim=env.oidc_organisation_claim,
                   name=env.oidc_name or urlsplit(issuer).hostname or issuer)


class OIDCRefused(Exception):
    """The provider's answer cannot be used to log in; the message says why."""


class OIDCLogin:
    """The Authlib client for the configured provider (made once per app)."""

    def __init__(self, config: OIDCConfig) -> None:
        from authlib.integrations.starlette_client import OAuth

        self.config = config
        oauth = OAuth()
        self.client = oauth.register(
            "wijkkompas", client_id=config.client_id, client_secret=config.client_secret,
            server_metadata_url=f"{config.issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256"})

    async def _metadata(self) -> dict:
        metadata = await self.client.load_server_metadata()
        if (metadata.get("issuer") or "").rstrip("/") != self.config.issuer:
            # OpenID Connect Discovery 1.0, section 4.3: else tokens of another issuer pass
            raise OIDCRefused(f"the discovery document names issuer "
                              f"{metadata.get('issuer')!r}, not {self.config.issuer!r}")
        return metadata

    async def redirect(self, request, redirect_uri: str):
        """The redirect to the provider's authorization endpoint."""
        with _refusals():
            await self._metadata()
            return await self.client.authorize_redirect(request, redirect_uri)

    async def claims(self, request) -> dict:
        """The validated ID-token claims of the provider's answer at the callback."""
        with _refusals():
            await self._metadata()
            # Authlib checks ``aud`` only through ``azp`` unless told: a token naming
            # another audience and ``azp`` = this client would pass (OIDC Core 3.1.3.7
            # step 3 says the audience must contain the client id)
            token = await self.client.authorize_access_token(request, claims_options={
                "iss": {"essential": True, "values": [self.config.issuer]},
                "aud": {"essential": True, "values": [self.config.client_id]}})
        claims = token.get("userinfo")
        if not claims:
            raise OIDCRefused("the provider sent no ID token")
        return dict(claims)

    def account(self, claims: dict) -> dict:
        """Username, display name and organisation for :meth:`Accounts.external_login`."""
        username = claims.get(self.config.username_claim)
        if not isinstance(username, str) or not username.strip():
            raise OIDCRefused(f"the ID token has no claim {self.config.username_claim!r}")
        organisation = ""
        if self.config.organisation_claim:
            value = claims.get(self.config.organisation_claim)
            organisation = value.strip()[:200] if isinstance(value, str) else ""
        return {"username": username, "display_name": str(claims.get("name") or username),
                "organisation": organisation}


def _http_errors() -> tuple[type[Exception], ...]:
    """The HTTP errors of the client Authlib talks to the provider with: httpx2 where it is
    installed (Authlib prefers it, and moves to it), else httpx; both where both are."""
    import importlib

    errors = []
    for name in ("httpx2", "httpx"):
        try:
            errors.append(importlib.import_module(name).HTTPError)
        except ImportError:
            continue
    return tuple(errors)


@contextmanager
def _refusals():
    """Turns what Authlib, joserfc and its HTTP client raise for a bad or unreachable
    provider into :class:`OIDCRefused` with a readable reason."""
    from authlib.common.errors import AuthlibBaseError
    from joserfc.errors import JoseError

    try:
        yield
    except OIDCRefused:
        raise
    except _http_errors() as exc:
        raise OIDCRefused(f"the provider cannot be reached or answered with an error "
                          f"({type(exc).__name__}: {exc})") from exc
    except (AuthlibBaseError, JoseError) as exc:
        detail = getattr(exc, "description", None) or str(exc) or type(exc).__name__
        raise OIDCRefused(f"{type(exc).__name__}: {detail}") from exc
    except (ValueError, KeyError, TypeError, RuntimeError) as exc:
        # a malformed discovery document, JWKS or token answer
        raise OIDCRefused(f"unusable answer from the provider ({type(exc).__name__}: "
                          f"{exc})") from exc
