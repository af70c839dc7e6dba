"""Fixing rows in the app: correct the rows of an organisation list that were not placed.

The Organisations page shows the rows not placed in an editable table (postcode, latitude, longitude,
LSOA code, the reason, and a "did you mean" postcode where one is one character off a real postcode
in the same sector). "Place these rows again" re-places only the edited rows through the importer
(:func:`needsmap.orgs.importer.import_frame`), and the corrected rows replace the originals (same
``source_row``) in the list every page uses. Corrections live in the session only
(``st.session_state``): they are never shared between sessions, and go when the session ends.

The functions without ``st`` in them are pure (frames in, frames out) and tested on their own.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import streamlit as st

from needsmap.orgs import geocode as gc
from needsmap.orgs.importer import STANDARD_COLUMNS, ImportResult, flag_duplicates, import_frame

#: session-state keys: which list is in use (set by the picker), and the corrections per list
LIST_KEY = "nm_org_list_id"
FIX_KEY = "nm_org_fixes"  # {list id: {"inputs": DataFrame, "rows": DataFrame}}
_FLASH_KEY = "nm_org_fix_flash"

#: the editor's columns
ROW = "Row"
NAME = "Organisation"
REASON = "Why not placed"
POSTCODE = "Postcode"
SUGGESTION = "Did you mean"
USE = "Use suggestion"
LAT = "Latitude"
LON = "Longitude"
LSOA = "LSOA code"
#: the location columns the user can edit, in the editor's order
INPUTS = (POSTCODE, LAT, LON, LSOA)
#: what ``placed_by`` says for a row re-placed from the editor
CORRECTED = "corrected in the app"
#: at most this many rows are shown for correction (the download lists every row not placed)
EDITOR_LIMIT = 1_000
#: statuses of rows that are not organisations (totals, spacer rows, broken lines): not for fixing
NOT_AN_ORGANISATION = "not an organisation"
#: importer output columns that describe a row itself, not where it is: never replaced by a fix
_IDENTITY = ("source_row", "org_name", "org_category", "org_charity_number", "org_closed",
             "duplicate_of")
#: the roles of the editor's columns for the importer
_ROLES = {"postcode": POSTCODE, "lat": LAT, "lon": LON, "lsoa": LSOA}


def _text(values: pd.Series) -> pd.Series:
    """Cells as stripped text, ``""`` for missing (so edits compare as the user sees them)."""
    out = values.astype("string").str.strip().fillna("")
    return out.where(~out.str.upper().isin(["<NA>", "NAN", "NONE"]), "")


def _input_text(table: pd.DataFrame, detected: dict[str, str], role: str) -> pd.Series:
    """The file's own text for ``role`` (e.g. its latitude column), ``""`` where none."""
    col = detected.get(role)
    if col is None or col not in table.columns:
        return pd.Series("", index=table.index, dtype="string")
    return _text(table[col])


def not_organisations(result: ImportResult) -> pd.DataFrame:
    """Rows the reader or importer found are not organisations (a total row, a blank spacer row, part
    of the row above …): ``Row``, ``Organisation``, ``Why not placed``."""
    t = result.table
    mask = t["status"].astype(str).str.startswith(NOT_AN_ORGANISATION).to_numpy()
    return pd.DataFrame({ROW: t.loc[mask, "source_row"].to_numpy(),
                         NAME: t.loc[mask, "org_name"].astype("string").to_numpy(),
                         REASON: t.loc[mask, "status"].astype(str).to_numpy()})


def suggestions(postcodes: pd.Series) -> pd.Series:
    """"Did you mean" postcodes for ``postcodes`` (:func:`needsmap.orgs.geocode.suggest_postcodes`:
    a real postcode one character off in the same sector; ``<NA>`` where none); same index."""
    if postcodes.empty:
        return pd.Series(pd.NA, index=postcodes.index, dtype="string")
    return gc.suggest_postcodes(postcodes).astype("string")


