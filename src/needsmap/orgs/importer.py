"""Import any organisation list (CSV, Excel, 360Giving CSV/XLSX/JSON) and place every row.

Columns are found by their headers (``postcode``/``post code``/``pcd``/``zip``, ``name``/
``organisation``/``charity_name``, ``lat``/``latitude``, ``lon``/``lng``/``longitude``, a single
``"lat,lon"`` field, ``lsoa`` codes, ``category``/``type``/``network``, charity number, ``closed``)
and can be overridden with ``column_map``. Encodings (UTF-8 with or without BOM, UTF-16, Windows-1252,
Latin-1) and delimiters (``,`` ``;`` tab ``|``) are detected. Every input row comes out, placed or
with the reason it was not; duplicates and closed organisations are flagged, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from needsmap.config import MAX_UPLOAD_ROWS
from needsmap.errors import ValidationError
from needsmap.orgs import geocode as gc
from needsmap.orgs.columns import LOCATION_ROLES, ROLE_LABELS, SYNONYMS, _is_360, detect_columns
from needsmap.orgs.reading import Source, decode_text, read_table_file, sniff_delimiter

#: a progress callback: fraction done (0–1) and what is happening
Progress = Callable[[float, str], None]

#: standard columns every imported table carries (after the original ones)
STANDARD_COLUMNS = (
    "source_row", "org_name", "org_category", "org_postcode", "org_charity_number", "org_closed",
    "lat", "lon", "lsoa11_code", "lsoa21_code", "status", "placed_by", "duplicate_of",
)
GRANT_COLUMNS = ("amount", "award_date", "beneficiary_code")

_TRUE = {"TRUE", "YES", "Y", "1", "CLOSED", "X", "T"}
_FALSE = {"", "FALSE", "NO", "N", "0", "OPEN", "NA", "N/A", "NAN", "NONE", "-", "F"}


class ColumnsNotFoundError(ValidationError):
    """No column could be recognised as a postcode, coordinates or LSOA code."""

    def __init__(self, message: str, columns: list[str]) -> None:
        super().__init__(message)
        self.columns = columns


@dataclass
class ImportResult:
    """An imported organisation list: every input row with where it was placed, or why not.

    Attributes
    ----------
    table
        Every input row: the original columns (renamed ``"<name> (input)"`` where they clash with
        a standard one) and :data:`STANDARD_COLUMNS` (360Giving files add :data:`GRANT_COLUMNS`).
    detected
        Role → column used (``postcode``, ``name``, ``lat`` …).
    kind
        ``"list"``, ``"360giving"`` or ``"postcode lookup"`` (an NSPL/ONSPD extract).
    notes
        What was detected or repaired (encoding, delimiter, skipped lines …), in words.
    unsure
        Roles whose column was a guess: the dashboard asks the user to confirm them.
    label
        What the list is, for captions (a default layer's title, or the file name).
    """

    table: pd.DataFrame
    detected: dict[str, str] = field(default_factory=dict)
    kind: str = "list"
    filename: str = ""
    notes: list[str] = field(default_factory=list)
    unsure: list[str] = field(default_factory=list)
    label: str = ""

    def __post_init__(self) -> None:
        if not self.label:
            self.label = self.filename or "organisation list"

    @property
    def placed(self) -> pd.DataFrame:
        """Rows placed in an English LSOA (``status == "ok"``)."""
        return self.table[self.table["status"] == gc.OK]

    @property
    def rejected(self) -> pd.DataFrame:
        """Rows that could not be placed, with the reason in ``status``."""
        return self.table[self.table["status"] != gc.OK]

    @property
    def columns(self) -> list[str]:
        """The original (input) columns, in file order."""
        std = set(STANDARD_COLUMNS) | set(GRANT_COLUMNS)
        return [str(c) for c in self.table.columns if c not in std]

    def summary(self) -> pd.DataFrame:
        """Rows per status (``ok`` first, then the commonest reasons), with the share of all rows."""
        counts = self.table["status"].value_counts()
        order = [gc.OK] if gc.OK in counts.index else []
        order += [s for s in counts.index if s != gc.OK]
        out = pd.DataFrame({"status": order, "rows": counts.reindex(order).to_numpy()})
        total = max(len(self.table), 1)
        out["share"] = (out["rows"] / total).round(4)
        return out

    def summary_text(self) -> str:
        """One line: how many rows were placed, out of how many, plus flags."""
        n, k = len(self.table), len(self.placed)
        pct = f" ({k / n:.0%})" if n else ""
        parts = [f"{k:,} of {n:,} rows placed in an English LSOA{pct}"]
        dups = int(self.table["duplicate_of"].notna().sum())
        if dups:
            parts.append(f"{dups:,} flagged as duplicates")
        closed = int(self.table["org_closed"].fillna(False).astype(bool).sum())
        if closed:
            parts.append(f"{closed:,} marked closed")
        return "; ".join(parts) + "."


# ----------------------------------------------------------------------------- placing
def _parse_closed(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip().str.upper().fillna("")
    closed = text.isin(_TRUE) | text.str.match(r"^(19|20)\d\d").fillna(False)
    unknown = ~closed & ~text.isin(_FALSE)
    # anything else written there (e.g. "closed temporarily") counts as closed
    return (closed | unknown).astype(bool)


def _pretty_postcode(clean: pd.Series) -> pd.Series:
    return clean.str.slice(0, -3) + " " + clean.str.slice(-3)


def _name_key(names: pd.Series) -> pd.Series:
    key = names.astype("string").str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()
    key = key.str.replace(r"^the ", "", regex=True).str.replace(" ", "", regex=False)
    return key.where(key.str.len() > 0)


def flag_duplicates(table: pd.DataFrame) -> pd.Series:
    """``source_row`` of an earlier row for the same organisation, else ``<NA>``.

    Same organisation: the same normalised name and postcode (name alone when neither row has a
    postcode), or the same charity number at the same postcode. One charity number at different
    postcodes is a charity with several branches (food bank networks register many sites under one
    number), so those rows are not flagged.
    """
    rows = pd.Series(table["source_row"].to_numpy(), index=table.index)
    name = _name_key(table["org_name"])
    pc = gc.normalise_postcode(table["org_postcode"])
    # without a postcode, rows compare by name alone (e.g. grants to the same recipient)
    k1 = (name + "|" + pc.fillna("")).where(name.notna())
    num = table["org_charity_number"].astype("string").str.replace(r"\D", "", regex=True)
    # one charity number at several postcodes is a charity with branches (e.g. a food bank network),
    # not a repeat: the number counts only together with the postcode
    k2 = (num + "|" + pc.fillna("")).where(num.str.len().fillna(0).astype(int) >= 5)
    cands = []
    for key in (k1, k2):
        first = rows.groupby(key.to_numpy(dtype=object), dropna=True).transform("min")
        first = first.reindex(rows.index)
        cands.append(first.where(first != rows))
    return pd.concat(cands, axis=1).min(axis=1).astype("Int64")


def _level_words(code: str) -> str:
    prefix = code[:3]
    return {"E01": "LSOA", "E02": "MSOA", "E05": "ward", "E06": "local-authority",
            "E07": "local-authority", "E08": "local-authority", "E09": "local-authority",
            "E10": "county", "E12": "region", "E92": "country"}.get(prefix, "area")


def _place(df: pd.DataFrame, detected: dict[str, str], *, kind: str,
           lookup: pd.DataFrame | None, progress: Progress | None) -> pd.DataFrame:
    """Place each row: LSOA code, then postcode, then coordinates, then 360Giving beneficiary area."""
    idx = df.index
    res = pd.DataFrame(index=idx)
    res["postcode_clean"] = pd.array([pd.NA] * len(idx), dtype="string")
    res["lat"] = np.nan
    res["lon"] = np.nan
    res["lsoa11_code"] = pd.array([pd.NA] * len(idx), dtype="string")
    res["lsoa21_code"] = pd.array([pd.NA] * len(idx), dtype="string")
    res["status"] = pd.Series(gc.ST_NO_INPUT, index=idx, dtype=object)
    res["placed_by"] = pd.Series(None, index=idx, dtype=object)

    def take(part: pd.DataFrame, *, reason_if: Callable[[pd.Series], pd.Series] | None = None) -> None:
        ok = part["status"] == gc.OK
        rows = part.index[ok]
        pending_ok = res.loc[rows, "status"] != gc.OK
        rows = rows[pending_ok.to_numpy()]
        for col in ("lat", "lon", "lsoa11_code", "lsoa21_code", "placed_by"):
            res.loc[rows, col] = part.loc[rows, col]
        res.loc[rows, "status"] = gc.OK
        # remember a better reason for rows still not placed
        bad = part.index[~ok]
        cur = res.loc[bad, "status"]
        replace = cur == gc.ST_NO_INPUT
        if reason_if is not None:
            replace = replace | reason_if(cur)
        res.loc[bad[replace.to_numpy()], "status"] = part.loc[bad[replace.to_numpy()], "status"]

    def report(frac: float, msg: str) -> None:
        if progress is not None:
            progress(frac, msg)

    lsoa_cols = [detected[r] for r in ("lsoa21", "lsoa11", "lsoa") if r in detected]
    if lsoa_cols:
        report(0.15, "Placing rows by LSOA code…")
        codes = df[lsoa_cols[0]].astype("string")
        for c in lsoa_cols[1:]:
            codes = codes.where(~gc._is_blank(codes), df[c].astype("string"))
        part = gc.place_lsoa_codes(codes)
        if "lsoa11" in detected and "lsoa21" in detected:  # NSPL/ONSPD style: both exact
            p11 = gc.place_lsoa_codes(df[detected["lsoa11"]])
            part["lsoa11_code"] = p11["lsoa11_code"].where(p11["status"] == gc.OK, part["lsoa11_code"])
        if kind == "postcode lookup":
            part["placed_by"] = part["placed_by"].where(part["status"] != gc.OK, gc.BY_EXACT)
        take(part)

    if "postcode" in detected:
        raw = df[detected["postcode"]]
        res["postcode_clean"] = gc.normalise_postcode(raw)
        todo = raw[(res["status"] != gc.OK).to_numpy()]
        chunk = 25_000
        parts = []
        for start in range(0, len(todo), chunk):
            report(0.2 + 0.6 * start / max(len(todo), 1),
                   f"Placing postcodes {start + 1:,}–{min(start + chunk, len(todo)):,} of {len(todo):,}…")
            parts.append(gc.place_postcodes(todo.iloc[start:start + chunk], lookup=lookup))
        if parts:
            part = pd.concat(parts)
            take(part, reason_if=lambda cur: cur == gc.ST_BAD_LSOA)
            # a postcode's own coordinates are kept even when it is outside England (for the record)
            miss = part.index[(part["status"] != gc.OK).to_numpy()]
            res.loc[miss, "lat"] = res.loc[miss, "lat"].fillna(part.loc[miss, "lat"])
            res.loc[miss, "lon"] = res.loc[miss, "lon"].fillna(part.loc[miss, "lon"])

    lat = lon = None
    if "latlon" in detected:
        lat, lon = gc.split_latlon(df[detected["latlon"]])
    if "lat" in detected and "lon" in detected:
        la, lo = df[detected["lat"]], df[detected["lon"]]
        lat = la if lat is None else la.where(~gc._is_blank(la), lat)
        lon = lo if lon is None else lo.where(~gc._is_blank(lo), lon)
    if lat is not None and lon is not None:
        report(0.85, "Placing rows by coordinates…")
        pending = (res["status"] != gc.OK).to_numpy()
        if pending.any():
            prior = res.loc[pending, "status"]
            part = gc.place_coordinates(lat[pending], lon[pending])
            if kind == "360giving":
                part["placed_by"] = part["placed_by"].where(
                    part["placed_by"].isna(), "beneficiary location " + part["placed_by"].astype(str))
            fell_back = part["status"].eq(gc.OK) & prior.ne(gc.ST_NO_INPUT)
            part.loc[fell_back, "placed_by"] = (part.loc[fell_back, "placed_by"].astype(str)
                                                + "; postcode: " + prior[fell_back].astype(str))
            take(part)

    if "beneficiary_code" in detected:
        code = df[detected["beneficiary_code"]].astype("string").str.strip().str.upper()
        pending = (res["status"] != gc.OK).to_numpy()
        lsoa_like = code.str.match(r"^E01\d{6}$").fillna(False).to_numpy()
        sel = pending & lsoa_like
        if sel.any():
            part = gc.place_lsoa_codes(code[sel])
            part["placed_by"] = part["placed_by"].where(part["placed_by"].isna(),
                                                        "beneficiary area (LSOA code)")
            take(part)
        other = (res["status"] == gc.ST_NO_INPUT).to_numpy() & ~lsoa_like & ~gc._is_blank(code).to_numpy()
        if other.any():
            words = code[other].map(lambda c: f"{_level_words(str(c))} level only (beneficiary area "
                                              f"{c}; no recipient postcode)")
            res.loc[other, "status"] = words.to_numpy()
    return res


def import_frame(df: pd.DataFrame, *, column_map: Mapping[str, str | None] | None = None,
                 progress: Progress | None = None, lookup: pd.DataFrame | None = None,
                 filename: str = "", notes: list[str] | None = None) -> ImportResult:
    """Place every row of an organisation list already read into a frame.

    Parameters
    ----------
    df
        The list, one organisation (or grant) per row, original columns.
    column_map
        Role → column overrides (roles: see :data:`ROLE_LABELS`); ``None``/``""`` unsets a role.
    progress
        Called with (fraction done, message) while placing.
    lookup
        An official NSPL/ONSPD lookup (:func:`needsmap.orgs.geocode.read_postcode_lookup`).

    Raises
    ------
    ColumnsNotFoundError
        No column is a postcode, coordinates or LSOA code (and none was named in ``column_map``).
    ValidationError
        The frame is empty, too long, or ``column_map`` names a column that is not there.
    """
    notes = list(notes or [])
    if df.empty:
        raise ValidationError("The list has no rows: there is nothing to import.")
    if len(df) > MAX_UPLOAD_ROWS:
        raise ValidationError(f"The list has {len(df):,} rows; the most accepted is {MAX_UPLOAD_ROWS:,}.")
    std = set(STANDARD_COLUMNS) | set(GRANT_COLUMNS)
    original = df.copy()
    original.columns = [str(c) for c in original.columns]
    renames = {c: f"{c} (input)" for c in original.columns if c in std}
    original = original.rename(columns=renames)
    columns = list(original.columns)
    detected, unsure = detect_columns(columns)
    kind = "360giving" if _is_360(columns) else "list"
    if gc.looks_like_postcode_lookup(pd.Index(columns)):
        kind = "postcode lookup"
        notes.append("this file carries LSOA codes from the official postcode lookup (NSPL/ONSPD): "
                     "they are used as they are")
    if kind == "360giving":
        notes.append("360Giving grants file: placed by the recipient's postcode, else the "
                     "beneficiary location")
    for role, col in (column_map or {}).items():
        if role not in ROLE_LABELS:
            raise ValidationError(f"Unknown column role '{role}'; roles are {', '.join(ROLE_LABELS)}.")
        if not col:
            detected.pop(role, None)
            continue
        col = renames.get(str(col), str(col))
        if col not in original.columns:
            raise ValidationError(f"The column '{col}' named for {ROLE_LABELS[role].lower()} is not in "
                                  f"the file; columns are {', '.join(columns[:30])}.")
        detected = {r: c for r, c in detected.items() if c != col}
        detected[role] = col
        if role in unsure:
            unsure.remove(role)
    if column_map:
        unsure = [r for r in unsure if r not in column_map and not (
            r == "postcode" and any(x in detected for x in LOCATION_ROLES))]
    if not any(r in detected for r in LOCATION_ROLES) or (
            set(detected) & set(LOCATION_ROLES) <= {"lat"} | {"lon"}
            and not ("lat" in detected and "lon" in detected)):
        raise ColumnsNotFoundError(
            "No column looks like a postcode, coordinates (latitude and longitude) or an LSOA code. "
            f"Columns found: {', '.join(columns[:30])}. Name the postcode column (column mapping), "
            "or rename it 'postcode'.", columns)

    work = original.reset_index(drop=True)
    placed = _place(work, detected, kind=kind, lookup=lookup, progress=progress)
    if progress is not None:
        progress(0.95, "Flagging duplicates and closed organisations…")
    out = work.copy()
    out["source_row"] = np.arange(1, len(work) + 1)
    if "name" in detected:
        out["org_name"] = work[detected["name"]].astype("string").str.strip()
    else:
        out["org_name"] = pd.Series([f"Row {i}" for i in out["source_row"]], dtype="string")
    out["org_category"] = (work[detected["category"]].astype("string").str.strip()
                           if "category" in detected else pd.Series(pd.NA, index=work.index, dtype="string"))
    out["org_category"] = out["org_category"].where(~gc._is_blank(out["org_category"]), pd.NA)
    if "postcode" in detected:
        raw = work[detected["postcode"]].astype("string").str.strip()
        clean = placed["postcode_clean"]
        out["org_postcode"] = _pretty_postcode(clean).fillna(raw.where(~gc._is_blank(raw)))
    else:
        out["org_postcode"] = pd.Series(pd.NA, index=work.index, dtype="string")
    out["org_charity_number"] = (work[detected["charity_number"]].astype("string").str.strip()
                                 if "charity_number" in detected
                                 else pd.Series(pd.NA, index=work.index, dtype="string"))
    out["org_charity_number"] = out["org_charity_number"].where(
        ~gc._is_blank(out["org_charity_number"]), pd.NA)
    out["org_closed"] = (_parse_closed(work[detected["closed"]]) if "closed" in detected
                         else pd.Series(False, index=work.index))
    for col in ("lat", "lon", "lsoa11_code", "lsoa21_code", "status", "placed_by"):
        out[col] = placed[col].to_numpy()
    out["lat"] = out["lat"].astype(float)
    out["lon"] = out["lon"].astype(float)
    for col in ("lsoa11_code", "lsoa21_code"):
        out[col] = out[col].astype("string")
    out["status"] = out["status"].astype(str)
    out["duplicate_of"] = flag_duplicates(out)
    if kind == "360giving":
        amt = work[detected["amount"]] if "amount" in detected else pd.Series(pd.NA, index=work.index)
        out["amount"] = pd.to_numeric(amt.astype("string").str.replace(r"[£,\s]", "", regex=True),
                                      errors="coerce")
        date = work[detected["award_date"]] if "award_date" in detected else pd.Series(pd.NA, index=work.index)
        out["award_date"] = pd.to_datetime(date.astype("string").str.slice(0, 10), errors="coerce",
                                           format="%Y-%m-%d")
        code = (work[detected["beneficiary_code"]].astype("string").str.strip()
                if "beneficiary_code" in detected else pd.Series(pd.NA, index=work.index, dtype="string"))
        out["beneficiary_code"] = code.where(~gc._is_blank(code), pd.NA)
    if progress is not None:
        progress(1.0, "Done.")
    return ImportResult(table=out, detected=detected, kind=kind, filename=filename, notes=notes,
                        unsure=sorted(set(unsure)))


def import_file(source: Source, *, filename: str, column_map: Mapping[str, str | None] | None = None,
                progress: Progress | None = None, lookup: pd.DataFrame | None = None) -> ImportResult:
    """Read a CSV, Excel (.xlsx) or 360Giving (CSV/XLSX/JSON) file and place every row.

    Parameters
    ----------
    source
        File path, bytes, or a file-like object (e.g. Streamlit's uploaded file).
    filename
        The file's name (its extension picks the reader; messages quote it).
    column_map, progress, lookup
        As for :func:`import_frame`.

    Raises
    ------
    ValidationError
        Empty, too large (``MAX_UPLOAD_MB``), too many rows (``MAX_UPLOAD_ROWS``), unreadable, or
        no postcode/coordinates/LSOA column (:class:`ColumnsNotFoundError`).
    """
    if progress is not None:
        progress(0.02, f"Reading {filename}…")
    frame, notes = read_table_file(source, filename=filename)
    return import_frame(frame, column_map=column_map, progress=progress, lookup=lookup,
                        filename=filename, notes=notes)


__all__ = [
    "GRANT_COLUMNS",
    "LOCATION_ROLES",
    "SYNONYMS",
    "ROLE_LABELS",
    "STANDARD_COLUMNS",
    "ColumnsNotFoundError",
    "ImportResult",
    "decode_text",
    "detect_columns",
    "flag_duplicates",
    "import_file",
    "import_frame",
    "read_table_file",
    "sniff_delimiter",
]
