"""Eligibility rules for funders: is each applicant's neighbourhood (LSOA) deprived enough?

A :class:`Rule` sets a threshold on one rank-based measure of the registry (the IMD, a domain or
sub-domain, the CNI): deciles ``1..max`` or ranks ``1..max`` (rank 1 = most deprived in England),
with an optional other threshold for rural LSOAs (column ``urban_rural`` of the LSOA table, ONS
Rural-Urban Classification 2021; urban LSOAs use the main one). A :class:`RuleSet` is an edition,
its rules and how they combine (``"any"`` rule met, or ``"all"``). :func:`evaluate` says for each LSOA
code whether it is eligible and why, in words; :func:`check_list` does it for every row of an
imported list (:mod:`needsmap.orgs`), keeping rows that could not be placed, with the reason.

A rule set travels as a small JSON document (:meth:`RuleSet.to_json`, :meth:`RuleSet.from_json`;
field ``version`` = :data:`JSON_VERSION`) or as one URL query value (:meth:`RuleSet.to_query`,
``?rules=1.2025.any~imd.d.2.3~health.r.3000``): both give back exactly the same rule set.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from needsmap.analysis.rural import RURAL
from needsmap.errors import ValidationError
from needsmap.measures import MEASURES, Measure, measures_for
from needsmap.types import EDITIONS, LSOA_VINTAGE, VINTAGE_LABEL, Edition, england_lsoa_count

ThresholdType = Literal["decile", "rank"]
Combine = Literal["any", "all"]
THRESHOLD_TYPES: tuple[ThresholdType, ...] = ("decile", "rank")
COMBINES: tuple[Combine, ...] = ("any", "all")
#: the JSON document's ``version`` this module writes and reads
JSON_VERSION = 1
#: the URL query parameter holding a rule set (:meth:`RuleSet.to_query`)
QUERY_PARAM = "rules"
#: the most rules a set may hold (a form, a link)
MAX_RULES = 20
#: deciles run 1..10
DECILES = 10
#: columns :func:`check_list` adds after the input's own
OUT_CODE, OUT_URBAN_RURAL, OUT_ELIGIBLE, OUT_REASON = "LSOA code", "Urban/rural", "Eligible", "Reason"
#: how sure the row's LSOA is (the importer's ``confidence``: exact, sure or uncertain — near a boundary)
OUT_CONFIDENCE = "Placement"
OUT_COLUMNS = (OUT_CODE, OUT_URBAN_RURAL, OUT_ELIGIBLE, OUT_REASON, OUT_CONFIDENCE)
YES, NO = "Yes", "No"

_ID = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_QUERY_TYPE: dict[str, ThresholdType] = {"d": "decile", "r": "rank"}
_RULE_KEYS = {"measure", "threshold", "max", "rural_max"}
_SET_KEYS = {"version", "edition", "combine", "rules"}


def eligible_measures(edition: Edition) -> list[Measure]:
    """Registry measures a rule can use for ``edition``: rank-based ones with a rank column (the IMD,
    its domains and sub-domains, the CNI), in registry order."""
    return [m for m in measures_for(edition) if m.kind == "rank-based" and "rank" in m.views]


def _int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ValidationError(f"{what} must be a whole number, not {value!r}")
    return int(value)


@dataclass(frozen=True)
class Rule:
    """One threshold on one measure.

    Attributes
    ----------
    measure
        Registry id of a rank-based measure (``imd``, ``health``, ``cyp``, ``cni`` …).
    threshold
        ``"decile"`` (deciles 1..``max``; 1 = most deprived 10%) or ``"rank"`` (ranks 1..``max``).
    max
        The largest decile or rank that qualifies (deciles 1–2: 2; rank ≤ 3,000: 3000).
    rural_max
        The largest that qualifies in a rural LSOA (ONS RUC 2021 ``urban_rural == "Rural"``); None:
        rural LSOAs use ``max`` too.
    """

    measure: str
    threshold: ThresholdType = "decile"
    max: int = 2
    rural_max: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.measure, str) or not _ID.match(self.measure):
            raise ValidationError(f"A rule's measure must be a measure id such as 'imd' or 'health', "
                                  f"not {self.measure!r}")
        if self.threshold not in THRESHOLD_TYPES:
            raise ValidationError(f"A rule's threshold must be 'decile' or 'rank', not {self.threshold!r}")
        object.__setattr__(self, "max", _int(self.max, "A rule's max"))
        if self.rural_max is not None:
            object.__setattr__(self, "rural_max", _int(self.rural_max, "A rule's rural_max"))

    @property
    def column(self) -> str:
        """The LSOA table column it reads (``imd_decile``, ``health_rank`` …)."""
        return f"{self.measure}_{self.threshold}"

    def limit_text(self, limit: int) -> str:
        """A threshold in words: ``"1–2"``, ``"1"`` (deciles) or ``"rank ≤ 3,000"``."""
        if self.threshold == "rank":
            return f"rank ≤ {limit:,}"
        return "1" if limit == 1 else f"1–{limit}"

    def describe(self, edition: Edition) -> str:
        """The rule in words: ``"IMD 2025 deciles 1–2 (rural: 1–3)"``, ``"Crime rank ≤ 3,000"``."""
        what = "decile" if self.max == 1 else "deciles"
        main = (f"{measure_label(self.measure, edition)} "
                + (self.limit_text(self.max) if self.threshold == "rank" else f"{what} {self.limit_text(self.max)}"))
        if self.rural_max is None:
            return main
        return f"{main} (rural: {self.limit_text(self.rural_max)})"

    def to_dict(self) -> dict[str, Any]:
        """The rule as JSON-able values (``rural_max`` left out when there is none)."""
        out: dict[str, Any] = {"measure": self.measure, "threshold": self.threshold, "max": self.max}
        if self.rural_max is not None:
            out["rural_max"] = self.rural_max
        return out


def measure_label(measure_id: str, edition: Edition) -> str:
    """How a reason names a measure: ``"IMD 2025"`` for the overall index, else its label."""
    if measure_id == "imd":
        return f"IMD {edition}"
    return MEASURES[measure_id].label if measure_id in MEASURES else measure_id


@dataclass(frozen=True)
class RuleSet:
    """An edition, its rules and how they combine; checked against the registry when made.

    Raises
    ------
    ValidationError
        An unknown edition or measure, a measure without the threshold's column, a threshold
        outside 1–10 (deciles) or 1–England's LSOA count (ranks), no rules or too many.
    """

    edition: Edition = "2025"
    rules: tuple[Rule, ...] = field(default_factory=tuple)
    combine: Combine = "any"

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))
        if self.edition not in EDITIONS:
            raise ValidationError(f"The rules' edition must be one of {', '.join(EDITIONS)}, not "
                                  f"{self.edition!r}")
        if self.combine not in COMBINES:
            raise ValidationError(f"Rules combine with 'any' or 'all', not {self.combine!r}")
        if not self.rules:
            raise ValidationError("There are no rules: add at least one.")
        if len(self.rules) > MAX_RULES:
            raise ValidationError(f"{len(self.rules)} rules; the most accepted is {MAX_RULES}.")
        usable = {m.id: m for m in eligible_measures(self.edition)}
        top = {"decile": DECILES, "rank": england_lsoa_count(self.edition)}
        for i, rule in enumerate(self.rules, 1):
            if not isinstance(rule, Rule):
                raise ValidationError(f"Rule {i} is not a rule: {rule!r}")
            if rule.measure not in usable:
                raise ValidationError(
                    f"Rule {i}: {rule.measure!r} is not a rank-based measure of the {self.edition} "
                    f"edition; use one of {', '.join(usable)}.")
            if rule.threshold not in usable[rule.measure].views:
                raise ValidationError(f"Rule {i}: {measure_label(rule.measure, self.edition)} has no "
                                      f"{rule.threshold}s; use a rank threshold.")
            hi = top[rule.threshold]
            for name, value in (("max", rule.max), ("rural_max", rule.rural_max)):
                if value is not None and not 1 <= value <= hi:
                    raise ValidationError(f"Rule {i}: {name} must be a {rule.threshold} from 1 to "
                                          f"{hi:,}, not {value:,}.")

    # ------------------------------------------------------------------ words
    def describe(self) -> str:
        """The set in words: ``"Eligible when any of these is met: …"``."""
        parts = [r.describe(self.edition) for r in self.rules]
        if len(parts) == 1:
            return f"Eligible when {parts[0]}."
        how = "any one of these is met" if self.combine == "any" else "all of these are met"
        return f"Eligible when {how}: " + "; ".join(parts) + "."

    @property
    def needs_urban_rural(self) -> bool:
        """Whether a rule has a rural threshold (the table must carry ``urban_rural``)."""
        return any(r.rural_max is not None for r in self.rules)

    def columns(self) -> list[str]:
        """LSOA table columns :func:`evaluate` reads (``urban_rural`` always, when present)."""
        return list(dict.fromkeys([*(r.column for r in self.rules), "urban_rural"]))

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """JSON-able values: ``version``, ``edition``, ``combine``, ``rules``."""
        return {"version": JSON_VERSION, "edition": self.edition, "combine": self.combine,
                "rules": [r.to_dict() for r in self.rules]}

    def to_json(self) -> str:
        """The set as a small JSON document (:meth:`from_json` reads it back exactly)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, doc: object) -> RuleSet:
        """A set from :meth:`to_dict`'s values.

        Raises
        ------
        ValidationError
            A missing or unsupported ``version``, unknown or missing fields, wrong types or a rule
            the registry rejects; the message names the field.
        """
        if not isinstance(doc, dict):
            raise ValidationError("A rules file must hold one JSON object with version, edition, "
                                  "combine and rules.")
        if "version" not in doc:
            raise ValidationError(f"The rules file has no \"version\" field (this needsmap writes "
                                  f"version {JSON_VERSION}).")
        if doc["version"] != JSON_VERSION or isinstance(doc["version"], bool):
            raise ValidationError(f"The rules file is version {doc['version']!r}; this needsmap reads "
                                  f"version {JSON_VERSION}.")
        extra = sorted(set(map(str, doc)) - _SET_KEYS)
        if extra:
            raise ValidationError(f"Unknown field(s) in the rules file: {', '.join(extra)}; the fields "
                                  f"are {', '.join(sorted(_SET_KEYS))}.")
        rules = doc.get("rules")
        if not isinstance(rules, list):
            raise ValidationError("The rules file's \"rules\" must be a list of rules.")
        made = []
        for i, r in enumerate(rules, 1):
            if not isinstance(r, dict):
                raise ValidationError(f"Rule {i} must be an object with measure, threshold and max.")
            bad = sorted(set(map(str, r)) - _RULE_KEYS)
            if bad:
                raise ValidationError(f"Rule {i} has unknown field(s) {', '.join(bad)}; a rule has "
                                      "measure, threshold, max and (optionally) rural_max.")
            lacking = [k for k in ("measure", "threshold", "max") if k not in r]
            if lacking:
                raise ValidationError(f"Rule {i} has no {', '.join(lacking)}.")
            made.append(Rule(measure=r["measure"], threshold=r["threshold"], max=r["max"],
                             rural_max=r.get("rural_max")))
        return cls(edition=cast(Edition, str(doc.get("edition", ""))), rules=tuple(made),
                   combine=cast(Combine, doc.get("combine", "any")))

    @classmethod
    def from_json(cls, text: str | bytes) -> RuleSet:
        """Read a document written by :meth:`to_json` (see :meth:`from_dict` for the errors)."""
        try:
            doc = json.loads(text.decode("utf-8-sig") if isinstance(text, bytes) else text)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationError(f"The rules file is not valid JSON: {exc}.") from None
        return cls.from_dict(doc)

    # ------------------------------------------------------------------ URL
    def to_query(self) -> str:
        """A compact query value: ``1.2025.any~imd.d.2.3~health.r.3000`` (version, edition, combine,
        then per rule: measure, ``d`` decile or ``r`` rank, max and the rural max if any). Only
        letters, digits, ``_ . ~`` are used, so it needs no escaping in a URL."""
        parts = [f"{JSON_VERSION}.{self.edition}.{self.combine}"]
        for r in self.rules:
            bits = [r.measure, r.threshold[0], str(r.max)]
            if r.rural_max is not None:
                bits.append(str(r.rural_max))
            parts.append(".".join(bits))
        return "~".join(parts)

    @classmethod
    def from_query(cls, value: str) -> RuleSet:
        """Read :meth:`to_query`'s value.

        Raises
        ------
        ValidationError
            The value is not in that form, or a rule the registry rejects.
        """
        text = str(value).strip()
        parts = text.split("~")
        head = parts[0].split(".")
        form = "1.2025.any~imd.d.2.3~health.r.3000"
        if len(head) != 3 or not head[0].isdigit():
            raise ValidationError(f"The link's rules ({text[:80]!r}) are not in the form {form}.")
        if head[0] != str(JSON_VERSION):
            raise ValidationError(f"The link's rules are version {head[0]!r}; this needsmap reads "
                                  f"version {JSON_VERSION}.")
        rules = []
        for i, part in enumerate(parts[1:], 1):
            bits = part.split(".")
            if len(bits) not in (3, 4) or bits[1] not in _QUERY_TYPE or not all(
                    b.isdigit() for b in bits[2:]):
                raise ValidationError(f"Rule {i} of the link ({part[:60]!r}) is not in the form "
                                      "measure.d.max[.rural_max] or measure.r.max[.rural_max].")
            rules.append(Rule(measure=bits[0], threshold=_QUERY_TYPE[bits[1]], max=int(bits[2]),
                              rural_max=int(bits[3]) if len(bits) == 4 else None))
        return cls(edition=cast(Edition, head[1]), rules=tuple(rules), combine=cast(Combine, head[2]))


