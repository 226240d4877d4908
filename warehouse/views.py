"""The analysts' views, generated from the template catalog so that they follow it.

Every view reads ``value_used``: the printed value, or a steward's correction where one was
recorded (``has_corrections`` says so). The measures (measures.csv) become ``v_measure_terms``
(their cells), ``v_measures`` (one row per agency, year and measure) and columns of ``v_agency_year``.
"""

from transforms import catalog
from warehouse.schema import LOADED_SQL

# one row per loaded report_id (a report landed twice is shown under its first path)
REPORT_OF = f"""(select distinct on (report_id) * from reports where status in {LOADED_SQL}
  order by report_id, source_path)"""


def _pivot(codes: list[str], key: str) -> str:
    return ",\n  ".join(f"max(value_used) filter ({key} = '{c}') as {c}" for c in codes)


def _wide(name: str, table: str, codes: list[str]) -> str:
    return f"""
create or replace view {name} as
select report_id, any_value(agency) as agency, any_value(agency_id) as agency_id, any_value(year) as year, item_code,
  {_pivot(codes, "column_code")},
  bool_or(corrected) as has_corrections
from v_facts where table_code = '{table}' group by report_id, item_code;"""


# one report per agency (under any of its names) and year: the one with the most cells
CHOSEN = f"""
  select report_id, agency_id, agency, year, template from (
    select r.report_id, r.agency_id, r.agency, r.year, r.template,
           row_number() over (partition by r.agency_id, r.year order by r.cells_found desc, r.report_id) as n
    from reports r where r.status in {LOADED_SQL} and r.agency_id is not null and r.year is not null
  ) where n = 1"""


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def measures_ddl() -> str:
    """``v_measure_terms`` and ``v_measures``, written from measures.csv."""
    terms = ",\n  ".join(
        "(" + ", ".join([_text(m.code), _text(t.part), str(t.sign), _text(t.table_code), _text(t.item_code),
                         _text(t.column_code)]) + ")"
        for m in catalog.measures() for t in m.terms)
    defs = ",\n    ".join(
        f"({_text(m.code)}, {n}, {_text(m.label_zh)}, {_text(m.unit)}, {str(m.is_share).lower()}, {m.min_denominator})"
        for n, m in enumerate(catalog.measures()))
    return f"""
create or replace view v_measure_terms as
select * from (values
  {terms}
) t(measure, part, sign, table_code, item_code, column_code);

create or replace view v_measures as
with chosen as ({CHOSEN}
), defs(measure, position, label_zh, unit, is_share, min_denominator) as (values
    {defs}
), parts as (
  select f.report_id, t.measure,
    sum(t.sign * f.value_used) filter (t.part = 'numerator') as numerator,
    sum(t.sign * f.value_used) filter (t.part = 'denominator') as denominator,
    bool_or(f.corrected) as has_corrections
  from v_facts f join v_measure_terms t using (table_code, item_code, column_code)
  where f.report_id in (select report_id from chosen)
  group by f.report_id, t.measure
), open_findings as (
  select report_id, count(*) as open_findings from findings where state = 'open' group by report_id
)
select c.agency_id, c.agency, c.year, c.report_id, a.level, a.province, a.prefecture, a.county,
  d.measure, d.position, d.label_zh, d.unit, p.numerator, p.denominator, d.min_denominator,
  case when not d.is_share then p.numerator when p.denominator > 0 then p.numerator / p.denominator end as value,
  d.is_share and coalesce(p.denominator, 0) < d.min_denominator as small_denominator,
  coalesce(p.has_corrections, false) as has_corrections,
  coalesce(o.open_findings, 0) as open_findings
from chosen c cross join defs d
left join parts p on p.report_id = c.report_id and p.measure = d.measure
left join agencies a on a.agency_id = c.agency_id
left join open_findings o on o.report_id = c.report_id;
"""


def ddl() -> str:
    proactive_cols = list(dict.fromkeys(c.column_code for c in catalog.columns() if c.table_code == "proactive"))
    outcome = [i.item_code for i in catalog.items() if i.table_code == "applications"]
    other = [i for i in outcome if i.startswith("other_")]
    denied = [i for i in outcome if i.startswith("denied_")]
    unavailable = [i for i in outcome if i.startswith("unavailable_")]
    not_processed = [i for i in outcome if i.startswith("not_processed_")]

    measured = ",\n    ".join(f"max(value) filter (measure = '{m.code}') as {m.code}"
                                for m in catalog.measures() if m.code not in ("received", "processed"))

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

create or replace view v_sections as
select r.agency, r.agency_id, r.year, r.province, r.prefecture, r.county, r.source_path, r.format, s.*
from sections s join {REPORT_OF} r using (report_id);

create or replace view v_statements as
select r.agency, r.agency_id, r.year, r.province, r.prefecture, r.county, r.source_path, s.*,
  c.cell_value, c.cells_printed,
  case when s.comparison = 'none' or s.table_code is null then null
       when s.approximate or c.cells_printed < len(s.item_codes) then null
       when s.comparison = 'equal' then s.value = c.cell_value
       when s.value = 0 then c.cell_value = 0  -- no_fee: a statement of none against the fee row
  end as agrees
from statements s join {REPORT_OF} r using (report_id)
left join lateral (
  select sum(coalesce(f.value_used, 0)) as cell_value, count(*) as cells_printed from v_facts f
  where f.report_id = s.report_id and f.table_code = s.table_code and f.column_code = s.column_code
    and list_contains(s.item_codes, f.item_code)
) c on true;

{measures_ddl()}
create or replace view v_agency_year as
with chosen as ({CHOSEN}
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
), measured as (
  select report_id,
    {measured}
  from v_measures group by report_id
), measures as (
  select c.agency_id, c.agency, c.year, c.template, c.report_id,
    a.received, a.processed, a.granted, a.partially_granted,
    a.refused, a.unavailable, a.not_processed, a.other_handled, a.carried_forward,
    v.reviews, v.reviews_corrected, v.lawsuits, v.lawsuits_corrected, m.* exclude (report_id),
    coalesce(a.has_corrections, false) or coalesce(v.has_corrections, false) as has_corrections
  from chosen c left join apps a using (report_id) left join review v using (report_id)
  left join measured m using (report_id)
)
select m.*,
  m.received - p.received as received_change,
  m.processed - p.processed as processed_change,
  m.disclosure_rate - p.disclosure_rate as disclosure_rate_change,
  m.reviews - p.reviews as reviews_change,
  m.lawsuits - p.lawsuits as lawsuits_change
from measures m left join measures p on p.agency_id = m.agency_id and p.year = m.year - 1;
"""


def measures_markdown() -> str:
    """The measures as docs/warehouse.md lists them (a test keeps the page equal to this):
    ``python -m warehouse.views`` prints it."""
    lines = []
    for m in catalog.measures():
        formula = f"`({m.numerator}) / ({m.denominator})`, shown from a denominator of {m.min_denominator}" \
            if m.is_share else f"`{m.numerator}`"
        lines.append(f"- `{m.code}` **{m.label_zh}** ({m.label_en}, {m.unit}): {formula}. {m.note}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(measures_markdown())
