"""Charts of the analysis pages: each is the SQL it is drawn from, the rows that SQL returns and a
Vega-Lite specification written with Altair, drawn to SVG (or PNG) on the server by vl-convert.

The page carries no script: the SVG is inline and each mark is a link (Vega's ``href`` channel) to
the facts behind its number. The SQL is complete, its values written in as literals, so that
``gongkai sql`` runs it as shown; the rows a chart draws are the rows that text returns.
"""

import csv
import io
import threading
from dataclasses import dataclass, field

import duckdb

DRAWING = threading.Lock()  # one conversion at a time: the app's pages run in a thread pool
FONT = "sans-serif"  # the reader's own fonts draw the SVG's text; nothing is loaded
CONFIG = {"font": FONT, "view": {"stroke": None}, "axis": {"labelFontSize": 11, "titleFontSize": 12},
          "legend": {"labelFontSize": 11, "titleFontSize": 12}}


def literal(value) -> str:
    """A value written into SQL text: numbers as they are, text quoted with its quotes doubled."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


@dataclass
class Chart:
    """One chart: ``build(rows)`` returns its Altair chart; ``link(row)`` the page of the facts behind a row."""

    name: str
    title: str
    sql: str
    columns: list[str] = field(default_factory=list)  # the SQL's columns (what CSV exports)
    rows: list[dict] = field(default_factory=list)
    spec: dict = field(default_factory=dict)
    export: str = ""  # the query string that rebuilds the chart (its export links)
    note: str = ""

    def svg(self) -> str:
        import vl_convert

        with DRAWING:
            return vl_convert.vegalite_to_svg(self.spec)

    def png(self) -> bytes:
        import vl_convert

        with DRAWING:
            return vl_convert.vegalite_to_png(self.spec, scale=2)

    def csv(self) -> str:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(self.columns)
        w.writerows([[r[c] for c in self.columns] for r in self.rows])
        return out.getvalue()


def make(con: duckdb.DuckDBPyConnection, name: str, title: str, sql: str, draw, *, link=None, extra=None,
         export: str = "", note: str = "") -> Chart:
    """Run ``sql``; give each row its ``href`` (``link(row)``, an absolute URL) and what
    ``extra(index, row, count)`` adds for the drawing; draw it with ``draw(altair_data)``, which
    returns an Altair chart (``draw`` None: a table, no drawing)."""
    import altair as alt

    cur = con.execute(sql)
    columns = [d[0] for d in cur.description]
    rows = [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]
    shown = [dict(r, href=link(r) if link else "", **(extra(i, r, len(rows)) if extra else {}))
             for i, r in enumerate(rows)]
    spec = {}
    if draw is not None:
        chart = draw(alt.Data(values=[{k: _plain(v) for k, v in r.items()} for r in shown]))
        spec = chart.properties(title=title).configure(**CONFIG).to_dict()
    return Chart(name, title, sql, columns, shown, spec, export, note)


def _plain(value):
    """A value as JSON carries it (DuckDB gives Decimal for some sums)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return float(value)
