"""The rural-urban filter widget pages share (ONS Rural-Urban Classification 2021)."""

from __future__ import annotations

import streamlit as st

from needsmap.analysis.rural import RUC_CHOICES, ruc_choice_label


def ruc_filter(key: str, *, label: str = "Rural or urban neighbourhoods", disabled: bool = False) -> str:
    """A select box of :data:`~needsmap.analysis.rural.RUC_CHOICES`; returns the choice.

    Pass the choice to :func:`needsmap.analysis.rural.apply_ruc_filter`.

    Parameters
    ----------
    key
        Widget key (unique on the page).
    label
        The box's label.
    disabled
        Show it greyed out (e.g. when the classification file is not in the data folder).

    Returns
    -------
    ``"all"``, ``"urban"``, ``"rural"`` or a class code (``"RSF1"``).
    """
    if st.session_state.get(key) not in RUC_CHOICES:
        st.session_state.pop(key, None)
    choice = st.selectbox(
        label, RUC_CHOICES, key=key, format_func=ruc_choice_label, disabled=disabled,
        help="ONS Rural-Urban Classification 2021 of each LSOA: urban (nearer to or further from a "
             "major town or city) and larger or smaller rural. For the 2019 edition an LSOA 2011 "
             "takes the class of the LSOA 2021 holding most of its residents.")
    return str(choice or "all")


__all__ = ["ruc_filter"]
