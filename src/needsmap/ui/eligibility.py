"""The Eligibility checker's rules form: compose rules, load them from a link or a JSON file.

The form's state lives in ``st.session_state`` under keys starting with the page's prefix; a rule
set is put into the form by :func:`load_rules` (before the form is drawn), and read back by
:func:`rules_form`, which returns the :class:`~needsmap.analysis.eligibility.RuleSet` it shows.
"""

from __future__ import annotations

from typing import cast

import streamlit as st

from needsmap.analysis.eligibility import (
    QUERY_PARAM,
    Combine,
    Rule,
    RuleSet,
    ThresholdType,
    eligible_measures,
)
from needsmap.errors import ValidationError
from needsmap.types import EDITIONS, Edition, england_lsoa_count
from needsmap.ui.state import show_error

#: the rule a new row starts with: IMD deciles 1–2 (the 20% most deprived)
NEW_RULE = Rule("imd", "decile", 2)
#: the most bytes of a rules file accepted (a rules file is a few hundred bytes)
MAX_RULES_FILE_KB = 1024  # 1 MB, the smallest limit Streamlit's uploader can state


def _k(prefix: str, name: str, rule_id: int | None = None) -> str:
    return f"{prefix}_{name}" if rule_id is None else f"{prefix}_{name}_{rule_id}"


def load_rules(prefix: str, rules: RuleSet) -> None:
    """Put ``rules`` into the form (call before :func:`rules_form` draws it, or from a callback)."""
    st.session_state[_k(prefix, "ids")] = list(range(len(rules.rules)))
    st.session_state[_k(prefix, "next")] = len(rules.rules)
    st.session_state[_k(prefix, "edition")] = rules.edition
    st.session_state[_k(prefix, "combine")] = rules.combine
    for i, r in enumerate(rules.rules):
        _set_rule(prefix, i, r)


def _set_rule(prefix: str, i: int, r: Rule) -> None:
    st.session_state[_k(prefix, "measure", i)] = r.measure
    st.session_state[_k(prefix, "type", i)] = r.threshold
    st.session_state[_k(prefix, "max", i)] = r.max
    st.session_state[_k(prefix, "split", i)] = r.rural_max is not None
    st.session_state[_k(prefix, "rmax", i)] = r.rural_max if r.rural_max is not None else r.max


def rules_from_url(prefix: str) -> None:
    """On a session's first run, load the rules of the page's link (``?rules=…``), if any; a link
    that does not read shows why (once) and the form keeps its defaults."""
    seen = _k(prefix, "url_seen")
    if st.session_state.get(seen):
        return
    st.session_state[seen] = True
    value = st.query_params.get(QUERY_PARAM)
    if not value:
        return
    try:
        load_rules(prefix, RuleSet.from_query(str(value)))
    except ValidationError as exc:
        st.session_state[_k(prefix, "load_error")] = f"The rules in the link could not be read: {exc}"


def _file_loaded(prefix: str) -> None:
    up = st.session_state.get(_k(prefix, "file"))
    if up is None:
        return
    data = up.getvalue()
    try:
        if len(data) > MAX_RULES_FILE_KB * 1024:
            raise ValidationError(f"The rules file is {len(data) / 1024:,.0f} KB; a rules file is at most "
                                  f"{MAX_RULES_FILE_KB} KB.")
        load_rules(prefix, RuleSet.from_json(data))
    except ValidationError as exc:
        st.session_state[_k(prefix, "load_error")] = f"{up.name}: {exc}"


def _add(prefix: str) -> None:
    ids = list(st.session_state.get(_k(prefix, "ids"), []))
    nxt = int(st.session_state.get(_k(prefix, "next"), len(ids)))
    _set_rule(prefix, nxt, NEW_RULE)
    st.session_state[_k(prefix, "ids")] = [*ids, nxt]
    st.session_state[_k(prefix, "next")] = nxt + 1


def _remove(prefix: str, rule_id: int) -> None:
    ids = [i for i in st.session_state.get(_k(prefix, "ids"), []) if i != rule_id]
    st.session_state[_k(prefix, "ids")] = ids


