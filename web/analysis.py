"""The analysts' pages of the workbench, read-only: overview, region drill-down, one agency over the
years, rankings, refusal reasons, and the facts behind any number.

Every chart and table is built here from SQL over ``v_measures`` (measures.csv) and the other views;
the same builder serves the page and its exports (SVG, PNG, CSV), so what is shown, exported and
printed as "the query behind this chart" is one text.
"""

import math
import re
from urllib.parse import urlencode

import duckdb
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from transforms import catalog
from warehouse.schema import LOADED_SQL
from warehouse.store import records
from web import queries
from web.charts import Chart, literal, make

LEVELS = {"province": "省级", "prefecture": "市级", "county": "县级", "township": "乡镇", "street": "街道"}
REGION_LEVELS = ("province", "prefecture", "county")
REGION_ZH = {"province": "省", "prefecture": "市（州）", "county": "县（区）"}
OWN_LEVEL = "本级"  # a body of the level above (a city government among counties): 淮安市本级
UNPLACED = "未定位"  # an agency the gazetteer could not place
COLUMNS_ZH = {"region": "地区", "agencies": "机关数", "numerator": "分子", "denominator": "分母", "value": "值",
              "open_findings": "未结问题", "has_corrections": "含更正", "year": "年度", "level": "级别",
              "reports": "报告数", "province": "省", "agency": "机关", "measure": "指标", "label_zh": "指标名称",
              "group": "类别", "reason": "理由代码", "reason_zh": "理由", "requests": "件数", "report_id": "报告",
              "agency_id": "机关编号", "prefecture": "市", "county": "县", "small_denominator": "分母过小"}
# the outcome groups whose reasons the refusal page stacks: item prefix → the group's printed name
# (三、（三）不予公开 1.属于国家秘密 → 不予公开) and the measure whose numerator they are
GROUPS = {prefix: re.sub(r"^.*）", "", next(i.label_zh for i in catalog.items() if i.item_code.startswith(prefix))
                         .split(" ")[0]) for prefix in ("denied_", "unavailable_", "not_processed_")}
GROUP_MEASURES = {GROUPS[prefix]: next(m.code for m in catalog.measures()
                                       if m.numerator.startswith(f"applications/{prefix}")) for prefix in GROUPS}
TILE_COLUMNS = 6
RANKED = 20


def level_zh(level: str | None) -> str:
    """省级 / 县级部门 …; the code after it."""
    if not level:
        return "未定级"
    base, _, department = level.partition(" ")
    return LEVELS.get(base, base) + ("部门" if department else "")


def measure_zh(code: str) -> str:
    m = catalog.measure(code)
    return f"{m.label_zh} {code}" if m else code


class Params:
    """The query parameters of an analysis page, checked: a measure of the catalog, a whole year,
    regions and an agency as text (written into SQL only through ``literal``)."""

    def __init__(self, request: Request, con: duckdb.DuckDBPyConnection):
        q = request.query_params
        self.base = str(request.base_url).rstrip("/")
        self.measure = q.get("measure", "") if catalog.measure(q.get("measure", "")) else "received"
        years = [y for (y,) in con.execute("select distinct year from v_measures order by year").fetchall()]
        self.years = years
        year = q.get("year", "")
        self.year = int(year) if year.isdigit() and int(year) in years else (years[-1] if years else None)
        self.region = {k: q[k] for k in REGION_LEVELS if q.get(k)}
        self.agency_id = q.get("agency_id", "")
        self.level = q.get("level", "")
        self.sort = q.get("sort", "")
        self.order = "asc" if q.get("order") == "asc" else "desc"
        floor = catalog.measure(self.measure).min_denominator
        self.minimum = max(floor, int(q["min"])) if q.get("min", "").isdigit() else floor
        self.by = q.get("by", "") if q.get("by") in REGION_LEVELS else ""

    def url(self, path: str, **change) -> str:
        """An absolute link (marks in an SVG are links out of the page)."""
        return f"{self.base}{path}?" + urlencode({k: v for k, v in change.items() if v not in (None, "")})

    def where(self, *, year: bool = True, agency: bool = True, of: str = "") -> str:
        """The page's filters on ``v_measures`` (``of``: its alias and a dot)."""
        parts = [f"{of}measure = {literal(self.measure)}"]
        if year and self.year is not None:
            parts.append(f"{of}year = {self.year}")
        parts += [f"{of}{k} = {literal(v)}" for k, v in self.region.items()]
        if agency and self.agency_id:
            parts.append(f"{of}agency_id = {literal(self.agency_id)}")
        return " and ".join(parts)

    def export_params(self, **extra) -> dict:
        keep = {"measure": self.measure, "year": self.year, **self.region, "agency_id": self.agency_id,
                "level": self.level, "order": self.order, "min": self.minimum, "by": self.by, **extra}
        return {k: v for k, v in keep.items() if v not in (None, "")}

    def export(self, **extra) -> str:
        """The query string that rebuilds this page's charts (their export links)."""
        return urlencode(self.export_params(**extra))

    def facts(self, row: dict, **where) -> str:
        """The facts page of a number: this measure, the row's year (or the page's) and its place."""
        return self.url("/analysis/facts", measure=where.pop("measure", self.measure),
                        year=row.get("year", self.year), **{**self.region, **where})


