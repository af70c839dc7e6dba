"""The measure registry: every family's measures are declared with a kind, datasets and a provider."""

from __future__ import annotations

import pandas as pd

from needsmap import measures
from needsmap.data.catalog import CATALOG
from needsmap.data.imd_domains import DOMAIN_IDS, IMD_DOMAINS, IMD_SUBDOMAINS
from tests import raw
from tests.test_import_graph import import_graph


def test_registry_is_the_families_measures_in_order() -> None:
    declared = [m.id for family in measures.FAMILIES for m in family.MEASURES]
    assert list(measures.MEASURES) == declared
    assert len(declared) == len(set(declared))
    assert [f.__name__.rpartition(".")[2] for f in measures.FAMILIES] == [
        "imd", "subdomains", "jobs", "cni", "census", "change", "rural"]


def test_every_measure_declares_kind_datasets_and_provider() -> None:
    for m in measures.MEASURES.values():
        assert m.kind in measures.KINDS, m.id
        assert m.datasets and all(d in CATALOG for d in m.datasets), m.id
        assert all(d.format(edition=e) in CATALOG for d in m.provider.datasets for e in m.editions), m.id
    kinds = {m.id: m.kind for m in measures.MEASURES.values()}
    assert kinds["left_behind"] == "flag" and kinds["furlough_rate"] == "rate"
    assert kinds["at_risk_jobs_pct"] == "share" and kinds["health"] == "rank-based"


def test_domains_come_from_the_one_list() -> None:
    assert [m.id for m in measures.domain_measures()] == [d.id for d in IMD_DOMAINS]
    assert [m.id for m in measures.MEASURES.values() if m.group == "IMD sub-domain"] == [
        d.id for d in IMD_SUBDOMAINS]
    assert DOMAIN_IDS == ("income", "employment", "education", "health", "crime", "housing", "environment")


def test_providers_are_the_table_parts(table25: pd.DataFrame) -> None:
    names = [p.name for p in measures.providers()]
    assert names[:9] == ["imd", "at_risk_jobs", "furlough", "cni2023", "ethnicity", "qualifications",
                         "household_deprivation", "population_estimates", "imd_change"]
    for m in measures.measures_for("2025"):  # each measure's columns are in the table its provider built
        assert m.views_in(table25.columns) == list(m.views), m.id


def test_used_by_lists_each_measure_under_its_datasets() -> None:
    used = measures.used_by()
    assert used["furlough2020"] == ["Furlough take-up, August 2020"]
    assert "Index of Multiple Deprivation (overall)" in used["imd2025"]
    assert "Adult skills" in used["imd2019_subdomains"] and "Adult skills" not in used["imd2019"]


def test_data_layer_knows_no_measure() -> None:
    """Only the ``needsmap.data`` facade (its lazy ``load_lsoa_table``) may reach the registry."""
    graph = import_graph()
    wrong = {(a, b) for a, targets in graph.items() if a.startswith("needsmap.data.")
             for b in targets if b == "needsmap.measures" or b.startswith("needsmap.measures.")}
    assert wrong == set()
    assert "needsmap.measures" in graph["needsmap.data"]


def test_ethnic_group_measures_are_the_publishers_groups_in_its_words() -> None:
    """One measure per TS021 broad group, labelled with the group's name as the raw file spells it."""
    groups = set(raw.csv("population/census2021_ethnicity_lsoa21.csv")["ethnic_group"].unique())
    shares = [m for m in measures.measures_for("2025") if m.id.startswith("eth_") and m.id != "eth_minority_pct"]
    assert {m.label for m in shares} == groups
    assert len(shares) == len(groups) == 5
    assert measures.get_measure("eth_white_pct").higher_is_worse is False