def fix_table(result: ImportResult, *, inputs: pd.DataFrame | None = None,
              limit: int = EDITOR_LIMIT) -> pd.DataFrame:
    """The editor's table: one row per row not placed that could be corrected.

    Parameters
    ----------
    result
        The list in use (corrections already applied).
    inputs
        Corrections typed earlier in this session (index ``Row``, columns :data:`INPUTS`): shown
        instead of the file's values for those rows.
    limit
        At most this many rows (the first ones, in file order).

    Returns
    -------
    DataFrame with ``Row`` (``source_row``), ``Organisation``, ``Why not placed`` (the status),
    ``Postcode``, ``Did you mean`` (a real postcode one character off, or empty), ``Use suggestion``
    (False), ``Latitude``, ``Longitude`` and ``LSOA code`` (text, as in the file or as corrected;
    ``""`` where none). Rows that are not organisations (:func:`not_organisations`) are left out.
    """
    t = result.table
    status = t["status"].astype(str)
    todo = t[((status != gc.OK) & ~status.str.startswith(NOT_AN_ORGANISATION)).to_numpy()].head(limit)
    det = result.detected
    lat, lon = _input_text(todo, det, "lat"), _input_text(todo, det, "lon")
    if "latlon" in det and det["latlon"] in todo.columns:
        la, lo = gc.split_latlon(todo[det["latlon"]])
        lat = lat.where(lat != "", _text(la))
        lon = lon.where(lon != "", _text(lo))
    lsoa = pd.Series("", index=todo.index, dtype="string")
    for role in ("lsoa21", "lsoa11", "lsoa"):
        lsoa = lsoa.where(lsoa != "", _input_text(todo, det, role))
    postcode = _text(todo["org_postcode"])
    out = pd.DataFrame({
        ROW: todo["source_row"].astype(int).to_numpy(),
        NAME: _text(todo["org_name"]).to_numpy(),
        REASON: status[todo.index].to_numpy(),
        POSTCODE: postcode.to_numpy(),
        SUGGESTION: suggestions(postcode).fillna("").to_numpy(),
        USE: False,
        LAT: lat.to_numpy(), LON: lon.to_numpy(), LSOA: lsoa.to_numpy(),
    })
    for col in (NAME, POSTCODE, SUGGESTION, LAT, LON, LSOA):
        out[col] = out[col].astype(object)
    if inputs is not None and len(inputs) and len(out):
        earlier = inputs.reindex(out[ROW].to_numpy())
        for col in INPUTS:
            if col in earlier.columns:
                typed = earlier[col].to_numpy()
                known = pd.notna(typed)
                out.loc[known, col] = typed[known]
    return out


def corrections(before: pd.DataFrame, after: pd.DataFrame, *,
                use_all_suggestions: bool = False) -> pd.DataFrame:
    """The rows to place again: those whose postcode, coordinates or LSOA code the user changed, or
    whose "did you mean" postcode they accepted.

    Parameters
    ----------
    before, after
        :func:`fix_table` as shown, and as the editor returned it (same rows, same order).
    use_all_suggestions
        Accept every row's suggestion (where there is one), as if each ``Use suggestion`` were ticked.

    Returns
    -------
    DataFrame indexed by ``Row`` with :data:`INPUTS` as text (the suggestion put in ``Postcode``
    where accepted), plus ``suggested`` (bool: the postcode is the accepted suggestion).
    """
    if len(before) != len(after):
        raise ValueError("the edited table must have the rows of the table shown")
    b = before.reset_index(drop=True)
    a = after.reset_index(drop=True)
    changed = pd.Series(False, index=a.index)
    for col in INPUTS:
        changed |= (_text(a[col]) != _text(b[col])).to_numpy()
    has = _text(a[SUGGESTION]) != ""
    ticked = a[USE].astype("boolean").fillna(False).astype(bool) if USE in a.columns else False
    accept = has & (ticked | use_all_suggestions)
    out = pd.DataFrame({col: _text(a[col]) for col in INPUTS})
    out.loc[accept, POSTCODE] = _text(a[SUGGESTION])[accept]
    out["suggested"] = accept.astype(bool)
    out.index = pd.Index(b[ROW].astype(int).to_numpy(), name=ROW)
    return out[(changed | accept).to_numpy()]