def _value_sql(m: catalog.Measure) -> str:
    """A measure over a group of agencies: the ratio of the sums (NULL below its minimum), or the sum."""
    if not m.is_share:
        return "sum(numerator)"
    return (f"case when sum(denominator) >= {m.min_denominator} "
            f"then round(sum(numerator) / sum(denominator), 4) end")


# -- overview ---------------------------------------------------------------------------------

def reports_by_year(con, p: Params) -> Chart:
    import altair as alt

    sql = f"""select year, coalesce(agency_level, 'unknown') as level, count(*) as reports
from reports
where status in {LOADED_SQL} and year is not null
group by all order by year, level"""
    return make(con, "reports_by_year", "每年的报告数，按级别 reports by year and level", sql,
                lambda d: alt.Chart(d).mark_bar().encode(
                    x=alt.X("year:O", title="年度 year"), y=alt.Y("reports:Q", title="报告数 reports"),
                    color=alt.Color("level:N", title="级别 level"), href="href:N"),
                link=lambda r: p.url("/reports"), export=p.export())


def reports_by_province(con, p: Params) -> Chart:
    import altair as alt

    sql = f"""select coalesce(province, '未定位') as province, count(*) as reports,
  count(distinct agency_id) as agencies
from reports
where status in {LOADED_SQL}
group by all order by reports desc, province"""
    return make(con, "reports_by_province", "各省的报告数 reports by province", sql,
                lambda d: alt.Chart(d).mark_bar().encode(
                    y=alt.Y("province:N", sort="-x", title="省 province"), x=alt.X("reports:Q", title="报告数 reports"),
                    href="href:N"),
                link=lambda r: p.url("/analysis/region", province=r["province"]), export=p.export())


def agencies_per_year(con, p: Params) -> Chart:
    import altair as alt

    sql = """select year, count(distinct agency_id) as agencies
from v_measures
where measure = 'received'
group by year order by year"""
    return make(con, "agencies_per_year", "每年报告的机关数 agencies reporting per year", sql,
                lambda d: alt.Chart(d).mark_line(point=True).encode(
                    x=alt.X("year:O", title="年度 year"), y=alt.Y("agencies:Q", title="机关数 agencies"),
                    href="href:N").properties(width=420, height=220),
                link=lambda r: p.url("/analysis/rankings", year=r["year"]), export=p.export())


def findings_by_province(con, p: Params) -> Chart:
    import altair as alt

    sql = """select coalesce(r.province, '未定位') as province, count(distinct f.report_id) as reports,
  count(*) as open_findings
from findings f join reports r using (report_id)
where f.state = 'open'
group by all order by open_findings desc, province"""
    return make(con, "findings_by_province", "数字对不上的报告（未结问题），按省 reports whose numbers do not add up",
                sql, lambda d: alt.Chart(d).mark_bar(color="#c0392b").encode(
                    y=alt.Y("province:N", sort="-x", title="省 province"),
                    x=alt.X("open_findings:Q", title="未结问题 open findings"), href="href:N"),
                link=lambda r: p.url("/findings", region=r["province"] if r["province"] != "未定位" else "",
                                     state="open"),
                export=p.export())