# ----------------------------------------------------------------------------- evaluation
def _clauses(r: Rule, values: pd.Series, group: np.ndarray,
             met: np.ndarray, limits: np.ndarray, edition: Edition) -> list[str]:
    label = f"{measure_label(r.measure, edition)} {r.threshold}"
    out = []
    for v, g, ok, lim in zip(values.to_numpy(dtype=object), group, met, limits, strict=True):
        where = f", {str(g).lower()}" if isinstance(g, str) and g else ""
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            out.append(f"{label} not available{where}: not met")
            continue
        out.append(f"{label} {int(v):,}{where}: threshold {r.limit_text(int(lim))} "
                   f"({'met' if ok else 'not met'})")
    return out


def evaluate(codes: Sequence[str] | pd.Series, rules: RuleSet, table: pd.DataFrame) -> pd.DataFrame:
    """Whether each LSOA is eligible under ``rules``, and why.

    Parameters
    ----------
    codes
        LSOA codes of the edition's vintage (LSOA 2021 for 2025, LSOA 2011 for 2019); case and
        spaces ignored; blanks allowed.
    rules
        The rule set.
    table
        The LSOA table of ``rules.edition`` (:func:`needsmap.data.load_lsoa_table`), indexed by
        ``lsoa_code``, with :meth:`RuleSet.columns`.

    Returns
    -------
    Frame with the index of ``codes`` (a list gets 0..n-1): ``lsoa_code`` (as cleaned),
    ``urban_rural`` (``Urban``/``Rural``, NA when unknown), ``rules_met`` (count), ``eligible``
    (nullable boolean: NA for a code not in the table) and ``reason`` in words, e.g.
    ``"IMD 2025 decile 3, urban: threshold 1–2 (not met)"``; with several rules, how many were met
    and whether any or all were needed, then each rule's clause.

    Raises
    ------
    ValidationError
        The table lacks a column the rules read (a rural threshold needs ``urban_rural``).
    """
    s = codes if isinstance(codes, pd.Series) else pd.Series(list(codes), dtype=object)
    clean = s.astype("string").str.upper().str.replace(r"\s", "", regex=True)
    missing = [r.column for r in rules.rules if r.column not in table.columns]
    if rules.needs_urban_rural and "urban_rural" not in table.columns:
        missing.append("urban_rural (the Rural-Urban Classification, geography/lsoa21_ruc21.csv)")
    if missing:
        raise ValidationError(f"The LSOA table of the {rules.edition} edition has no {', '.join(missing)}; "
                              "check the data folder (Data sources page).")
    key = clean.fillna("").to_numpy(dtype=object)
    known = pd.Index(table.index).get_indexer(key) >= 0
    if "urban_rural" in table.columns:
        group = table["urban_rural"].reindex(key).astype(object).to_numpy()
        group = np.where(pd.isna(group), None, group)
    else:
        group = np.full(len(key), None, dtype=object)
    rural = group == RURAL
    met_all = np.zeros((len(key), len(rules.rules)), dtype=bool)
    texts: list[list[str]] = []
    for j, r in enumerate(rules.rules):
        values = table[r.column].reindex(key)
        num = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        limits = np.where(rural & (r.rural_max is not None), r.rural_max or 0, r.max)
        met = ~np.isnan(num) & (num <= limits)
        met_all[:, j] = met
        texts.append(_clauses(r, values, group, met, limits, rules.edition))
    n_met = met_all.sum(axis=1)
    ok = met_all.any(axis=1) if rules.combine == "any" else met_all.all(axis=1)
    n = len(rules.rules)
    need = "any one needed" if rules.combine == "any" else "all needed"
    vintage = VINTAGE_LABEL[LSOA_VINTAGE[rules.edition]]
    reasons = []
    for i in range(len(key)):
        if not known[i]:
            reasons.append("no LSOA code" if not key[i] else
                           f"{key[i]} is not an {vintage} code of the IMD {rules.edition} table")
            continue
        if n == 1:
            reasons.append(texts[0][i])
        else:
            reasons.append(f"{n_met[i]} of {n} rules met ({need}): " + "; ".join(t[i] for t in texts))
    out = pd.DataFrame(index=s.index)
    out["lsoa_code"] = clean.to_numpy()
    out["urban_rural"] = pd.array(group, dtype="string")
    out["rules_met"] = pd.array(np.where(known, n_met, 0), dtype="Int64")
    out.loc[~known, "rules_met"] = pd.NA
    out["eligible"] = pd.array(np.where(known, ok, False), dtype="boolean")
    out.loc[~known, "eligible"] = pd.NA
    out["reason"] = reasons
    return out