def place_corrections(todo: pd.DataFrame) -> pd.DataFrame:
    """Place corrected rows through the importer, as a list of their own.

    Parameters
    ----------
    todo
        :func:`corrections` (index ``Row``; ``Postcode``, ``Latitude``, ``Longitude``, ``LSOA code``
        as text; ``suggested``).

    Returns
    -------
    DataFrame indexed by ``source_row`` with the importer's location columns (``org_postcode``,
    ``lat``, ``lon``, ``lsoa11_code``, ``lsoa21_code``, ``status``, ``placed_by`` and any others it
    adds, e.g. ``placement_level``, ``confidence``): the importer's precedence decides which value
    wins when several are given. ``placed_by`` says the row was corrected in the app.
    """
    frame = pd.DataFrame({col: todo[col].astype("string").to_numpy() for col in INPUTS})
    frame = frame.astype(object).where(frame != "", None)
    res = import_frame(frame, column_map=_ROLES)
    t = res.table
    keep = [c for c in t.columns if c in STANDARD_COLUMNS and c not in _IDENTITY]
    out = t[keep].copy()
    out.index = pd.Index(todo.index.astype(int), name="source_row")
    note = pd.Series(CORRECTED, index=out.index, dtype=object)
    if "suggested" in todo.columns:
        took = todo["suggested"].astype(bool).to_numpy()
        note[took] = f"{CORRECTED} (suggested postcode accepted)"
    by = out["placed_by"].astype("string")
    out["placed_by"] = (by + "; " + note).fillna(note).astype(object)
    return out


def apply_fixes(result: ImportResult, rows: pd.DataFrame | None) -> ImportResult:
    """``result`` with corrected rows (:func:`place_corrections`, index ``source_row``) put in place of
    the originals; repeats are flagged again (a corrected postcode may make a row a repeat).

    Columns the corrected rows carry that the list does not are left out; ``result`` is unchanged.
    """
    if rows is None or rows.empty:
        return result
    table = result.table.copy()
    pos = pd.Series(range(len(table)), index=table["source_row"].astype(int).to_numpy())
    rows = rows[rows.index.isin(pos.index)]
    at = pos.reindex(rows.index).to_numpy()
    for col in rows.columns:
        if col not in table.columns:
            continue
        values = rows[col].to_numpy()
        if pd.api.types.is_float_dtype(table[col].dtype):
            values = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy()
        elif not pd.api.types.is_object_dtype(table[col].dtype):
            table[col] = table[col].astype(object)
            values = rows[col].astype(object).to_numpy()
        table.iloc[at, table.columns.get_loc(col)] = values
    for col in ("lsoa11_code", "lsoa21_code"):
        if col in table.columns:
            table[col] = table[col].astype("string")
    table["status"] = table["status"].astype(str)
    table["duplicate_of"] = flag_duplicates(table)
    n_ok = int((rows["status"].astype(str) == gc.OK).sum())
    note = (f"{len(rows):,} row{'s' if len(rows) != 1 else ''} corrected in the app this session "
            f"({n_ok:,} now placed)")
    return dataclasses.replace(result, table=table, notes=[*result.notes, note])


def merge_fixes(entry: dict[str, Any] | None, todo: pd.DataFrame, rows: pd.DataFrame) -> dict[str, Any]:
    """Earlier corrections of a list (``{"inputs", "rows"}``) updated with new ones (newest wins)."""
    entry = dict(entry or {})
    inputs = todo[list(INPUTS)]
    for name, new in (("inputs", inputs), ("rows", rows)):
        old = entry.get(name)
        if isinstance(old, pd.DataFrame) and len(old):
            new = pd.concat([old[~old.index.isin(new.index)], new])
        entry[name] = new
    return entry


# ----------------------------------------------------------------------------- Streamlit
def corrected(result: ImportResult, list_id: str) -> ImportResult:
    """``result`` with this session's corrections of the list ``list_id`` applied (the picker calls it,
    so every page uses the corrected list)."""
    st.session_state[LIST_KEY] = list_id
    entry = st.session_state.get(FIX_KEY, {}).get(list_id)
    return apply_fixes(result, entry.get("rows") if entry else None)


