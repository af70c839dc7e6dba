"""Registers page, the register as every page's list, edits on the Organisations page, saved views
and workspaces, through the real router (AppTest). Figures come from the raw Charity Commission CSV."""

from __future__ import annotations

import csv
import io

import pytest
from streamlit.testing.v1 import AppTest

from needsmap.store import registers as rg
from needsmap.store.workspaces import LOCAL_SLUG, create_workspace, get_workspace
from tests.conftest import ROOT, open_app

RAW = ROOT.parent / "shared" / "data" / "organisations" / "charity_register_trafford_2023.csv"
AUTH = {"auth": {"redirect_uri": "http://127.0.0.1:1/oauth2callback", "cookie_secret": "x" * 32,
                 "client_id": "needsmap", "client_secret": "s",
                 "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration"}}


def _raw_rows() -> tuple[list[str], list[dict[str, str]]]:
    with RAW.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _csv(fields: list[str], rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=fields)
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture()
def fresh_db(db_url: str) -> str:  # noqa: F811 - the fixture of tests/dbs.py, by name
    return db_url


def _make_register(at: AppTest, name: str, data: bytes) -> AppTest:
    at.switch_page("app_pages/registers.py").run()
    if any(r.key == "reg_new_source" for r in at.radio):  # offered when a list is in use elsewhere
        at.radio(key="reg_new_source").set_value("upload").run()
    at.file_uploader(key="reg_new_upload").set_value(("trafford.csv", data, "text/csv")).run()
    at.text_input(key="reg_new_name").input(name).run()
    at.button(key="reg_new_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_make_merge_use_close_register(fresh_db: str) -> None:
    fields, rows = _raw_rows()
    at = open_app("app_pages/registers.py")
    assert any("no register yet" in i.value for i in at.info)
    at = _make_register(at, "Trafford charities", _csv(fields, rows))
    assert [s.value for s in at.success] == [f"Made the register Trafford charities: {len(rows):,} organisations."]
    table = next(d.value for d in at.dataframe if "Register" in d.value.columns)
    assert table["Register"].tolist() == ["Trafford charities"]
    assert table["Organisations"].tolist() == [len(rows)]

    # a new version: 2 gone, 3 new, 1 postcode changed (to another row's real postcode)
    edited = [dict(r) for r in rows[2:]]
    edited[0]["charity_contact_postcode"] = rows[10]["charity_contact_postcode"]
    for i in range(3):
        new = dict(rows[20 + i])
        new["registered_charity_number"] = str(9_900_001 + i)
        new["charity_name"] = f"NEW GROUP {i}"
        edited.append(new)
    at.file_uploader(key="reg_merge_upload_1_0").set_value(("trafford_v2.csv", _csv(fields, edited), "text/csv")).run()
    unchanged = len(rows) - 2 - 1
    assert f"3 new, 1 changed, 2 gone ({unchanged:,} unchanged)" in [m.value.lstrip("# ") for m in at.markdown]
    at.button(key="reg_merge_go_1").click().run()
    assert not at.exception
    assert any(f"now holds {len(rows) + 3:,} organisations, 2 closed" in s.value for s in at.success)

    # every page now uses it: the Organisations page counts the register's rows
    at.button(key="reg_use").click().run()
    assert not at.exception
    at.switch_page("app_pages/organisations.py")  # AppTest's later runs stay on the page it switched to
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows in the list"] == f"{len(rows) + 3:,}"
    ws = get_workspace(LOCAL_SLUG, fresh_db)
    info, reg = rg.register_table(ws, "Trafford charities", fresh_db)
    target = int(reg.index[reg["org_name"] == rows[5]["charity_name"]][0])
    at.selectbox(key="orgs_reg_pick").set_value(target).run()
    at.button(key="orgs_reg_close").click().run()
    assert not at.exception
    assert any("Saved 1 change" in s.value for s in at.success)
    _, after = rg.register_table(ws, "Trafford charities", fresh_db)
    assert after.at[target, "org_closed"]
    assert after.at[target, "closed_by"] == "local user"
    hist = rg.history(ws, "Trafford charities", url=fresh_db)
    assert hist.iloc[0]["What"] == "closed" and hist.iloc[0]["Row"] == target


def _saved_view(at: AppTest) -> str:
    at.button(key="nm_save_view").click().run()
    assert not at.exception
    vid, link = at.session_state["nm_view_saved"]
    assert link.endswith(f"?view={vid}")
    assert any(c.value == link for c in at.code)
    return str(vid)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_saved_view_restores_page_area_measure_register(fresh_db: str) -> None:
    fields, rows = _raw_rows()
    at = open_app("app_pages/registers.py", area="E08000009")  # Trafford
    at = _make_register(at, "Trafford charities", _csv(fields, rows))
    at.button(key="reg_use").click().run()
    at.switch_page("app_pages/gaps.py").run()
    assert not at.exception
    assert at.radio(key="gaps_layer_source").value == "register"
    at.slider(key="gaps_radius").set_value(1.5).run()
    at.selectbox(key="gaps_need").set_value("health").run()
    assert at.session_state["nm_area"].code == "E08000009"
    vid = _saved_view(at)

    fresh = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    fresh.query_params["view"] = vid
    fresh.run()
    assert not fresh.exception, [e.value for e in fresh.exception]
    assert any(f"Opened saved view {vid}" in i.value for i in fresh.info)
    fresh.switch_page("app_pages/gaps.py").run()  # AppTest does not follow st.switch_page itself
    assert fresh.session_state["nm_area"].code == "E08000009"
    assert fresh.slider(key="gaps_radius").value == 1.5
    assert fresh.selectbox(key="gaps_need").value == "health"
    assert fresh.radio(key="gaps_layer_source").value == "register"
    assert fresh.selectbox(key="gaps_layer_register").value == "Trafford charities"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_signed_in_users_see_only_their_workspaces(fresh_db: str) -> None:
    team = create_workspace("trafford-team", "Trafford team", ["alice@example.org"], url=fresh_db)
    from needsmap.orgs import import_file

    rg.create_register(team, "Team list", import_file(RAW, filename=RAW.name), "alice@example.org", url=fresh_db)

    def signed_in(email: str, **query: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
        at.secrets.update(AUTH)  # sign-in configured
        at.user = {"is_logged_in": True, "email": email, "name": email}
        for k, v in query.items():
            at.query_params[k] = v
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    alice = signed_in("alice@example.org")
    alice.switch_page("app_pages/registers.py").run()
    assert any(c.value.startswith("Signed in as alice") for c in alice.caption)
    assert next(d.value for d in alice.dataframe if "Register" in d.value.columns)["Register"].tolist() == ["Team list"]
    vid = _saved_view(alice)

    bob = signed_in("bob@example.org", view=vid)
    assert any("no saved view" in w.value for w in bob.warning)
    bob.switch_page("app_pages/registers.py").run()
    assert any("no register yet" in i.value for i in bob.info)  # his own new workspace is empty
    assert not any("Team list" in str(d.value) for d in bob.dataframe)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_signed_out_user_is_asked_to_sign_in(db_url: str) -> None:  # noqa: F811
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.secrets.update(AUTH)
    at.user = {"is_logged_in": False}
    at.query_params["view"] = "abc"
    at.run()
    assert not at.exception
    assert any("Sign in, then open the link again" in w.value for w in at.warning)
    at.switch_page("app_pages/registers.py").run()
    assert any("Sign in to see your team's registers" in i.value for i in at.info)
    assert [b.label for b in at.button if b.key == "reg_signin"] == ["Sign in"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_hostile_register_name_is_shown_as_text(fresh_db: str) -> None:
    from needsmap.orgs import import_file

    name = "![x](http://127.0.0.1:9/i.png) <b>bold</b> [Click](#)"
    ws = get_workspace(LOCAL_SLUG, fresh_db)
    rg.create_register(ws, name, import_file(RAW, filename=RAW.name), "local user", url=fresh_db)
    at = open_app("app_pages/organisations.py")
    at.radio(key="orgs_source").set_value("register").run()
    assert not at.exception
    heading = next(h.value for h in at.subheader if h.value.startswith("Keep the register up to date"))
    assert "![x](" not in heading and "[Click](#)" not in heading  # escaped: shown, never fetched
    assert "<b>" not in heading and "Click" in heading and "i.png" in heading
    at.switch_page("app_pages/registers.py").run()
    assert not at.exception
    texts = [c.value for c in at.caption] + [c.label for c in at.checkbox]
    assert texts and not any("![x](" in t for t in texts)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_editor_table_edits_are_saved_with_their_placement(fresh_db: str) -> None:
    import datetime as dt

    from needsmap.orgs import import_file
    from needsmap.ui.register_editor import CLOSED, POSTCODE, ROW, editor_frame, edits_from

    _, rows = _raw_rows()
    ws = get_workspace(LOCAL_SLUG, fresh_db)
    rg.create_register(ws, "T", import_file(RAW, filename=RAW.name), "ann", url=fresh_db)
    _, table = rg.register_table(ws, "T", fresh_db)
    shown = editor_frame(table)
    placed = table[table["status"] == "ok"]
    a, b = int(placed.index[0]), int(placed.index[-1])
    assert placed.at[a, "lsoa21_code"] != placed.at[b, "lsoa21_code"]
    after = shown.copy()
    after.loc[after[ROW] == a, POSTCODE] = str(table.at[b, "org_postcode"])  # a's postcode fixed to b's
    after.loc[after[ROW] == b, CLOSED] = dt.date(2026, 11, 30)
    edits = edits_from(shown, after, table["row_version"])
    assert sorted(e.row_id for e in edits) == sorted([a, b])
    rg.edit_rows(ws, "T", edits, "ann", url=fresh_db)
    _, now = rg.register_table(ws, "T", fresh_db)
    assert now.at[a, "lsoa21_code"] == table.at[b, "lsoa21_code"]  # placed again by its new postcode
    assert now.at[b, "closed_date"] == "2026-11-30" and now.at[b, "closed_by"] == "ann"
    assert len(now) == len(rows)
    assert edits_from(editor_frame(now), editor_frame(now), now["row_version"]) == []


@pytest.mark.expect_page_error("was changed by local user")
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_second_writer_is_told_and_shown_the_other_change(fresh_db: str) -> None:
    from needsmap.orgs import import_file

    ws = get_workspace(LOCAL_SLUG, fresh_db)
    rg.create_register(ws, "T", import_file(RAW, filename=RAW.name), "ann", url=fresh_db)
    _, table = rg.register_table(ws, "T", fresh_db)
    rid = int(table.index[3])
    rg.edit_rows(ws, "T", [rg.RowEdit(rid, int(table.at[rid, "row_version"]), {"org_category": "early"})],
                 "ann", url=fresh_db)  # an older change: not "theirs" for a page opened after it
    at = open_app("app_pages/organisations.py")
    at.radio(key="orgs_source").set_value("register").run()
    at.selectbox(key="orgs_reg_pick").set_value(rid).run()  # the page has read the row
    _, now = rg.register_table(ws, "T", fresh_db)
    rg.edit_rows(ws, "T", [rg.RowEdit(rid, int(now.at[rid, "row_version"]), {"org_name": "RENAMED BY BOB"})],
                 "local user", url=fresh_db)  # someone else, in between
    at.button(key="orgs_reg_close").click().run()
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "nothing of yours was saved" in errors[0]
    theirs = next(m.value for m in at.markdown if m.value.startswith("**Their change:**"))
    assert theirs.count("\n- ") == 1 and "RENAMED BY BOB" in theirs and "early" not in theirs
    mine = next(m.value for m in at.markdown if m.value.startswith("**Yours, not saved**"))
    assert f"row {rid}: closed" in mine
    _, after = rg.register_table(ws, "T", fresh_db)
    assert not after.at[rid, "org_closed"] and after.at[rid, "org_name"] == "RENAMED BY BOB"
    at.button(key="orgs_reg_reload_conflict").click().run()
    assert not at.error and not at.exception
