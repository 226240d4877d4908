"""The analysts' views, generated from the template catalog so that they follow it.

Every view reads ``value_used``: the printed value, or a steward's correction where one was
recorded (``has_corrections`` says so).
"""

from transforms import catalog
from warehouse.schema import LOADED_SQL


def _pivot(codes: list[str], key: str) -> str:
    return ",\n  ".join(f"max(value_used) filter ({key} = '{c}') as {c}" for c in codes)


def _wide(name: str, table: str, codes: list[str]) -> str:
    return f"""
create or replace view {name} as
select report_id, any_value(agency) as agency, any_value(agency_id) as agency_id, any_value(year) as year, item_code,
  {_pivot(codes, "column_code")},
  bool_or(corrected) as has_corrections
from v_facts where table_code = '{table}' group by report_id, item_code;"""


def ddl() -> str:
    proactive_cols = list(dict.fromkeys(c.column_code for c in catalog.columns() if c.table_code == "proactive"))
    outcome = [i.item_code for i in catalog.items() if i.table_code == "applications"]
    other = [i for i in outcome if i.startswith("other_")]
    denied = [i for i in outcome if i.startswith("denied_")]
    unavailable = [i for i in outcome if i.startswith("unavailable_")]
    not_processed = [i for i in outcome if i.startswith("not_processed_")]

    def total(items: list[str]) -> str:
        return "case when " + " and ".join(f"{i} is null" for i in items) + " then null else " + \
            " + ".join(f"coalesce({i}, 0)" for i in items) + " end"

    return f"""
create or replace view v_facts as
select f.*, case when f.corrected then f.corrected_value else f.value end as value_used
from facts f;
{_wide("v_proactive", "proactive", proactive_cols)}
{_wide("v_applications", "applications", list(catalog.APPLICANT_COLUMNS))}
{_wide("v_review_litigation", "review_litigation", list(catalog.RESULT_COLUMNS))}

create or replace view v_applications_harmonised as
select *, {total(other)} as other_total, {total(denied)} as denied_total,
       {total(unavailable)} as unavailable_total, {total(not_processed)} as not_processed_total
from (
  select report_id, any_value(agency) as agency, any_value(agency_id) as agency_id, any_value(year) as year,
    column_code as applicant,
    {_pivot(outcome, "item_code")},
    bool_or(corrected) as has_corrections
  from v_facts where table_code = 'applications' group by report_id, column_code
);

create or replace view v_agency_year as
with chosen as (  -- one report per agency (under any of its names) and year: the one with the most cells
  select report_id, agency_id, agency, year, template from (
    select r.report_id, r.agency_id, r.agency, r.year, r.template,
           row_number() over (partition by r.agency_id, r.year order by r.cells_found desc, r.report_id) as n
    from reports r where r.status in {LOADED_SQL} and r.agency_id is not null and r.year is not null
  ) where n = 1
), apps as (
  select report_id, new_received as received, total_processed as processed, granted, partially_granted,
         denied_total as refused, unavailable_total as unavailable, not_processed_total as not_processed,
         other_total as other_handled, carried_forward, has_corrections
  from v_applications_harmonised where applicant = 'total'
), review as (
  select report_id,
    max(total) filter (item_code = 'administrative_review') as reviews,
    max(corrected) filter (item_code = 'administrative_review') as reviews_corrected,
    sum(total) filter (item_code != 'administrative_review') as lawsuits,
    sum(corrected) filter (item_code != 'administrative_review') as lawsuits_corrected,
    bool_or(has_corrections) as has_corrections
  from v_review_litigation group by report_id
), measures as (
  select c.agency_id, c.agency, c.year, c.template, c.report_id,
    a.received, a.processed, a.granted, a.partially_granted,
    a.refused, a.unavailable, a.not_processed, a.other_handled, a.carried_forward,
    (a.granted + a.partially_granted) / nullif(a.processed, 0) as disclosure_rate,
    v.reviews, v.reviews_corrected, v.reviews_corrected / nullif(v.reviews, 0) as review_correction_rate,
    v.lawsuits, v.lawsuits_corrected, v.lawsuits_corrected / nullif(v.lawsuits, 0) as lawsuit_correction_rate,
    coalesce(a.has_corrections, false) or coalesce(v.has_corrections, false) as has_corrections
  from chosen c left join apps a using (report_id) left join review v using (report_id)
)
select m.*,
  m.received - p.received as received_change,
  m.processed - p.processed as processed_change,
  m.disclosure_rate - p.disclosure_rate as disclosure_rate_change,
  m.reviews - p.reviews as reviews_change,
  m.lawsuits - p.lawsuits as lawsuits_change
from measures m left join measures p on p.agency_id = m.agency_id and p.year = m.year - 1;
"""