def fix_rows_editor(result: ImportResult, key: str) -> None:
    """The editable table of rows not placed, and "Place these rows again".

    Parameters
    ----------
    result
        The list in use, as :func:`needsmap.ui.orgs.org_layer_picker` returned it (corrections
        applied).
    key
        Prefix for widget keys.
    """
    list_id = str(st.session_state.get(LIST_KEY, ""))
    store: dict[str, dict[str, Any]] = st.session_state.setdefault(FIX_KEY, {})
    entry = store.get(list_id) or {}
    flash = st.session_state.pop(_FLASH_KEY, None)
    if flash:
        st.success(flash)
    extra = not_organisations(result)
    if len(extra):
        with st.expander(f"Rows that are not organisations ({len(extra):,}): reported, not counted"):
            st.dataframe(extra, hide_index=True, width="stretch")
    base = fix_table(result, inputs=entry.get("inputs"))
    if base.empty:
        return
    st.markdown("**Fix the rows not placed**")
    n_fixable = int(((result.table["status"].astype(str) != gc.OK)
                     & ~result.table["status"].astype(str).str.startswith(NOT_AN_ORGANISATION)).sum())
    shown = "" if n_fixable <= len(base) else (f" The first {len(base):,} of {n_fixable:,} are shown; "
                                                 "download the rows not placed for all of them.")
    st.caption("Correct a postcode, the coordinates or an LSOA code in the table, then place the rows "
               "again. Only the rows you change are placed again; corrections stay in this session "
               "(they are not saved to your file and no one else sees them)." + shown)
    n_sugg = int((base[SUGGESTION] != "").sum())
    use_all = False
    if n_sugg:
        use_all = st.checkbox(f"Use every “did you mean” postcode ({n_sugg:,})", value=False,
                              key=f"{key}_fix_use_all",
                              help="Each is a real postcode one character off the one given, in the "
                                   "same postcode sector. Or tick them one by one in the table.")
    version = int(st.session_state.get(f"{key}_fix_version", 0))
    disabled = [ROW, NAME, REASON, SUGGESTION]
    config = {
        ROW: st.column_config.NumberColumn(width="small", help="Row of the list (1 = first data row)"),
        NAME: st.column_config.TextColumn(width="medium"),
        REASON: st.column_config.TextColumn(width="medium"),
        POSTCODE: st.column_config.TextColumn(help="e.g. B31 2LB"),
        SUGGESTION: st.column_config.TextColumn(help="A real postcode one character off the one given"),
        USE: st.column_config.CheckboxColumn(help="Place this row at the suggested postcode"),
        LAT: st.column_config.TextColumn(help="Decimal degrees, e.g. 52.415"),
        LON: st.column_config.TextColumn(help="Decimal degrees, e.g. -1.967"),
        LSOA: st.column_config.TextColumn(help="e.g. E01009219 (2011 or 2021)"),
    }
    view = base if n_sugg else base.drop(columns=[SUGGESTION, USE])
    edited = st.data_editor(view, key=f"{key}_fix_{version}", hide_index=True, width="stretch",
                            num_rows="fixed", disabled=disabled, column_config=config)
    if not st.button("Place these rows again", key=f"{key}_fix_place", type="primary"):
        return
    if not n_sugg:
        edited = edited.assign(**{SUGGESTION: "", USE: False})
    todo = corrections(base, edited, use_all_suggestions=use_all)
    if todo.empty:
        st.info("Nothing to place again: change a postcode, the coordinates or an LSOA code first"
                + (", or accept a suggestion." if n_sugg else "."))
        return
    rows = place_corrections(todo)
    store[list_id] = merge_fixes(entry, todo, rows)
    st.session_state[FIX_KEY] = store
    st.session_state[f"{key}_fix_version"] = version + 1  # a fresh editor: the rows shown change
    n_ok = int((rows["status"].astype(str) == gc.OK).sum())
    st.session_state[_FLASH_KEY] = (
        f"{len(rows):,} row{'s' if len(rows) != 1 else ''} placed again: {n_ok:,} now placed in an "
        f"English LSOA, {len(rows) - n_ok:,} still not placed (the reason is in the table). Every page "
        "now uses the corrected list.")
    st.rerun()


__all__ = [
    "CORRECTED",
    "EDITOR_LIMIT",
    "FIX_KEY",
    "INPUTS",
    "LIST_KEY",
    "apply_fixes",
    "corrected",
    "corrections",
    "fix_rows_editor",
    "fix_table",
    "merge_fixes",
    "not_organisations",
    "place_corrections",
    "suggestions",
]
