"""Which column of an organisation list plays which role: header synonyms and detection.

Headers are compared in normalised form (lower case, words joined by ``_``). Roles: see
:data:`ROLE_LABELS`. Columns named like needsmap's own output (``lat``, ``lsoa21_code``,
``org_name`` …) are detected as what they are, so a placed list can be read back in.

GrantNav's numbered columns (``Beneficiary Location:0:Geographic Code``, ``Beneficiary
Location:1:…``, ``Recipient Org:Location:0:Geographic Code``) are found, every index, by
:func:`indexed_locations`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: header synonyms per role, in normalised form (lower case, words joined by ``_``); best first
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("recipient_org_name", "org_name", "name", "organisation_name", "organization_name",
             "charity_name", "organisation", "organization", "group_name", "group", "project_name",
             "project", "provider_name", "venue_name", "site_name", "site", "library_name",
             "foodbank_name", "service_name", "name_of_organisation", "name_of_organization",
             "recipient_name", "recipient", "grantee", "charity"),
    "postcode": ("recipient_org_postal_code", "org_postcode", "postcode", "post_code", "postal_code",
                 "pcds", "pcd", "pcd2", "pcd7", "pcd8", "zip", "zip_code", "zipcode",
                 "postcode_of_address", "address_postcode", "contact_postcode",
                 "charity_contact_postcode", "postzip"),
    "lat": ("lat", "latitude", "beneficiary_location_latitude", "y_lat", "lat_wgs84"),
    "lon": ("lon", "lng", "long", "longitude", "beneficiary_location_longitude", "x_lon",
            "long_wgs84"),
    "latlon": ("latt_long", "lat_long", "latlong", "lat_lon", "latlon", "lat_lng", "latlng",
               "coordinates", "coords", "geo_point", "geopoint"),
    "easting": ("easting", "eastings", "os_easting", "bng_easting", "grid_easting", "x_easting",
                "east", "bng_x", "os_x", "x"),
    "northing": ("northing", "northings", "os_northing", "bng_northing", "grid_northing",
                 "y_northing", "north", "bng_y", "os_y", "y"),
    "gridref": ("grid_ref", "grid_reference", "gridref", "os_grid_ref", "os_grid_reference",
                "ngr", "national_grid_reference", "bng"),
    "lsoa21": ("lsoa21_code", "lsoa21", "lsoa21cd", "lsoa_2021", "lsoa_code_2021", "lsoa21_cd"),
    "lsoa11": ("lsoa11_code", "lsoa11", "lsoa11cd", "lsoa_2011", "lsoa_code_2011", "lsoa11_cd"),
    "lsoa": ("lsoa", "lsoa_code", "lsoacd", "lsoa_cd", "lsoa_id", "lower_super_output_area"),
    "address": ("address", "full_address", "postal_address", "street_address", "contact_address",
                "charity_contact_address", "recipient_org_street_address", "address_lines",
                "venue_address", "site_address", "organisation_address", "organization_address"),
    "category": ("org_category", "category", "type", "network", "charity_type", "organisation_type",
                 "organization_type", "org_type", "sector", "theme", "classification",
                 "grant_programme_title", "activity", "service_type"),
    "charity_number": ("recipient_org_charity_number", "org_charity_number", "charity_number",
                       "registered_charity_number", "charity_no", "charity_reg_no",
                       "charity_registration_number", "reg_charity_number", "regno", "charity_num"),
    "company_number": ("recipient_org_company_number", "org_company_number", "company_number",
                       "charity_company_registration_number", "company_registration_number",
                       "companies_house_number", "company_no", "company_reg_no",
                       "registered_company_number"),
    "closed": ("org_closed", "closed", "is_closed", "date_closed", "closed_date", "closure_date",
               "date_of_removal", "removal_date", "date_removed"),
    "registration_status": ("charity_registration_status", "registration_status"),
    "amount": ("amount_awarded", "grant_amount", "award_amount", "amount"),
    "award_date": ("award_date", "date_awarded", "grant_date"),
    "grant_id": ("grant_id", "identifier", "grant_identifier"),
    "recipient_id": ("recipient_id", "recipient_org_identifier"),
    "beneficiary_code": ("beneficiary_code", "beneficiary_location_geographic_code", "area_code",
                         "geographic_code", "geo_code", "gss_code"),
}
#: what each role means, for messages and the column-mapping form
ROLE_LABELS: dict[str, str] = {
    "name": "Organisation name", "postcode": "Postcode", "lat": "Latitude", "lon": "Longitude",
    "latlon": 'Coordinates in one field ("lat,lon")',
    "easting": "Easting (British National Grid, metres)",
    "northing": "Northing (British National Grid, metres)",
    "gridref": 'Grid reference ("easting northing")',
    "lsoa": "LSOA code", "lsoa11": "LSOA 2011 code", "lsoa21": "LSOA 2021 code",
    "address": "Address (its postcode is used when there is no postcode column)",
    "category": "Category / type", "charity_number": "Charity number",
    "company_number": "Company number",
    "closed": "Closed (yes/no or date)",
    "registration_status": "Registration status (Removed = closed)",
    "amount": "Amount awarded", "award_date": "Award date",
    "grant_id": "Grant identifier", "recipient_id": "Recipient identifier",
    "beneficiary_code": "Area code (ward, local authority, region, country or LSOA)",
}
LOCATION_ROLES = ("postcode", "lat", "lon", "latlon", "easting", "northing", "gridref", "lsoa",
                  "lsoa11", "lsoa21", "beneficiary_code", "address")
#: roles whose headers are too short or common to be found inside a longer header
_EXACT_ONLY = ("lat", "lon", "closed", "amount", "easting", "northing", "gridref", "grant_id",
               "recipient_id", "registration_status", "name", "address")

#: GrantNav's numbered location columns (normalised): which location list, index, field
_INDEXED = re.compile(r"^(beneficiary_location|recipient_org_location)_(\d+)_"
                      r"(geographic_code|latitude|longitude|name)$")


#: a numbered column (``…:0:…``): only :func:`indexed_locations` reads these
_NUMBERED = re.compile(r"(^|_)\d+_")


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(header).lower()).strip("_")


#: a cell that is a number (or a date/amount), not a heading
_NUMERIC_CELL = re.compile(r"[\s\d.,:/%£$€+\-eE]+")


def _header_score(row: list[str]) -> int:
    """How much ``row`` looks like a heading row: the number of roles its cells name.

    0 when no cell names a role by a synonym of two or more characters (the single letters
    ``x``/``y`` are easting/northing only beside such a heading: a data row of ``x, y`` is not a
    heading), or when most of its non-empty cells are numbers.
    """
    cells = [c for c in row if c and c.strip()]
    names = {_norm(c) for c in cells}
    roles = [syns for syns in SYNONYMS.values() if names & set(syns)]
    if not any(len(s) > 1 for syns in roles for s in names & set(syns)):
        return 0
    if sum(1 for c in cells if _NUMERIC_CELL.fullmatch(c)) * 2 > len(cells):
        return 0
    return len(roles)


# ----------------------------------------------------------------------------- detection
#: headers that describe someone other than the organisation (a grant's funder): never the
#: organisation's location ("Funding Org:Postal Code" is the funder's office)
_OTHER_PARTY = re.compile(r"^(funding_org|funder|funding_organi[sz]ation)(_|$)")


def detect_columns(columns: list[str]) -> tuple[dict[str, str], list[str]]:
    """Guess which column plays each role from its header.

    Parameters
    ----------
    columns
        The list's column names as they are in the file (not renamed).

    Returns
    -------
    ``(detected, unsure)``: role → column, and the roles that were guessed from a partial match
    (or are missing: a name, or any location).
    """
    norm = {c: _norm(c) for c in columns}
    used: set[str] = set()
    detected: dict[str, str] = {}
    unsure: list[str] = []
    for role, syns in SYNONYMS.items():  # exact matches, best synonym first
        for syn in syns:
            hit = next((c for c in columns if norm[c] == syn and c not in used), None)
            if hit is not None:
                detected[role] = hit
                used.add(hit)
                break
    for role, syns in SYNONYMS.items():  # then a synonym as whole words inside a longer header
        if role in detected or role in _EXACT_ONLY:
            continue
        cands = [c for c in columns if c not in used and not _NUMBERED.search(norm[c])
                 and not norm[c].endswith("_type")
                 and not (role in LOCATION_ROLES and _OTHER_PARTY.match(norm[c])) and any(
            re.search(rf"(^|_){re.escape(s)}(_|$)", norm[c]) for s in syns if len(s) >= 4)]
        if cands:
            detected[role] = cands[0]
            used.add(cands[0])
            if len(cands) > 1:
                unsure.append(role)
    if "name" not in detected:  # "Name of group", "Organisation (trading name)" …
        cands = [c for c in columns if c not in used and not _INDEXED.match(norm[c])
                 and re.search(r"(^|_)(name|organi[sz]ation|group|project)(_|$)", norm[c])
                 and not re.search(r"(^|_)(contact|person|first|last|sur|funding|funder|file|"
                                   r"user|programme)(_|name|$)", norm[c])]
        # an organisation/group/project column beats a bare "… name" one
        cands.sort(key=lambda c: re.search(r"organi[sz]ation|group|project", norm[c]) is None)
        if cands:
            detected["name"] = cands[0]
            used.add(cands[0])
            unsure.append("name")
    if "address" not in detected:  # "Address line", "Full postal address" …
        cands = [c for c in columns if c not in used and re.search(r"(^|_)address(_|$)", norm[c])
                 and not re.search(r"(^|_)(e_?mail|web|website|ip|url|mac)_address", norm[c])]
        if cands:
            detected["address"] = cands[-1]
            used.add(cands[-1])
    if ("lat" in detected) != ("lon" in detected):
        unsure.append("lat" if "lat" not in detected else "lon")
    if ("easting" in detected) != ("northing" in detected):
        unsure.append("easting" if "easting" not in detected else "northing")
    if not any(r in detected for r in LOCATION_ROLES) and not indexed_locations(columns).codes:
        unsure.append("postcode")
    if "name" not in detected:
        unsure.append("name")
    return detected, unsure


@dataclass
class IndexedLocations:
    """GrantNav's numbered location columns, in index order (beneficiary locations first).

    Attributes
    ----------
    codes
        ``(column, which)`` for every ``…:N:Geographic Code`` column; ``which`` is
        ``"Beneficiary Location:N"`` or ``"Recipient Org:Location:N"`` (N as in the file).
    points
        ``(latitude column, longitude column, which)`` for every numbered pair.
    names
        ``which`` → the ``…:N:Name`` column, where there is one.
    """

    codes: list[tuple[str, str]] = field(default_factory=list)
    points: list[tuple[str, str, str]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)


def indexed_locations(columns: list[str]) -> IndexedLocations:
    """Every numbered GrantNav location column (``Beneficiary Location:1:Geographic Code`` …)."""
    found: dict[tuple[str, int], dict[str, str]] = {}
    for c in columns:
        m = _INDEXED.match(_norm(c))
        if m:
            found.setdefault((m.group(1), int(m.group(2))), {})[m.group(3)] = c
    out = IndexedLocations()
    for (kind, i), cols in sorted(found.items()):
        which = f"{'Beneficiary Location' if kind.startswith('beneficiary') else 'Recipient Org:Location'}:{i}"
        if "geographic_code" in cols:
            out.codes.append((cols["geographic_code"], which))
        if "latitude" in cols and "longitude" in cols:
            out.points.append((cols["latitude"], cols["longitude"], which))
        if "name" in cols:
            out.names[which] = cols["name"]
    return out


def _is_360(columns: list[str]) -> bool:
    names = {_norm(c) for c in columns}
    return "recipient_org_name" in names or ("amount_awarded" in names and "identifier" in names)
