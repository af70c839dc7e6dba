"""Team registers in real Chromium, signed in through the local OpenID Connect provider
(``tests/oidc_provider.py``), on the full England data.

Alice (a member of the workspace ``trafford-team``) makes a register from the raw Charity Commission
file for Trafford on the Registers page (registers_page.png), uses it on every page, closes one
charity on the Organisations page, shades the map by another measure and saves the view. Bob (a
member) opens her link in his own browser: the same page, area, measure, register and closed
charity (registers_view_bob.png). Carol (not a member: she gets a workspace of her own) opens it too
and sees nothing of the team's (registers_view_carol.png, registers_carol_registers.png).

Each ``browser.new_page()`` is its own browser context (its own cookies): one person's browser.
Sign-in comes back to ``/``, not to the page it started on, so each person signs in first and then
opens the page or link.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import time
from collections import Counter
from typing import TYPE_CHECKING

import pytest

from needsmap.measures import get_measure
from needsmap.safe_text import LINK_BREAK
from needsmap.store.registers import register_table
from needsmap.store.views import load_view
from needsmap.store.workspaces import create_workspace, get_workspace
from tests import raw
from tests.browser.conftest import (
    _LOCAL,
    assert_no_page_errors,
    streamlit_server,
    tall_screenshot,
)
from tests.oidc_provider import OidcProvider, oidc_provider

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from playwright.sync_api import Browser, Locator, Page

pytestmark = [pytest.mark.browser]

RAW = raw.path("organisations/charity_register_trafford_2023.csv")
TRAFFORD = "E08000009"
TEAM = "trafford-team"
REGISTER = "Trafford charities"
ALICE, BOB, CAROL = "alice@example.org", "bob@example.org", "carol@example.org"
#: a measure other than the map's default (the first of the Organisations page's measures)
MEASURE = "health"
LONG = 180_000


def _raw_rows() -> list[dict[str, str]]:
    with RAW.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def team_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, OidcProvider, str]]:
    """The dashboard (``serve.py``) with sign-in through a local provider and its own SQLite
    database holding the workspace ``trafford-team`` (Alice and Bob); yields (base URL, provider,
    database URL)."""
    tmp = tmp_path_factory.mktemp("registers")
    db_url = f"sqlite:///{tmp}/db.sqlite"
    create_workspace(TEAM, "Trafford team", [ALICE, BOB], url=db_url)
    with oidc_provider() as idp:
        secrets = tmp / "secrets.toml"
        secrets.write_text(idp.secrets_toml())
        with streamlit_server(tmp, STREAMLIT_SECRETS_FILES=str(secrets), NEEDSMAP_DATABASE_URL=db_url) as url:
            yield url, idp, db_url


def _new_page(browser: Browser) -> tuple[Page, list[str]]:
    """A new browser context, and the list of every request it makes to anything but 127.0.0.1."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(_LOCAL) else outside.append(r.url))
    return page, outside


def _settle(page: Page) -> None:
    """Wait until Streamlit has finished running (no 'Running…' indicator for 0.75 s).

    Lighter than :func:`~tests.browser.conftest.wait_idle`, which also gives maps time to draw;
    the screenshots use that.
    """
    deadline = time.time() + LONG / 1000
    time.sleep(0.5)
    quiet = 0
    while quiet < 3:
        assert time.time() < deadline, "Streamlit kept running"
        quiet = 0 if page.locator("[data-testid='stStatusWidget']").count() else quiet + 1
        time.sleep(0.25)


def _goto(page: Page, url: str, wait_text: str) -> None:
    page.goto(url, timeout=LONG)
    page.get_by_text(wait_text).first.wait_for(timeout=LONG)
    _settle(page)


def _shown(text: str) -> str:
    """``text`` as the page shows an e-mail address in it: an invisible :data:`LINK_BREAK` after
    each ``@`` (so that it is not made a link)."""
    return text.replace("@", "@" + LINK_BREAK)


