"""Sign-in works end to end in a real headless Chromium, with no network: ``st.login()`` against the
local OpenID Connect provider of ``tests/oidc_provider.py``.

The server is ``streamlit run tests/browser/apps/signin_probe.py`` with an ``[auth]`` secrets file
passed as ``STREAMLIT_SECRETS_FILES`` (the ``--secrets.files`` option); its ``redirect_uri`` keeps
``{port}``, which Streamlit fills in with the port it serves on. Each ``browser.new_page()`` is its
own browser context (its own cookies), so each page is one person's browser.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import _LOCAL, streamlit_server, wait_idle
from tests.conftest import ROOT
from tests.oidc_provider import OidcProvider, oidc_provider

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.demo]

PROBE = ROOT / "tests" / "browser" / "apps" / "signin_probe.py"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def signin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, OidcProvider]]:
    """The probe app served with sign-in through a local provider; yields (base URL, provider)."""
    tmp = tmp_path_factory.mktemp("signin")
    with oidc_provider() as idp:
        secrets = tmp / "secrets.toml"
        secrets.write_text(idp.secrets_toml())
        with streamlit_server(tmp, PROBE, STREAMLIT_SECRETS_FILES=str(secrets)) as url:
            yield url, idp


def open_probe(browser: Browser, url: str) -> tuple[Page, list[str]]:
    """A new browser context on the probe page, once it has run; also the list of every request the
    page makes to anything but 127.0.0.1 (it must stay empty: the test runs offline)."""
    page = browser.new_page(viewport={"width": 900, "height": 500})
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(_LOCAL) else outside.append(r.url))
    page.goto(url, timeout=TIMEOUT_MS)
    page.get_by_text("Sign-in probe").wait_for(timeout=TIMEOUT_MS)
    wait_idle(page, TIMEOUT_MS)
    return page, outside


def sign_in(browser: Browser, url: str, idp: OidcProvider, email: str) -> Page:
    """Open the probe in a fresh context and sign in as ``email`` through the provider."""
    idp.next_user = email
    page, outside = open_probe(browser, url)
    page.get_by_text("Not signed in").wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in as {email}").wait_for(timeout=TIMEOUT_MS)
    wait_idle(page, TIMEOUT_MS)
    assert page.url.rstrip("/") == url, f"sign-in did not come back to the app: {page.url}"
    assert not outside, f"the page asked the network for {outside[:3]}"
    return page


def test_each_browser_signs_in_as_its_own_user(signin_server: tuple[str, OidcProvider],
                                               browser: Browser, artifacts: Path) -> None:
    url, idp = signin_server
    issued_before = len(idp.issued)
    alice = sign_in(browser, url, idp, "alice@example.org")
    assert alice.get_by_text("Signed in as alice@example.org (Alice)").count() == 1
    alice.screenshot(path=str(artifacts / "signin_probe.png"), full_page=True)

    bob = sign_in(browser, url, idp, "bob@example.org")
    assert bob.get_by_text("Signed in as bob@example.org (Bob)").count() == 1
    assert idp.issued[issued_before:] == ["alice@example.org", "bob@example.org"]

    # Alice's browser keeps Alice after Bob signed in elsewhere, also on a new session (reload)
    alice.reload()
    alice.get_by_text("Signed in as alice@example.org").wait_for(timeout=TIMEOUT_MS)
    wait_idle(alice, TIMEOUT_MS)
    assert not alice.get_by_text("bob@example.org").count()

    # a third browser shares neither cookie: not signed in
    stranger, _ = open_probe(browser, url)
    assert stranger.get_by_text("Not signed in").count() == 1
    assert not stranger.get_by_text("Signed in as").count()
    for page in (alice, bob, stranger):
        page.close()


def test_sign_out_forgets_the_user(signin_server: tuple[str, OidcProvider], browser: Browser) -> None:
    url, idp = signin_server
    page = sign_in(browser, url, idp, "carol@example.org")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("Not signed in").wait_for(timeout=TIMEOUT_MS)
    wait_idle(page, TIMEOUT_MS)
    page.reload()  # the cookie is gone too, not just this session's user
    page.get_by_text("Not signed in").wait_for(timeout=TIMEOUT_MS)
    wait_idle(page, TIMEOUT_MS)
    assert not page.get_by_text("carol@example.org").count()
    page.close()


def test_a_refused_code_exchange_leaves_the_user_signed_out(
        signin_server: tuple[str, OidcProvider], browser: Browser) -> None:
    """The harness can fail: when the provider refuses Streamlit's client secret at ``/token``,
    the browser comes back to the app signed out and no id_token is issued."""
    url, idp = signin_server
    idp.next_user = "mallory@example.org"
    issued_before = len(idp.issued)
    real_secret, idp.client_secret = idp.client_secret, "not-the-secret-streamlit-has"
    try:
        page, outside = open_probe(browser, url)
        # /auth/login -> the provider's /authorize -> /oauth2callback (code exchange refused) -> /
        with page.expect_navigation(url=f"{url}/", timeout=TIMEOUT_MS):
            page.get_by_role("button", name="Sign in").click()
        page.get_by_text("Not signed in").wait_for(timeout=TIMEOUT_MS)
        wait_idle(page, TIMEOUT_MS)
    finally:
        idp.client_secret = real_secret
    assert idp.authorized[-1:] == ["mallory@example.org"]  # the browser did go through the provider
    assert not page.get_by_text("mallory@example.org").count()
    assert len(idp.issued) == issued_before
    assert not outside, f"the page asked the network for {outside[:3]}"
    page.close()