def _rule_row(prefix: str, i: int, edition: Edition, n_rules: int, ruc: bool) -> Rule:
    """One rule's widgets; returns the rule they show."""
    measures = {m.id: m for m in eligible_measures(edition)}
    mkey, tkey, xkey = _k(prefix, "measure", i), _k(prefix, "type", i), _k(prefix, "max", i)
    skey, rkey = _k(prefix, "split", i), _k(prefix, "rmax", i)
    if st.session_state.get(mkey) not in measures:
        st.session_state[mkey] = "imd"
    c1, c2, c3, c4 = st.columns([3, 1.4, 1.4, 0.8], vertical_alignment="bottom")
    measure = str(c1.selectbox("Measure", list(measures), key=mkey,
                               format_func=lambda m: measures[m].label))
    types = [t for t in ("decile", "rank") if t in measures[measure].views]
    if st.session_state.get(tkey) not in types:
        st.session_state[tkey] = types[0]
    threshold = cast(ThresholdType, c2.radio("Threshold by", types, key=tkey, horizontal=True))
    top = 10 if threshold == "decile" else england_lsoa_count(edition)
    for key in (xkey, rkey):  # a value from the other threshold type, or another edition, is reset
        value = st.session_state.get(key)
        if not isinstance(value, int) or not 1 <= value <= top:
            st.session_state[key] = 2 if threshold == "decile" else 3_000
    label = "Deciles 1 to" if threshold == "decile" else "Rank 1 to"
    most = int(c3.number_input(label, min_value=1, max_value=top, step=1, key=xkey,
                               help="1 = most deprived. Deciles 1–2 are England's 20% most deprived "
                                    f"LSOAs; ranks run 1–{top:,}."))
    c4.button("Remove", key=_k(prefix, "remove", i), on_click=_remove, args=(prefix, i),
              disabled=n_rules <= 1, help="Remove this rule")
    rural_max = None
    if ruc:
        d1, d2 = st.columns([3, 3.6], vertical_alignment="bottom")
        split = d1.checkbox("Another threshold for rural neighbourhoods", key=skey,
                            help="Urban LSOAs use the threshold above; rural ones (ONS Rural-Urban "
                                 "Classification 2021) use this one.")
        if split:
            rural_max = int(d2.number_input(f"Rural: {label.lower()}", min_value=1, max_value=top, step=1,
                                            key=rkey))
    return Rule(measure=measure, threshold=threshold, max=most, rural_max=rural_max)


def rules_form(prefix: str, *, default_edition: Edition, ruc: bool = True) -> RuleSet:
    """Draw the rules form (edition, rules, any/all, load from JSON) and return its rule set.

    Parameters
    ----------
    prefix
        Prefix of the widget keys.
    default_edition
        The edition a new form starts with (the sidebar's).
    ruc
        Whether the Rural-Urban Classification is in the data (offer rural thresholds).

    Raises
    ------
    ValidationError
        The form's rules do not make a valid rule set (shown by the page's ``guard()``).
    """
    if _k(prefix, "ids") not in st.session_state:
        load_rules(prefix, RuleSet(edition=default_edition, rules=(NEW_RULE,)))
    err = st.session_state.pop(_k(prefix, "load_error"), None)
    if err:
        show_error(err, demo_hint=False)
    top1, top2 = st.columns([1, 2])
    edition = cast(Edition, top1.radio("IMD edition", EDITIONS, key=_k(prefix, "edition"), horizontal=True,
                                       help="2019: LSOA 2011; 2025: LSOA 2021."))
    combine = cast(Combine, top2.radio(
        "Eligible when", ["any", "all"], key=_k(prefix, "combine"), horizontal=True,
        format_func={"any": "any rule is met", "all": "every rule is met"}.get))
    ids = list(st.session_state[_k(prefix, "ids")])
    rules = []
    for n, i in enumerate(ids, 1):
        with st.container(border=True):
            st.markdown(f"**Rule {n}**")
            rules.append(_rule_row(prefix, i, edition, len(ids), ruc))
    b1, b2 = st.columns([1, 3])
    b1.button("Add a rule", key=_k(prefix, "add"), on_click=_add, args=(prefix,), icon=":material/add:")
    b2.file_uploader("Load rules from a JSON file (saved here)", type=["json"], max_upload_size=MAX_RULES_FILE_KB // 1024,
                     key=_k(prefix, "file"), on_change=_file_loaded, args=(prefix,))
    return RuleSet(edition=edition, rules=tuple(rules), combine=combine)


__all__ = ["MAX_RULES_FILE_KB", "NEW_RULE", "load_rules", "rules_form", "rules_from_url"]