def _sign_in(browser: Browser, url: str, idp: OidcProvider, email: str) -> tuple[Page, list[str]]:
    """A fresh browser signed in as ``email`` (started from the light Registers page; the provider
    sends it back to ``/``)."""
    idp.next_user = email
    page, outside = _new_page(browser)
    _goto(page, f"{url}/registers", "Sign in to see your team's registers.")
    page.locator("[data-testid='stSidebar']").get_by_role("button", name="Sign in").click()
    # back on "/" (the Explore page): signed in once the sidebar says so (drawn before the page)
    page.get_by_text(_shown(f"Signed in as {email}")).wait_for(timeout=LONG)
    assert page.url.split("?")[0].rstrip("/") == url, f"sign-in did not come back to the app: {page.url}"
    assert idp.issued[-1] == email
    return page, outside


def _pick(page: Page, label: str, typed: str, option: str) -> None:
    """Choose ``option`` in the selectbox ``label`` as a user does: click, type, click the suggestion."""
    page.get_by_role("combobox", name=label, exact=True).click(timeout=LONG)
    page.keyboard.type(typed, delay=15)
    page.get_by_role("option", name=option, exact=True).click(timeout=LONG)
    _settle(page)


def _selected(page: Page, label: str) -> str:
    """What the selectbox ``label`` shows as chosen (the text of its box)."""
    return page.get_by_role("combobox", name=label, exact=True).input_value().strip()


def _page_text(page: Page) -> str:
    """Everything the page shows as text: its body's text and the text of every input (a selectbox
    shows its choice as its input's value)."""
    values = page.locator("input, textarea").evaluate_all("els => els.map(e => e.value)")
    return "\n".join([page.locator("body").inner_text(), *map(str, values)])


def _sidebar(page: Page) -> Locator:
    return page.locator("[data-testid='stSidebar']")