# -- region -----------------------------------------------------------------------------------

def _grouped_by(p: Params) -> str:
    """The level the region page groups by: below the deepest region chosen, or ``by``."""
    if p.by:
        return p.by
    deeper = [lv for lv in REGION_LEVELS if lv not in p.region]
    return deeper[0] if deeper else "county"


def region_tiles(con, p: Params) -> Chart:
    """The regions one level below the chosen one (or ``by``), as a tile grid coloured by the measure."""
    import altair as alt

    m = catalog.measure(p.measure)
    by = _grouped_by(p)
    above = REGION_LEVELS[:REGION_LEVELS.index(by)]
    label = ", ".join([by, *[f"{lv} || '{OWN_LEVEL}'" for lv in reversed(above)], f"'{UNPLACED}'"])
    sql = f"""select coalesce({label}) as region, count(*) as agencies,
  sum(numerator) as numerator, sum(denominator) as denominator,
  {_value_sql(m)} as value,
  sum(open_findings) as open_findings, bool_or(has_corrections) as has_corrections
from v_measures
where {p.where()}
group by all order by value desc nulls last, region"""
    count = con.execute(f"select count(distinct coalesce({label})) from v_measures where {p.where()}").fetchall()[0][0]
    cols = min(TILE_COLUMNS, max(1, math.ceil(math.sqrt(count))))

    def link(r):
        if r["region"] == UNPLACED or r["region"].endswith(OWN_LEVEL):  # nothing below: its agencies
            return p.url("/analysis/region", **p.export_params()) + "#chart-region_agencies"
        deeper = {**p.region, by: r["region"]}
        return p.url("/analysis/region", measure=p.measure, year=p.year, **deeper)

    def draw(d):
        base = alt.Chart(d).transform_calculate(
            shown="datum.value == null ? '—' : " + ("format(datum.value, '.1%')" if m.is_share else
                                                    "format(datum.value, ',.0f')"))
        tile = base.mark_rect(stroke="white", strokeWidth=3).encode(
            x=alt.X("col:O", axis=None), y=alt.Y("row:O", axis=None),
            color=alt.Color("value:Q", title=m.label_zh, scale=alt.Scale(scheme="oranges")), href="href:N")
        name = base.mark_text(dy=-8, fontSize=13).encode(x="col:O", y="row:O", text="region:N", href="href:N")
        value = base.mark_text(dy=10, fontSize=12).encode(x="col:O", y="row:O", text="shown:N", href="href:N")
        flag = base.transform_filter("datum.open_findings > 0").mark_text(dx=40, dy=-16, color="#c0392b", text="⚠")\
            .encode(x="col:O", y="row:O")
        rows_n = max(1, math.ceil(count / cols))
        return (tile + name + value + flag).properties(width=130 * cols, height=70 * rows_n)

    chart = make(con, "region_tiles", f"{measure_zh(p.measure)} · {REGION_ZH[by]} {p.year or ''}", sql,
                 draw, link=link, export=p.export(), extra=lambda i, r, n: {"row": i // cols, "col": i % cols},
                 note="tiles ordered by the measure, highest first (a grid, not a map); — : the total denominator "
                      "is below the measure's minimum; ⚠ a report with an open finding")
    return chart


def region_trend(con, p: Params) -> Chart:
    """The chosen region's total of the measure, year by year."""
    import altair as alt

    m = catalog.measure(p.measure)
    sql = f"""select year, count(*) as agencies, sum(numerator) as numerator, sum(denominator) as denominator,
  {_value_sql(m)} as value, sum(open_findings) as open_findings
from v_measures
where {p.where(year=False)}
group by year order by year"""
    where = " ".join(p.region.values()) or "全部地区 all regions"
    return make(con, "region_trend", f"{where} · {measure_zh(p.measure)} 历年 by year", sql,
                lambda d: alt.Chart(d).mark_line(point=alt.OverlayMarkDef(size=80)).encode(
                    x=alt.X("year:O", title="年度 year"),
                    y=alt.Y("value:Q", title=m.label_zh, axis=alt.Axis(format=".0%" if m.is_share else ",.0f")),
                    href="href:N").properties(width=420, height=220),
                link=lambda r: p.facts(r), export=p.export(),
                note="a year whose total denominator is below the minimum has no point")


AGENCY_SORTS = ("agency", "level", "numerator", "denominator", "value", "open_findings")


def region_agencies(con, p: Params) -> Chart:
    """Every agency of the chosen region and year with the measure: the sortable table."""
    sort = p.sort if p.sort in AGENCY_SORTS else "value"
    sql = f"""select agency, agency_id, level, province, prefecture, county, numerator, denominator,
  case when small_denominator then null else value end as value, small_denominator, open_findings, has_corrections
from v_measures
where {p.where()}
order by {sort} {p.order} nulls last, agency"""
    return make(con, "region_agencies", f"各机关 agencies · {measure_zh(p.measure)} {p.year or ''}", sql, None,
                link=lambda r: p.facts(r, agency_id=r["agency_id"]), export=p.export(sort=sort))


# -- agency -----------------------------------------------------------------------------------

def agency_series(con, p: Params, measures: list[str], name: str, title: str) -> Chart:
    """Measures of one agency year by year; a year whose report has an open finding carries a ⚠
    that links to the report and its findings."""
    import altair as alt

    codes = ", ".join(literal(c) for c in measures)
    share = catalog.measure(measures[0]).is_share
    sql = f"""select year, measure, label_zh, numerator, denominator, value, open_findings, has_corrections, report_id
from v_measures
where agency_id = {literal(p.agency_id)} and measure in ({codes}) and not small_denominator and value is not null
order by measure, year"""

    def draw(d):
        x = alt.X("year:O", title="年度 year")
        y = alt.Y("value:Q", title="比率 share" if share else "件数 count",
                  axis=alt.Axis(format=".0%" if share else ",.0f"))
        line = alt.Chart(d).mark_line(point=alt.OverlayMarkDef(size=70)).encode(
            x=x, y=y, color=alt.Color("label_zh:N", title="指标 measure"), href="href:N")
        flag = alt.Chart(d).transform_filter("datum.open_findings > 0").mark_text(
            text="⚠ 未结问题", dy=-14, color="#c0392b", fontSize=12).encode(x=x, y=y, href="report:N")
        return (line + flag).properties(width=420, height=220)

    return make(con, name, title, sql, draw,
                link=lambda r: p.url("/analysis/facts", measure=r["measure"], year=r["year"], agency_id=p.agency_id),
                extra=lambda i, r, n: {"report": f"{p.base}/reports/{r['report_id']}"}, export=p.export(),
                note="a year whose denominator is below the measure's minimum has no point; ⚠ the year's report "
                     "has an open finding (its numbers do not add up): the mark links to it")


def agency_counts(con, p: Params) -> Chart:
    return agency_series(con, p, ["received", "processed"], "agency_counts", "申请数 requests")


def agency_shares(con, p: Params) -> Chart:
    return agency_series(con, p, ["disclosure_rate", "refusal_share", "unavailable_share"], "agency_shares",
                         "答复结果 outcomes")


# -- rankings ---------------------------------------------------------------------------------

def ranking(con, p: Params) -> Chart:
    import altair as alt

    m = catalog.measure(p.measure)
    level = "" if p.level == "all" else (p.level or _common_level(con))
    floor = f" and denominator >= {p.minimum}" if m.is_share else ""
    by_level = f" and level = {literal(level)}" if level else ""
    sql = f"""select agency, agency_id, level, province, prefecture, county, numerator, denominator, value,
  open_findings
from v_measures
where {p.where(agency=False)}{by_level} and value is not null{floor}
order by value {p.order}, agency
limit {RANKED}"""
    which = "最高 top" if p.order == "desc" else "最低 bottom"
    among = level_zh(level) if level else "各级 all levels"
    title = f"{measure_zh(p.measure)} {which} {RANKED} · {among} {p.year or ''}"
    return make(con, "ranking", title, sql,
                lambda d: alt.Chart(d).mark_bar().encode(
                    y=alt.Y("agency:N", sort=None, title="机关 agency"),
                    x=alt.X("value:Q", title=m.label_zh, axis=alt.Axis(format=".0%" if m.is_share else ",.0f")),
                    color=alt.Color("open_findings:Q", title="未结问题 open findings",
                                    scale=alt.Scale(domain=[0, 1], range=["#4c78a8", "#c0392b"], clamp=True)),
                    href="href:N"),
                link=lambda r: p.facts(r, agency_id=r["agency_id"]), export=p.export(level=p.level or level),
                note=("shares only over a denominator of at least " + str(p.minimum) if m.is_share else "")
                + "; one level at a time unless 各级 all levels is chosen")


def _common_level(con) -> str:
    """The level with the most agencies: the ranking's default, so unlike bodies are not ranked together."""
    row = con.execute("select level from v_measures where level is not null and measure = 'received' "
                      "group by level order by count(*) desc, level limit 1").fetchall()
    return row[0][0] if row else ""


# -- refusal reasons --------------------------------------------------------------------------

def refusal_reasons(con, p: Params) -> Chart:
    """不予公开, 无法提供 and 不予处理 by reason, stacked by year, for a region or an agency."""
    import altair as alt

    group = "case " + " ".join(f"when f.item_code like '{prefix}%' then '{zh}'" for prefix, zh in GROUPS.items())
    group += " end"
    filters = [f"m.{k} = {literal(v)}" for k, v in p.region.items()]
    if p.agency_id:
        filters.append(f"m.agency_id = {literal(p.agency_id)}")
    sql = f"""select f.year, {group} as "group", f.item_code as reason,
  split_part(i.label_zh, ' ', 2) as reason_zh, sum(f.value_used) as requests
from v_facts f
join v_measures m on m.report_id = f.report_id and m.measure = 'processed'
join items i on i.table_code = f.table_code and i.item_code = f.item_code
where f.table_code = 'applications' and f.column_code = 'total'
  and ({' or '.join(f"f.item_code like '{prefix}%'" for prefix in GROUPS)})
  {''.join(' and ' + w for w in filters)}
group by all having sum(f.value_used) > 0
order by f.year, "group", reason"""
    return make(con, "refusal_reasons", "不予公开、无法提供、不予处理的理由 reasons, by year", sql,
                lambda d: alt.Chart(d).mark_bar().encode(
                    x=alt.X("year:O", title="年度 year"), y=alt.Y("requests:Q", title="件数 requests"),
                    color=alt.Color("reason_zh:N", title="理由 reason", scale=alt.Scale(scheme="tableau20")),
                    column=alt.Column("group:N", title=None, sort=list(GROUPS.values())),
                    href="href:N").properties(width=220, height=260),
                link=lambda r: p.url("/analysis/facts", year=r["year"], **p.region, agency_id=p.agency_id,
                                     measure=GROUP_MEASURES[r["group"]]),
                export=p.export())


# -- the facts behind a number ----------------------------------------------------------------

def facts_behind(con, p: Params) -> Chart:
    sql = f"""select m.agency, m.agency_id, m.year, t.part, t.sign, f.table_code, f.item_code, f.column_code,
  f.raw_text, f.value, f.corrected, f.value_used, f.report_id
from v_measures m
join v_measure_terms t on t.measure = m.measure
join v_facts f on f.report_id = m.report_id
  and f.table_code = t.table_code and f.item_code = t.item_code and f.column_code = t.column_code
where {p.where(of="m.")}
order by m.agency, m.year, t.part desc, f.table_code, f.item_code, f.column_code"""
    return make(con, "facts", f"{measure_zh(p.measure)} 的来源 the facts behind it", sql, None,
                link=lambda r: f"{p.base}/reports/{r['report_id']}/cells/{r['table_code']}/{r['item_code']}/"
                               f"{r['column_code']}",
                export=p.export())


CHARTS = {f.__name__: f for f in (reports_by_year, reports_by_province, agencies_per_year, findings_by_province,
                                   region_tiles, region_trend, region_agencies, agency_counts, agency_shares,
                                   ranking, refusal_reasons, facts_behind)}
CHARTS["facts"] = CHARTS.pop("facts_behind")


# -- pages ------------------------------------------------------------------------------------

NO_VIEWS = "this warehouse predates the measures: run `gongkai ingest` (or any decision) once to create its views"


def _page(request: Request, name: str, build) -> Response:
    from web.app import _problem, _render

    with request.app.state.bench.reading() as con:
        try:
            p = Params(request, con)
            context = build(con, p)
        except duckdb.CatalogException:
            return _problem(request, 503, NO_VIEWS)
    return _render(request, name, p=p, measures=catalog.measures(), level_zh=level_zh, measure_zh=measure_zh,
                   columns_zh=COLUMNS_ZH,
                   regions=REGION_LEVELS, region_zh=REGION_ZH, **context)


def overview(request: Request) -> Response:
    return _page(request, "analysis_overview.html", lambda con, p: {"charts": [
        reports_by_year(con, p), reports_by_province(con, p), agencies_per_year(con, p), findings_by_province(con, p)]})


def region(request: Request) -> Response:
    def build(con, p):
        by = _grouped_by(p)
        return {"charts": [region_tiles(con, p), region_trend(con, p)], "table": region_agencies(con, p), "by": by,
                "crumbs": [(k, p.region[k]) for k in REGION_LEVELS if k in p.region]}
    return _page(request, "analysis_region.html", build)


def agency(request: Request) -> Response:
    def build(con, p):
        found = records(con, "select * from agencies where agency_id = ?", [p.agency_id])
        years = records(con, """select m.year, m.agency, m.report_id, m.measure, m.label_zh, m.numerator, m.denominator,
                                       m.value, m.small_denominator, m.open_findings, m.has_corrections
                                from v_measures m where m.agency_id = ? order by m.year, m.position""", [p.agency_id])
        findings = records(con, """select f.finding_id, r.year, f.expectation, f.scope from findings f
                                   join reports r using (report_id)
                                   where r.agency_id = ? and f.state = 'open' order by r.year, f.finding_id""",
                           [p.agency_id])
        everyone = [] if found else records(con, "select * from agencies where agency_id in "
                                                 "(select agency_id from v_measures) "
                                                 "order by province nulls last, prefecture, county, agency")
        return {"agency": found[0] if found else None, "all_agencies": everyone, "years": years, "findings": findings,
                "charts": [agency_counts(con, p), agency_shares(con, p)] if found else []}
    return _page(request, "analysis_agency.html", build)


def rankings(request: Request) -> Response:
    def build(con, p):
        levels = [lv for (lv,) in con.execute("select distinct level from v_measures where level is not null "
                                              "order by level").fetchall()]
        return {"charts": [ranking(con, p)], "levels": levels, "level": p.level or _common_level(con)}
    return _page(request, "analysis_rankings.html", build)


def refusals(request: Request) -> Response:
    return _page(request, "analysis_refusals.html", lambda con, p: {"charts": [refusal_reasons(con, p)]})


def facts(request: Request) -> Response:
    def build(con, p):
        chart = facts_behind(con, p)
        for r in chart.rows:
            r["item_label"] = queries.item_label(r["table_code"], r["item_code"])
            r["column_label"] = queries.column_label(r["table_code"], r["column_code"])
        return {"table": chart}
    return _page(request, "analysis_facts.html", build)


def export(request: Request) -> Response:
    """A chart (or table) as SVG, PNG or CSV, rebuilt from the same parameters as its page."""
    name, fmt = request.path_params["name"], request.path_params["fmt"]
    if name not in CHARTS or fmt not in ("svg", "png", "csv"):
        return Response("not found", status_code=404, media_type="text/plain")
    with request.app.state.bench.reading() as con:
        try:
            p = Params(request, con)
            chart = CHARTS[name](con, p)
        except duckdb.CatalogException:
            return Response(NO_VIEWS, status_code=503, media_type="text/plain")
    if fmt == "csv":
        return Response(chart.csv(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if not chart.spec:
        return Response("this table has no drawing: export it as CSV", status_code=404, media_type="text/plain")
    if fmt == "svg":
        return Response(chart.svg(), media_type="image/svg+xml",
                        headers={"Content-Disposition": f'attachment; filename="{name}.svg"'})
    return Response(chart.png(), media_type="image/png",
                    headers={"Content-Disposition": f'attachment; filename="{name}.png"'})


ROUTES = [
    Route("/analysis", overview),
    Route("/analysis/region", region),
    Route("/analysis/agency", agency),
    Route("/analysis/rankings", rankings),
    Route("/analysis/refusals", refusals),
    Route("/analysis/facts", facts),
    Route("/analysis/export/{name}.{fmt}", export),
]
