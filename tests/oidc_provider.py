"""A tiny OpenID Connect provider on 127.0.0.1 for sign-in tests (started and stopped by the test).

Streamlit's ``st.login()`` (Authlib's Starlette client) signs users in with the authorization-code
flow: it reads the discovery document, sends the browser to ``/authorize`` (with ``state``,
``nonce`` and a PKCE ``code_challenge``), exchanges the code at ``/token`` (client id and secret in
HTTP Basic auth, with the PKCE ``code_verifier``) and checks the ``id_token`` against ``/jwks``
(RS256; ``iss``, ``aud``, ``exp``, ``iat`` and ``nonce`` validated). This provider does all of that
with no login form: ``/authorize`` signs in whoever the test put in :attr:`OidcProvider.next_user`
and redirects straight back. It checks what a real provider checks (client credentials, a
``redirect_uri`` on 127.0.0.1 ending in ``/oauth2callback``, single-use codes, the PKCE verifier),
so a flow Streamlit gets wrong fails here too. It has no ``end_session_endpoint``: ``st.logout()``
only clears Streamlit's own cookie.

Usage::

    with oidc_provider() as idp:
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(idp.secrets_toml())
        idp.next_user = "alice@example.org"
        ...  # streamlit run with STREAMLIT_SECRETS_FILES=<secrets>; click "Sign in"
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey

#: the redirect URI Streamlit fills in with its own port (``server.port``) when it reads the secrets
STREAMLIT_REDIRECT_URI = "http://127.0.0.1:{port}/oauth2callback"


@dataclass
class _Grant:
    """One issued authorization code: who signed in and what the token request must match."""

    email: str
    nonce: str | None
    redirect_uri: str
    code_challenge: str | None


@dataclass
class OidcProvider:
    """The running provider; :func:`oidc_provider` makes one.

    Attributes
    ----------
    url : str
        The issuer, e.g. ``http://127.0.0.1:40123`` (its discovery document is at
        ``{url}/.well-known/openid-configuration``).
    client_id, client_secret : str
        The only client it accepts (:meth:`secrets_toml` writes them for Streamlit).
    next_user : str
        Email of the user the next ``/authorize`` request signs in (``name`` is its local part,
        capitalised: ``alice@example.org`` is "Alice").
    authorized : list of str
        Email of every user ``/authorize`` signed in (and redirected back with a code), in order.
    issued : list of str
        Email of every ``id_token`` issued by ``/token``, in order: proof that a sign-in went all the
        way through the code exchange.
    """

    url: str
    client_id: str = "needsmap-test"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    next_user: str = "alice@example.org"
    authorized: list[str] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    _key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(
        2048, parameters={"use": "sig", "alg": "RS256"}, private=True, auto_kid=True))
    _grants: dict[str, _Grant] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def secrets_toml(self, redirect_uri: str = STREAMLIT_REDIRECT_URI) -> str:
        """The ``[auth]`` section of a Streamlit ``secrets.toml`` that signs in with this provider.

        Parameters
        ----------
        redirect_uri : str
            Streamlit's callback URL, ``http://127.0.0.1:<port>/oauth2callback``. The default keeps
            ``{port}``, which Streamlit replaces with the port it serves on, so the file can be
            written before the server's port is known.

        Returns
        -------
        str
            TOML text: ``redirect_uri``, a random ``cookie_secret``, ``client_id``,
            ``client_secret`` and ``server_metadata_url`` (the default, unnamed provider, so the
            app calls ``st.login()`` without a name).
        """
        values = {
            "redirect_uri": redirect_uri,
            "cookie_secret": secrets.token_urlsafe(32),
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "server_metadata_url": f"{self.url}/.well-known/openid-configuration",
        }
        return "[auth]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())

    # ------------------------------------------------------------------------- endpoints
    def metadata(self) -> dict[str, Any]:
        """The discovery document (``/.well-known/openid-configuration``)."""
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nonce", "email",
                                 "email_verified", "name"],
        }

    def jwks(self) -> dict[str, Any]:
        """The public signing key as a JWK set (``/jwks``)."""
        return {"keys": [self._key.as_dict(private=False)]}

    def authorize(self, query: dict[str, str]) -> str:
        """Sign :attr:`next_user` in: the URL ``/authorize`` redirects the browser to.

        Raises
        ------
        ValueError
            When the request is not one this provider's client may make (the handler answers 400
            with the message).
        """
        if query.get("client_id") != self.client_id:
            raise ValueError(f"unknown client_id {query.get('client_id')!r}")
        if query.get("response_type") != "code":
            raise ValueError(f"response_type must be 'code', not {query.get('response_type')!r}")
        redirect_uri = query.get("redirect_uri", "")
        if not (redirect_uri.startswith("http://127.0.0.1:")
                and redirect_uri.endswith("/oauth2callback")):
            raise ValueError(f"redirect_uri {redirect_uri!r} is not a local /oauth2callback")
        if "openid" not in query.get("scope", "").split():
            raise ValueError("scope must include 'openid'")
        challenge = query.get("code_challenge")
        if challenge is not None and query.get("code_challenge_method") != "S256":
            raise ValueError("code_challenge_method must be S256")
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._grants[code] = _Grant(self.next_user, query.get("nonce"), redirect_uri, challenge)
            self.authorized.append(self.next_user)
        back = {"code": code, **({"state": query["state"]} if "state" in query else {})}
        return f"{redirect_uri}?{urlencode(back)}"

    def token(self, form: dict[str, str], authorization: str | None) -> dict[str, Any]:
        """Exchange a code for tokens (``/token``): ``access_token`` and an RS256 ``id_token``.

        Raises
        ------
        ValueError
            On wrong client credentials, an unknown or used code, a different ``redirect_uri`` or
            a PKCE verifier that does not match (the handler answers 400 ``invalid_grant``).
        """
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.startswith("Basic "):
            raw = base64.b64decode(authorization[6:]).decode()
            client_id, _, client_secret = (unquote_plus(p) for p in raw.partition(":"))
        if client_id != self.client_id or client_secret != self.client_secret:
            raise ValueError("wrong client credentials")
        if form.get("grant_type") != "authorization_code":
            raise ValueError(f"grant_type must be authorization_code, not {form.get('grant_type')!r}")
        with self._lock:
            grant = self._grants.pop(form.get("code", ""), None)
        if grant is None:
            raise ValueError("unknown or already used code")
        if form.get("redirect_uri") != grant.redirect_uri:
            raise ValueError("redirect_uri differs from the authorization request's")
        if grant.code_challenge is not None:
            verifier = form.get("code_verifier", "").encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
            if digest.decode() != grant.code_challenge:
                raise ValueError("code_verifier does not match the code_challenge")
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.url, "aud": self.client_id, "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, grant.email)),
            "email": grant.email, "email_verified": True,
            "name": grant.email.split("@")[0].capitalize(), "iat": now, "exp": now + 600,
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        id_token = jwt.encode({"alg": "RS256", "kid": self._key.kid, "typ": "JWT"}, claims, self._key)
        with self._lock:
            self.issued.append(grant.email)
        return {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer",
                "expires_in": 600, "id_token": id_token, "scope": "openid email profile"}


def _handler(idp: OidcProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            return

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            url = urlparse(self.path)
            if url.path == "/.well-known/openid-configuration":
                self._json(200, idp.metadata())
            elif url.path == "/jwks":
                self._json(200, idp.jwks())
            elif url.path == "/authorize":
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                try:
                    target = idp.authorize(query)
                except ValueError as e:
                    self._json(400, {"error": "invalid_request", "error_description": str(e)})
                    return
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            if urlparse(self.path).path != "/token":
                self._json(404, {"error": "not_found"})
                return
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            form = {k: v[0] for k, v in parse_qs(body).items()}
            try:
                self._json(200, idp.token(form, self.headers.get("Authorization")))
            except ValueError as e:
                self._json(400, {"error": "invalid_grant", "error_description": str(e)})

    return Handler


@contextmanager
def oidc_provider() -> Iterator[OidcProvider]:
    """Run an :class:`OidcProvider` on a free port of 127.0.0.1 for the ``with`` block.

    Yields
    ------
    OidcProvider
        The running provider (``.url``, ``.next_user``, ``.secrets_toml()``, ``.authorized``,
        ``.issued``); the
        server stops when the block ends.
    """
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    idp = OidcProvider(url=f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(idp)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="oidc-provider", daemon=True)
    thread.start()
    try:
        yield idp
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
