"""Which column of an organisation list plays which role: header synonyms and detection.

Headers are compared in normalised form (lower case, words joined by ``_``). Roles: see
:data:`ROLE_LABELS`.
"""

from __future__ import annotations

import re

#: header synonyms per role, in normalised form (lower case, words joined by ``_``); best first
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("recipient_org_name", "name", "organisation_name", "organization_name", "org_name",
             "charity_name", "organisation", "organization", "group_name", "provider_name",
             "venue_name", "site_name", "library_name", "foodbank_name", "service_name", "charity"),
    "postcode": ("recipient_org_postal_code", "postcode", "post_code", "postal_code", "pcds", "pcd",
                 "pcd2", "pcd7", "pcd8", "zip", "zip_code", "zipcode", "postcode_of_address",
                 "address_postcode", "contact_postcode", "charity_contact_postcode", "postzip"),
    "lat": ("lat", "latitude", "beneficiary_location_latitude", "y_lat", "lat_wgs84"),
    "lon": ("lon", "lng", "long", "longitude", "beneficiary_location_longitude", "x_lon",
            "long_wgs84"),
    "latlon": ("latt_long", "lat_long", "latlong", "lat_lon", "latlon", "lat_lng", "latlng",
               "coordinates", "coords", "geo_point", "geopoint"),
    "lsoa21": ("lsoa21", "lsoa21cd", "lsoa21_code", "lsoa_2021", "lsoa_code_2021", "lsoa21_cd"),
    "lsoa11": ("lsoa11", "lsoa11cd", "lsoa11_code", "lsoa_2011", "lsoa_code_2011", "lsoa11_cd"),
    "lsoa": ("lsoa", "lsoa_code", "lsoacd", "lsoa_cd", "lsoa_id", "lower_super_output_area"),
    "category": ("category", "type", "network", "charity_type", "organisation_type",
                 "organization_type", "org_type", "sector", "theme", "classification",
                 "grant_programme_title", "activity", "service_type"),
    "charity_number": ("recipient_org_charity_number", "charity_number", "registered_charity_number",
                       "charity_no", "charity_reg_no", "charity_registration_number",
                       "reg_charity_number", "regno", "charity_num"),
    "closed": ("closed", "is_closed", "date_closed", "closed_date", "closure_date"),
    "amount": ("amount_awarded", "grant_amount", "award_amount", "amount"),
    "award_date": ("award_date", "date_awarded", "grant_date"),
    "beneficiary_code": ("beneficiary_location_geographic_code",),
}
#: what each role means, for messages and the column-mapping form
ROLE_LABELS: dict[str, str] = {
    "name": "Organisation name", "postcode": "Postcode", "lat": "Latitude", "lon": "Longitude",
    "latlon": 'Coordinates in one field ("lat,lon")', "lsoa": "LSOA code",
    "lsoa11": "LSOA 2011 code", "lsoa21": "LSOA 2021 code", "category": "Category / type",
    "charity_number": "Charity number", "closed": "Closed (yes/no or date)",
    "amount": "Amount awarded", "award_date": "Award date",
    "beneficiary_code": "Beneficiary area code",
}
LOCATION_ROLES = ("postcode", "lat", "lon", "latlon", "lsoa", "lsoa11", "lsoa21", "beneficiary_code")


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(header).lower()).strip("_")



def _header_score(row: list[str]) -> int:
    names = {_norm(c) for c in row if c}
    return sum(1 for syns in SYNONYMS.values() if names & set(syns))



# ----------------------------------------------------------------------------- detection
def detect_columns(columns: list[str]) -> tuple[dict[str, str], list[str]]:
    """Guess which column plays each role from its header.

    Returns
    -------
    ``(detected, unsure)``: role → column, and the roles that were guessed from a partial match.
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
        if role in detected or role in ("lat", "lon", "closed", "amount"):
            continue
        cands = [c for c in columns if c not in used and any(
            re.search(rf"(^|_){re.escape(s)}(_|$)", norm[c]) for s in syns if len(s) >= 4)]
        if cands:
            detected[role] = cands[0]
            used.add(cands[0])
            if len(cands) > 1:
                unsure.append(role)
    if ("lat" in detected) != ("lon" in detected):
        unsure.append("lat" if "lat" not in detected else "lon")
    if not any(r in detected for r in LOCATION_ROLES):
        unsure.append("postcode")
    if "name" not in detected:
        unsure.append("name")
    return detected, unsure


def _is_360(columns: list[str]) -> bool:
    names = {_norm(c) for c in columns}
    return "recipient_org_name" in names or ("amount_awarded" in names and "identifier" in names)
