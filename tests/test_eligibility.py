"""Eligibility checker: the engine against the raw CSVs, rules as JSON and as a link, the CLI, the page."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from needsmap.analysis import eligibility as el
from needsmap.analysis.eligibility import Rule, RuleSet
from needsmap.cli import main
from needsmap.config import MAX_UPLOAD_MB
from needsmap.errors import ValidationError
from needsmap.orgs.importer import import_file
from tests import raw
from tests.conftest import download_bytes, open_app
from tests.eligibility_rows import RULES_QUERY, applicant_csv, applicant_list

RULES = RuleSet.from_query(RULES_QUERY)


@pytest.fixture(scope="module")
def raw25() -> pd.DataFrame:
    imd = raw.imd("2025")
    ruc = raw.csv("geography/lsoa21_ruc21.csv").set_index("lsoa21_code")["urban_rural"]
    return imd.join(ruc)


# ----------------------------------------------------------------------------- engine vs raw
@pytest.mark.parametrize("combine", ["any", "all"])
def test_every_lsoa_against_an_independent_computation(table25: pd.DataFrame, raw25: pd.DataFrame,
                                                      combine: str) -> None:
    rules = RuleSet("2025", (Rule("imd", "decile", 2, 3), Rule("health", "rank", 3000),
                             Rule("income", "rank", 5000, 8000)), combine)  # type: ignore[arg-type]
    got = el.evaluate(pd.Series(raw25.index), rules, table25)
    rural = (raw25["urban_rural"] == "Rural").to_numpy()
    a = raw25["IMD_decile"].to_numpy() <= pd.Series(rural).map({True: 3, False: 2}).to_numpy()
    b = raw25["Health_rank"].to_numpy() <= 3000
    c = raw25["Income_rank"].to_numpy() <= pd.Series(rural).map({True: 8000, False: 5000}).to_numpy()
    want = (a | b | c) if combine == "any" else (a & b & c)
    assert got["eligible"].notna().all()
    assert (got["eligible"].to_numpy(dtype=bool) == want).all()
    assert (got["rules_met"].to_numpy(dtype=int) == a.astype(int) + b + c).all()
    assert 0 < want.sum() < len(want)
    # the rural threshold matters: rural decile-3 LSOAs meet the IMD rule, urban ones do not
    decile3 = raw25["IMD_decile"].to_numpy() == 3
    assert (got["rules_met"].to_numpy(dtype=int)[rural & decile3] >= 1).all()
    assert set(got["reason"][rural & decile3].str.contains("IMD 2025 decile 3, rural: threshold 1–3 (met)", regex=False)) == {True}
    assert set(got["reason"][~rural & decile3].str.contains("IMD 2025 decile 3, urban: threshold 1–2 (not met)", regex=False)) == {True}


def test_2019_edition_against_raw_imd2019(table19: pd.DataFrame) -> None:
    imd = raw.imd("2019")
    rules = RuleSet("2019", (Rule("crime", "decile", 1), Rule("imd", "rank", 6000)), "all")
    got = el.evaluate(list(imd.index), rules, table19)
    want = (imd["Crime_decile"] <= 1).to_numpy() & (imd["IMD_rank"] <= 6000).to_numpy()
    assert (got["eligible"].to_numpy(dtype=bool) == want).all()
    assert want.sum() > 100


def test_reasons_in_words(table25: pd.DataFrame, raw25: pd.DataFrame) -> None:
    urban3 = raw25[(raw25["urban_rural"] == "Urban") & (raw25["IMD_decile"] == 3)].index[0]
    rural = raw25[(raw25["urban_rural"] == "Rural") & (raw25["Health_rank"] > 3000)].index[0]
    one = RuleSet("2025", (Rule("imd", "decile", 2),))
    got = el.evaluate([urban3, " e01000001 ".upper(), "E01999999", ""], one, table25)
    assert got["reason"].iloc[0] == "IMD 2025 decile 3, urban: threshold 1–2 (not met)"
    assert got["eligible"].tolist()[0] is False
    assert got["lsoa_code"].iloc[1] == "E01000001"
    assert pd.isna(got["eligible"].iloc[2]) and "not an LSOA 2021 code" in got["reason"].iloc[2]
    assert pd.isna(got["eligible"].iloc[3]) and got["reason"].iloc[3] == "no LSOA code"
    health = RuleSet("2025", (Rule("health", "rank", 1000, 3000), Rule("imd", "decile", 1)), "any")
    r = el.evaluate([rural], health, table25)["reason"].iloc[0]
    hr = int(raw25.loc[rural, "Health_rank"])
    d = int(raw25.loc[rural, "IMD_decile"])
    assert r == (f"0 of 2 rules met (any one needed): Health deprivation and disability rank {hr:,}, "
                 f"rural: threshold rank ≤ 3,000 (not met); IMD 2025 decile {d}, rural: threshold 1 "
                 "(not met)")


def test_a_rural_threshold_needs_the_classification(table25: pd.DataFrame) -> None:
    bare = table25.drop(columns=["urban_rural"])
    with pytest.raises(ValidationError, match="urban_rural"):
        el.evaluate(["E01000001"], RULES, bare)
    plain = el.evaluate(["E01000001"], RuleSet("2025", (Rule("imd", "decile", 9),)), bare)
    assert plain["reason"].iloc[0] == "IMD 2025 decile 8: threshold 1–9 (met)"


# ----------------------------------------------------------------------------- JSON and link
SETS = [
    RULES,
    RuleSet("2019", (Rule("crime", "decile", 1),), "all"),
    RuleSet("2025", (Rule("cni", "rank", 3375, 5000), Rule("adult_skills", "decile", 10, 1),
                     Rule("imd", "rank", 33_755)), "all"),
]


@pytest.mark.parametrize("rules", SETS, ids=lambda r: r.to_query())
def test_json_and_link_round_trip_exactly(rules: RuleSet) -> None:
    text = rules.to_json()
    assert RuleSet.from_json(text) == rules
    assert RuleSet.from_json(text).to_json() == text
    assert RuleSet.from_json(text.encode("utf-8")) == rules
    assert json.loads(text)["version"] == el.JSON_VERSION
    q = rules.to_query()
    assert RuleSet.from_query(q) == rules
    assert RuleSet.from_query(q).to_query() == q
    assert all(ch.isalnum() or ch in "._~" for ch in q)  # nothing a URL must escape


def test_known_link_reads_as_written() -> None:
    assert RuleSet("2025", (Rule("imd", "decile", 2, 3), Rule("health", "rank", 3000)), "any") == RULES


@pytest.mark.parametrize(("text", "message"), [
    ("{", "not valid JSON"),
    ("[]", "one JSON object"),
    ('{"edition": "2025", "combine": "any", "rules": []}', 'no "version" field'),
    ('{"version": 2, "edition": "2025", "combine": "any", "rules": []}', "version 2"),
    ('{"version": 1, "edition": "2025", "combine": "any", "rules": [], "colour": 1}', "Unknown field(s)"),
    ('{"version": 1, "edition": "2025", "combine": "any", "rules": []}', "no rules"),
    ('{"version": 1, "edition": "2031", "combine": "any", "rules": [{"measure": "imd", "threshold": "decile", '
     '"max": 2}]}', "edition"),
    ('{"version": 1, "edition": "2025", "combine": "some", "rules": [{"measure": "imd", "threshold": '
     '"decile", "max": 2}]}', "'any' or 'all'"),
    ('{"version": 1, "edition": "2025", "combine": "any", "rules": [{"measure": "imd", "max": 2}]}',
     "Rule 1 has no threshold"),
    ('{"version": 1, "edition": "2025", "combine": "any", "rules": [{"measure": "imd", "threshold": '
     '"decile", "max": 11}]}', "from 1 to 10"),
    ('{"version": 1, "edition": "2025", "combine": "any", "rules": [{"measure": "imd", "threshold": '
     '"rank", "max": 40000}]}', "from 1 to 33,755"),
    ('{"version": 1, "edition": "2025", "combine": "any", "rules": [{"measure": "imd", "threshold": '
     '"decile", "max": 2.5}]}', "whole number"),
    ('{"version": 1, "edition": "2025", "combine": "any", "rules": [{"measure": "furlough_rate", '
     '"threshold": "rank", "max": 2}]}', "not a rank-based measure"),
    ('{"version": 1, "edition": "2019", "combine": "any", "rules": [{"measure": "cni", "threshold": '
     '"rank", "max": 2}]}', "not a rank-based measure of the 2019"),
    ('{"version": 1, "edition": "2025", "combine": "any", "rules": [{"measure": "cni", "threshold": '
     '"decile", "max": 2}]}', "has no deciles"),
])
def test_bad_rules_files_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        RuleSet.from_json(text)
    assert message in str(info.value)


@pytest.mark.parametrize(("value", "message"), [
    ("imd.d.2", "not in the form"), ("2.2025.any~imd.d.2", "version '2'"), ("1.2025.any~imd.x.2", "Rule 1"),
    ("1.2025.any~imd.d.two", "Rule 1"), ("1.2025.any", "no rules"), ("1.2025.any~nope.d.2", "nope"),
])
def test_bad_links_say_what_is_wrong(value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RuleSet.from_query(value)


# ----------------------------------------------------------------------------- a list
def test_check_list_keeps_every_row(table25: pd.DataFrame) -> None:
    want = applicant_list()
    result = import_file(applicant_csv(), filename="applicants.csv")
    checked = el.check_list(result.table, RULES, table25, input_columns=result.columns)
    assert list(checked.columns) == ["name", "postcode", "lsoa_code", *el.OUT_COLUMNS]
    assert len(checked) == len(want) == 20
    assert checked["name"].tolist() == want["name"].tolist()
    assert checked[el.OUT_ELIGIBLE].tolist() == want["want"].tolist()
    assert checked[el.OUT_CODE].tolist() == want["want_code"].tolist()
    bad = checked[checked["name"] == "Bad applicant"].iloc[0]
    assert bad[el.OUT_ELIGIBLE] == "" and bad[el.OUT_REASON] == "not placed: postcode not found"
    assert el.counts(checked) == {"rows": 20, "eligible": int((want["want"] == "Yes").sum()),
                                  "not_eligible": int((want["want"] == "No").sum()), "not_placed": 1}
    assert el.not_placed(checked)["name"].tolist() == ["Bad applicant"]
    # which rows are uncertain (near an LSOA boundary) is in the download too: LSOA codes are exact
    assert bad[el.OUT_CONFIDENCE] == ""
    by_code = checked[checked["lsoa_code"].fillna("").astype(str).str.len() > 0]
    assert len(by_code) and set(by_code[el.OUT_CONFIDENCE]) == {"exact"}
    assert set(checked[el.OUT_CONFIDENCE]) <= {"exact", "sure", "uncertain", ""}


def test_input_columns_named_like_ours_are_kept_apart(table25: pd.DataFrame) -> None:
    data = b"Name,Postcode,Eligible,Reason\nA,B31 2LB,maybe,because\n"
    result = import_file(data, filename="a.csv")
    checked = el.check_list(result.table, RULES, table25, input_columns=result.columns)
    assert checked["Eligible (input)"].tolist() == ["maybe"]
    assert checked["Reason (input)"].tolist() == ["because"]
    assert checked[el.OUT_ELIGIBLE].tolist()[0] in (el.YES, el.NO)


# ----------------------------------------------------------------------------- command line
def test_cli_writes_csv_and_xlsx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lst = tmp_path / "applicants.csv"
    lst.write_bytes(applicant_csv())
    rules = tmp_path / "rules.json"
    rules.write_text(RULES.to_json(), encoding="utf-8")
    want = applicant_list()
    out = tmp_path / "out" / "checked.csv"
    assert main(["eligibility", str(lst), "--rules", str(rules), "--out", str(out)]) == 0
    got = raw.read_csv_bytes(out.read_bytes())
    assert got["Eligible"].tolist() == want["want"].tolist()
    assert got["LSOA code"].tolist() == want["want_code"].tolist()
    err = capsys.readouterr().err
    n_yes = int((want["want"] == "Yes").sum())
    assert f"{n_yes} eligible, {20 - n_yes - 1} not eligible, 1 not placed (of 20 rows)" in err
    assert "row 8: not placed: postcode not found" in err
    xlsx = tmp_path / "checked.xlsx"
    assert main(["eligibility", str(lst), "--rules", RULES_QUERY, "--out", str(xlsx)]) == 0
    book = pd.read_excel(xlsx, engine="openpyxl", dtype=str, keep_default_na=False)
    assert book["Eligible"].tolist() == want["want"].tolist()
    assert book["Reason"].tolist() == got["Reason"].tolist()


def test_cli_edition_override_and_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    imd19 = raw.imd("2019")
    codes = list(imd19.index[:30])
    lst = tmp_path / "l.csv"
    lst.write_text("name,lsoa11_code\n" + "".join(f"n{i},{c}\n" for i, c in enumerate(codes)), encoding="utf-8")
    assert main(["eligibility", str(lst), "--rules", "1.2025.any~imd.d.5", "--edition", "2019"]) == 0
    got = raw.read_csv_bytes(capsys.readouterr().out.encode("utf-8"))
    want = ["Yes" if d <= 5 else "No" for d in imd19.loc[codes, "IMD_decile"]]
    assert got["Eligible"].tolist() == want
    assert "IMD 2019" in got["Reason"].iloc[0]


def test_cli_bad_rules_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lst = tmp_path / "l.csv"
    lst.write_bytes(applicant_csv())
    bad = tmp_path / "rules.json"
    bad.write_text('{"edition": "2025"}', encoding="utf-8")
    assert main(["eligibility", str(lst), "--rules", str(bad)]) == 2
    assert 'rules.json: The rules file has no "version" field' in capsys.readouterr().err
    assert main(["eligibility", str(lst), "--rules", str(tmp_path / "none.json")]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["eligibility", str(lst), "--rules", RULES_QUERY, "--out", str(tmp_path / "x.pdf")]) == 2


# ----------------------------------------------------------------------------- the page
def _upload(at: AppTest, name: str, data: bytes) -> None:
    at.radio(key="elig_source").set_value("upload").run()
    at.file_uploader(key="elig_upload").set_value((name, data, "text/csv")).run()


def test_page_rules_from_the_link_and_an_uploaded_list() -> None:
    at = open_app("app_pages/eligibility.py", rules=RULES_QUERY)
    assert at.query_params["rules"] == [RULES_QUERY] or at.query_params["rules"] == RULES_QUERY
    assert at.session_state["elig_ids"] == [0, 1]
    assert at.session_state["elig_rmax_0"] == 3 and at.session_state["elig_split_0"] is True
    assert at.session_state["elig_measure_1"] == "health" and at.session_state["elig_max_1"] == 3000
    assert any(RULES_QUERY in c.value for c in at.code)
    _upload(at, "applicants.csv", applicant_csv())
    want = applicant_list()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Rows in the list": "20", "Eligible": str((want["want"] == "Yes").sum()),
                       "Not eligible": str((want["want"] == "No").sum()), "Not placed": "1"}
    got = raw.read_csv_bytes(download_bytes(at, "Download every row (CSV)"))
    assert got["Eligible"].tolist() == want["want"].tolist()
    book = pd.read_excel(io.BytesIO(download_bytes(at, "Download every row (Excel)")), sheet_name=None,
                         engine="openpyxl", dtype=str, keep_default_na=False)
    assert book["Checked"]["Eligible"].tolist() == want["want"].tolist()
    assert book["Not placed"]["name"].tolist() == ["Bad applicant"]
    missed = raw.read_csv_bytes(download_bytes(at, "Download the 1 rows not placed"))
    assert missed["Reason"].tolist() == ["not placed: postcode not found"]
    assert f"up to {MAX_UPLOAD_MB} MB" in at.file_uploader(key="elig_upload").label  # the limit is stated


def test_page_compose_rules_and_download_them() -> None:
    at = open_app("app_pages/eligibility.py")
    assert at.session_state["elig_ids"] == [0]
    at.button(key="elig_add").click().run()
    assert at.session_state["elig_ids"] == [0, 1]
    at.selectbox(key="elig_measure_1").set_value("crime").run()
    at.radio(key="elig_type_1").set_value("rank").run()
    at.number_input(key="elig_max_1").set_value(1500).run()
    at.checkbox(key="elig_split_0").check().run()
    at.number_input(key="elig_rmax_0").set_value(4).run()
    at.radio(key="elig_combine").set_value("all").run()
    want = RuleSet("2025", (Rule("imd", "decile", 2, 4), Rule("crime", "rank", 1500)), "all")
    assert at.query_params["rules"] in (want.to_query(), [want.to_query()])
    assert RuleSet.from_json(download_bytes(at, "Download the rules (JSON)")) == want
    at.button(key="elig_remove_0").click().run()
    assert at.query_params["rules"] in ("1.2025.all~crime.r.1500", ["1.2025.all~crime.r.1500"])


def test_page_loads_rules_from_a_json_file() -> None:
    at = open_app("app_pages/eligibility.py")
    rules = SETS[2]
    at.file_uploader(key="elig_file").set_value(("r.json", rules.to_json().encode(), "application/json")).run()
    assert at.query_params["rules"] in (rules.to_query(), [rules.to_query()])
    assert at.session_state["elig_ids"] == [0, 1, 2]


@pytest.mark.expect_page_error("The rules in the link could not be read")
def test_page_bad_link_says_why_and_keeps_defaults() -> None:
    at = open_app("app_pages/eligibility.py", rules="1.2025.any~imd.d.42")
    assert any("from 1 to 10" in e.value for e in at.error)
    assert at.query_params["rules"] in ("1.2025.any~imd.d.2", ["1.2025.any~imd.d.2"])


def test_page_2019_rules_check_lsoa_2011_codes() -> None:
    at = open_app("app_pages/eligibility.py", rules="1.2019.any~imd.d.5")
    assert at.radio(key="elig_edition").value == "2019"
    imd19 = raw.imd("2019")
    codes = list(imd19.index[100:110])
    data = ("name,lsoa11_code\n" + "".join(f"n{i},{c}\n" for i, c in enumerate(codes))).encode()
    _upload(at, "old.csv", data)
    got = raw.read_csv_bytes(download_bytes(at, "Download every row (CSV)"))
    assert got["LSOA code"].tolist() == codes
    assert got["Eligible"].tolist() == ["Yes" if d <= 5 else "No" for d in imd19.loc[codes, "IMD_decile"]]
    assert got["Reason"].str.startswith("IMD 2019 decile ").all()


def test_cli_column_says_which_column_holds_the_postcodes(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    want = applicant_list()
    with_pc = want[want["postcode"].fillna("").astype(str).str.len() > 0].head(5)
    lst = tmp_path / "applicants.csv"
    pd.DataFrame({"name": with_pc["name"], "where": with_pc["postcode"]}).to_csv(lst, index=False)
    out = tmp_path / "checked.csv"
    assert main(["eligibility", str(lst), "--rules", RULES_QUERY, "--column", "postcode=where",
                 "--out", str(out)]) == 0
    got = raw.read_csv_bytes(out.read_bytes())
    assert got["Eligible"].tolist() == with_pc["want"].tolist()
    assert got["LSOA code"].tolist() == with_pc["want_code"].tolist()
    assert main(["eligibility", str(lst), "--rules", RULES_QUERY, "--column", "nonsense"]) == 2
    assert "ROLE=NAME" in capsys.readouterr().err