def check_list(rows: pd.DataFrame, rules: RuleSet, table: pd.DataFrame, *,
               input_columns: Sequence[str]) -> pd.DataFrame:
    """Every row of an imported list with its LSOA code, eligibility and reason.

    Parameters
    ----------
    rows
        An imported list's table (:attr:`needsmap.orgs.ImportResult.table`): ``status`` (``"ok"``
        when placed, else why not), ``lsoa11_code``, ``lsoa21_code``.
    rules, table
        As for :func:`evaluate`.
    input_columns
        The list's own columns (:attr:`~needsmap.orgs.ImportResult.columns`), kept in order; one
        named like an added column gets `` (input)``.

    Returns
    -------
    Every row, in order: the input columns, then ``LSOA code`` (of the edition's vintage; blank
    when not placed), ``Urban/rural`` (blank when unknown), ``Eligible`` (``"Yes"``/``"No"``; blank for a
    row not placed), ``Reason`` (for a row not placed: ``"not placed: "`` and the importer's reason)
    and ``Placement`` (how sure the LSOA is: ``exact``, ``sure`` or ``uncertain``, near an LSOA
    boundary; blank when not placed).
    """
    code_col = f"{LSOA_VINTAGE[rules.edition]}_code"
    placed = rows["status"].astype(str).eq("ok").to_numpy(dtype=bool)
    codes = rows[code_col].astype("string").where(placed, pd.NA)
    res = evaluate(codes, rules, table)
    out = rows[list(input_columns)].copy()
    out.columns = [f"{c} (input)" if c in OUT_COLUMNS else c for c in out.columns]
    has = res["eligible"].notna().to_numpy(dtype=bool)
    out[OUT_CODE] = codes.fillna("").to_numpy(dtype=object)
    out[OUT_URBAN_RURAL] = res["urban_rural"].fillna("").to_numpy(dtype=object)
    out[OUT_ELIGIBLE] = np.where(has, np.where(res["eligible"].fillna(False).to_numpy(dtype=bool), YES, NO), "")
    status = rows["status"].astype(str).to_numpy()
    reason = res["reason"].to_numpy(dtype=object)
    out[OUT_REASON] = np.where(placed, reason, np.char.add("not placed: ", status.astype(str)))
    out[OUT_REASON] = out[OUT_REASON].astype(object)
    conf = rows["confidence"] if "confidence" in rows.columns else pd.Series("", index=rows.index)
    # which rows the page's "uncertain" count means: an LSOA near its boundary may be the neighbour's
    out[OUT_CONFIDENCE] = np.where(placed, conf.astype("string").fillna("").to_numpy(dtype=object), "")
    return out.reset_index(drop=True)


def counts(checked: pd.DataFrame) -> dict[str, int]:
    """Rows, eligible, not eligible and not placed (blank) in :func:`check_list`'s result."""
    e = checked[OUT_ELIGIBLE]
    return {"rows": len(checked), "eligible": int((e == YES).sum()), "not_eligible": int((e == NO).sum()),
            "not_placed": int((e == "").sum())}


def not_placed(checked: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`check_list`'s result that could not be placed (blank ``Eligible``)."""
    return checked[checked[OUT_ELIGIBLE] == ""]


__all__ = [
    "COMBINES",
    "JSON_VERSION",
    "MAX_RULES",
    "NO",
    "OUT_CODE",
    "OUT_COLUMNS",
    "OUT_CONFIDENCE",
    "OUT_ELIGIBLE",
    "OUT_REASON",
    "OUT_URBAN_RURAL",
    "QUERY_PARAM",
    "THRESHOLD_TYPES",
    "YES",
    "Combine",
    "Rule",
    "RuleSet",
    "ThresholdType",
    "check_list",
    "counts",
    "eligible_measures",
    "evaluate",
    "measure_label",
    "not_placed",
]