def test_register_closed_and_shared_through_a_saved_view(
        team_server: tuple[str, OidcProvider, str], browser: Browser, artifacts: Path) -> None:
    url, idp, db_url = team_server
    rows = _raw_rows()
    team = get_workspace(TEAM, db_url)

    # ---- Alice makes the register from the raw file
    alice, alice_out = _sign_in(browser, url, idp, ALICE)
    _goto(alice, f"{url}/registers?area={TRAFFORD}", "This workspace has no register yet")
    assert _sidebar(alice).get_by_text("Workspace: Trafford team").count() == 1
    alice.locator("input[type='file']").first.set_input_files(str(RAW))
    name_box = alice.get_by_label("Name of the register")
    name_box.wait_for(timeout=LONG)
    name_box.fill(REGISTER)
    name_box.press("Enter")
    _settle(alice)
    alice.get_by_role("button", name="Make the register").click()
    made = f"Made the register {REGISTER}: {len(rows):,} organisations."
    alice.get_by_text(made, exact=True).wait_for(timeout=LONG)
    tall_screenshot(alice, artifacts / "registers_page.png", height=1700)

    # the charity to close: open, placed in Trafford, its name once in the raw file
    trafford = raw.lad_lsoas(TRAFFORD, "2025")
    names = Counter(r["charity_name"] for r in rows)
    _, table = register_table(team, REGISTER, db_url)
    assert len(table) == len(rows)
    org_names = table["org_name"].fillna("").astype(str)
    ok = (table["lsoa21_code"].isin(trafford) & ~table["org_closed"].astype(bool)
          & org_names.map(lambda n: names.get(n) == 1) & org_names.str.fullmatch(r"[A-Z0-9 ]+"))
    rid = int(table.index[ok.to_numpy()][0])
    target = str(table.at[rid, "org_name"])
    option = f"{target} · {table.at[rid, 'org_postcode']} · row {rid}"

    # ---- every page uses it; Alice closes the charity on the Organisations page
    alice.get_by_role("button", name="Use it on every page").click()
    alice.get_by_text(f"Keep the register up to date: {REGISTER}").wait_for(timeout=LONG)
    _settle(alice)
    assert alice.get_by_text(f"{len(rows):,} organisations, 0 closed.").count() == 1
    _pick(alice, "Organisation", target, option)
    alice.get_by_role("button", name="Close it").click()
    alice.get_by_text(re.compile(rf"^Saved 1 change to the register {REGISTER}")).wait_for(timeout=LONG)
    _settle(alice)
    today = dt.date.today().isoformat()
    assert alice.get_by_text(f"{len(rows):,} organisations, 1 closed.").count() == 1
    label = get_measure(MEASURE).label
    _pick(alice, "Shade neighbourhoods by", label.split()[0], label)
    _sidebar(alice).get_by_role("button", name="Save this view").click()
    code = _sidebar(alice).locator("[data-testid='stCode'] code")
    code.wait_for(timeout=LONG)
    link = str(code.inner_text()).strip()
    match = re.fullmatch(rf"{re.escape(url)}/organisations\?view=(\w+)", link)
    assert match, f"not a view link of this server: {link!r}"
    vid = match.group(1)
    _settle(alice)

    # the database: the row closed today by Alice, the view in the team's workspace
    _, after = register_table(team, REGISTER, db_url)
    assert after.at[rid, "closed_date"] == today
    assert after.at[rid, "closed_by"] == ALICE
    assert int(after["org_closed"].astype(bool).sum()) == 1
    state = load_view(vid, [team], db_url).state
    assert (state["page"], state["area"], state["measure"]) == ("organisations", TRAFFORD, MEASURE)
    assert state["register"] == {"name": REGISTER, "workspace": TEAM}
    assert_no_page_errors(alice)
    alice.close()

    # ---- Bob opens the link in his own browser
    bob, bob_out = _sign_in(browser, url, idp, BOB)
    _goto(bob, link, f"Keep the register up to date: {REGISTER}")
    assert bob.locator("h1").filter(has_text=re.compile(r"^Organisations$")).count() == 1
    assert _sidebar(bob).get_by_text(_shown(f"Opened saved view {vid} (Trafford team), saved by {ALICE}")).count() == 1
    assert _sidebar(bob).get_by_text("Showing Trafford (local authority), IMD").count() == 1
    assert _selected(bob, "Local authority") == "Trafford"
    assert _selected(bob, "Shade neighbourhoods by") == label
    assert bob.get_by_role("radio", name="A team register").is_checked()
    assert _selected(bob, "Register") == REGISTER
    assert bob.get_by_text(f"{len(rows):,} organisations, 1 closed.").count() == 1
    _pick(bob, "Organisation", target, option)
    assert bob.get_by_text(f"Closed on {today}.", exact=True).count() == 1
    assert bob.get_by_role("button", name="Reopen it").count() == 1
    assert REGISTER in _page_text(bob)  # what Carol must not see is there to see
    bob.evaluate("() => document.querySelectorAll('*').forEach(e => { e.scrollTop = 0; })")  # the top
    tall_screenshot(bob, artifacts / "registers_view_bob.png", height=2600)
    assert_no_page_errors(bob)
    bob.close()

    # ---- Carol (no member) opens it: nothing of the team's
    carol, carol_out = _sign_in(browser, url, idp, CAROL)
    _goto(carol, link, "There is no saved view")
    warning = _sidebar(carol).locator("[data-testid='stAlertContentWarning']")
    assert "There is no saved view" in warning.inner_text()
    assert REGISTER not in _page_text(carol)
    tall_screenshot(carol, artifacts / "registers_view_carol.png", height=1600)
    _sidebar(carol).get_by_role("link", name="Registers").click()
    carol.get_by_text("This workspace has no register yet").wait_for(timeout=LONG)
    _settle(carol)
    assert _sidebar(carol).get_by_text(_shown(f"Workspace: {CAROL}'s workspace")).count() == 1
    assert REGISTER not in _page_text(carol)
    carol.screenshot(path=str(artifacts / "registers_carol_registers.png"), full_page=True)
    assert_no_page_errors(carol)
    carol.close()
    for who, outside in (("Alice", alice_out), ("Bob", bob_out), ("Carol", carol_out)):
        assert not outside, f"{who}'s browser asked the network for {outside[:3]}"
