"""A small warehouse written by hand, whose measures are computed by hand in the tests: five reports
of 江苏省 (淮安市 and 南京市), one with an open finding, one a township with a small denominator."""

import hashlib
from pathlib import Path

from warehouse.store import connect

# agency_id: (agency, level, province, prefecture, county)
AGENCIES = {
    "320813:淮安市洪泽区人民政府": ("淮安市洪泽区人民政府", "county", "江苏省", "淮安市", "洪泽区"),
    "320830:盱眙县人民政府": ("盱眙县人民政府", "county", "江苏省", "淮安市", "盱眙县"),
    "320830:马坝镇人民政府": ("马坝镇人民政府", "township", "江苏省", "淮安市", "盱眙县"),
    "320115:南京市江宁区人民政府": ("南京市江宁区人民政府", "county", "江苏省", "南京市", "江宁区"),
}
A, B, C, D = AGENCIES
APPS = "applications"
REVIEW = "review_litigation"
# (agency_id, year): {(table, item, column): value}; table 三's 总计 column only
REPORTS = {
    (A, 2021): {
        (APPS, "new_received", "total"): 40, (APPS, "total_processed", "total"): 40,
        (APPS, "granted", "total"): 20, (APPS, "partially_granted", "total"): 6,
        (APPS, "denied_state_secret", "total"): 2, (APPS, "denied_process_information", "total"): 4,
        (APPS, "unavailable_not_held", "total"): 5, (APPS, "not_processed_duplicate", "total"): 3,
        (REVIEW, "administrative_review", "corrected"): 2, (REVIEW, "administrative_review", "total"): 6,
        (REVIEW, "litigation_direct", "corrected"): 1, (REVIEW, "litigation_direct", "total"): 4,
        (REVIEW, "litigation_after_review", "corrected"): 0, (REVIEW, "litigation_after_review", "total"): 1,
        ("proactive", "administrative_fees", "fee_amount"): 1200,
    },
    (A, 2022): {
        (APPS, "new_received", "total"): 50, (APPS, "total_processed", "total"): 50,
        (APPS, "granted", "total"): 30, (APPS, "partially_granted", "total"): 10,
        (APPS, "denied_state_secret", "total"): 5, (APPS, "unavailable_not_held", "total"): 5,
        (REVIEW, "administrative_review", "corrected"): 1, (REVIEW, "administrative_review", "total"): 3,
    },
    (B, 2021): {
        (APPS, "new_received", "total"): 12, (APPS, "total_processed", "total"): 12,
        (APPS, "granted", "total"): 6, (APPS, "partially_granted", "total"): None,  # printed blank
        (APPS, "denied_internal_affairs", "total"): 3, (APPS, "unavailable_needs_creation", "total"): 3,
    },
    (C, 2021): {
        (APPS, "new_received", "total"): 4, (APPS, "total_processed", "total"): 4,
        (APPS, "granted", "total"): 1, (APPS, "denied_state_secret", "total"): 3,
    },
    (D, 2021): {
        (APPS, "new_received", "total"): 100, (APPS, "total_processed", "total"): 100,
        (APPS, "granted", "total"): 70, (APPS, "partially_granted", "total"): 10,
        (APPS, "denied_third_party_rights", "total"): 20,
    },
}
OPEN_FINDING = (A, 2022)


def report_id(agency_id: str, year: int) -> str:
    return hashlib.sha256(f"{agency_id} {year}".encode()).hexdigest()


def build(path: Path) -> Path:
    """The warehouse at ``path``: reports, facts (each on its own line of a text file), agencies and
    one open finding."""
    with connect(path) as con:
        for (agency_id, year), cells in REPORTS.items():
            agency, level, province, prefecture, county = AGENCIES[agency_id]
            rid = report_id(agency_id, year)
            con.execute("insert into reports (report_id, source_path, format, agency, agency_id, year, template, "
                        "status, agency_level, province, prefecture, county, cells_found) "
                        "values (?, ?, 'text', ?, ?, ?, '2021', 'parsed', ?, ?, ?, ?, ?)",
                        [rid, f"/landing/{agency}{year}.txt", agency, agency_id, year, level, province, prefecture,
                         county, len(cells)])
            for line, ((table, item, column), value) in enumerate(cells.items(), start=1):
                unit, printed = "yuan" if column == "fee_amount" else "count", "" if value is None else f"{value:g}"
                con.execute("insert into facts (report_id, agency, agency_id, year, table_code, item_code, "
                            "column_code, value, unit, raw_text, line, method) "
                            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'text')",
                            [rid, agency, agency_id, year, table, item, column, value, unit, printed, line])
        for agency_id, (agency, level, province, prefecture, county) in AGENCIES.items():
            con.execute("insert into agencies (agency_id, agency, names, level, province, prefecture, county, "
                        "linked) values (?, ?, [?], ?, ?, ?, ?, true)",
                        [agency_id, agency, agency, level, province, prefecture, county])
        con.execute("insert into findings (finding_id, report_id, expectation, scope, observed, expected, difference, "
                    "state, first_seen, last_seen) values ('f00000000001', ?, 'applications_balance', 'total', "
                    "50, 51, -1, 'open', timestamp '2026-01-01', timestamp '2026-01-01')",
                    [report_id(*OPEN_FINDING)])
    return path
