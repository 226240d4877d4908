-- Analysts' questions answered in SQL on the warehouse (duckdb data/warehouse.duckdb).
-- Each block starts with "-- name:"; tests/cli/test_analysis.py runs every one on the sample
-- warehouse and checks the numbers against the samples' truth files.

-- name: requests_per_agency_year
-- How many information requests did each agency receive and process, per year?
select agency, year, received, processed
from v_agency_year order by agency, year;

-- name: refusal_reasons
-- For what reasons are requests refused, across all reports (总计 column)?
select item_code, sum(value_used) as refused
from v_facts
where table_code = 'applications' and column_code = 'total' and item_code like 'denied_%'
group by item_code having sum(value_used) > 0 order by refused desc, item_code;

-- name: disclosure_rate
-- Which agencies disclose most: (granted + partially granted) / processed?
select agency, year, round(disclosure_rate, 4) as disclosure_rate
from v_agency_year where processed > 0 order by disclosure_rate desc, agency;

-- name: township_vs_county
-- How do townships compare with counties?
select a.level, count(*) as reports, sum(v.received) as received, sum(v.processed) as processed
from v_agency_year v join agencies a using (agency)
group by a.level order by a.level;

-- name: lawsuits_against_government
-- Where do reviews and lawsuits go against the government (result corrected)?
select agency, year, item_code, corrected, total
from v_review_litigation where corrected > 0 order by agency, year, item_code;

-- name: other_handling_series
-- "Other handling" over time, one series across both templates (2019: one row; 2021: three).
select year, sum(other_total) as other_handled
from v_applications_harmonised where applicant = 'total'
group by year order by year;

-- name: identity_failures_per_agency
-- Whose numbers do not add up, and how often?
select r.agency, count(*) as failures
from expectation_results e join reports r using (report_id)
where e.success = false
  and e.expectation in ('applications_balance', 'applications_outcomes', 'applications_applicants', 'review_litigation_total')
group by r.agency order by r.agency;

-- name: normative_documents_per_year
-- Normative documents published (2019: 本年新公开数量) or issued (2021: 本年制发件数) per year.
select year, sum(value_used) as documents
from v_facts
where table_code = 'proactive' and item_code = 'normative_documents' and column_code in ('new_published', 'issued')
group by year order by year;

-- name: procurement_in_wan_yuan
-- Centralised procurement in 万元 (stored in yuan).
select agency, year, procurement_amount / 10000 as procurement_wan_yuan
from v_proactive where item_code = 'centralized_procurement' and procurement_amount > 0
order by agency;

-- name: blank_cells_per_agency
-- How many cells did each agency leave blank (NULL, not 0)?
select r.agency, count(*) as blank_cells
from facts f join reports r using (report_id)
where f.value is null group by r.agency order by r.agency;

-- name: year_over_year
-- How does each agency's intake change from one year to the next?
select agency, year, received, received_change
from v_agency_year order by agency, year;

-- name: incomplete_reports
-- Which reports could not be read completely, and why?
select source_path, status_reason
from reports where status = 'partial' order by source_path;

-- name: fee_statements_by_region
-- Which agencies say what about the 信息处理费 they charged, by region?
select province, prefecture, agency, year, value as fee_yuan, sentence
from v_statements where statement = 'fees_charged'
order by province, prefecture, agency, year;

-- name: text_and_table_disagree
-- Which reports say one number in their words and print another in their tables?
select agency, year, statement, value as stated, cell_value as printed, sentence
from v_statements where agrees = false
order by agency, year, statement;
