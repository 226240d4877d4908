"""gongkai export --format xlsx: the data dictionary first, the measures, then one sheet per view."""

import re
import zipfile

from conftest import query
from handmade import build

from cli.main import main


def sheets(path) -> dict[str, str]:
    """Sheet name → its XML, in the workbook's order (XlsxWriter numbers the sheet files in order)."""
    with zipfile.ZipFile(path) as z:
        names = re.findall(r'<sheet name="([^"]+)" sheetId="(\d+)"', z.read("xl/workbook.xml").decode())
        return {name: z.read(f"xl/worksheets/sheet{n}.xml").decode() for name, n in names}


def test_xlsx_export_has_the_dictionary_first_and_every_view(tmp_path, capsys):
    db = build(tmp_path / "handmade.duckdb")
    assert main(["export", str(tmp_path / "out"), "--format", "xlsx", "--warehouse", str(db)]) == 0
    path = tmp_path / "out" / "gongkai.xlsx"
    assert str(path) in capsys.readouterr().out
    got = sheets(path)
    views = [v for (v,) in query(db, "select view_name from duckdb_views() where not internal "
                                     "and schema_name = 'main' order by view_name")]
    assert list(got) == ["dictionary", "measures", *views]
    assert "v_measures" in views and "v_agency_year" in views
    for view in views:  # a header row and one row per row of the view
        (rows,) = query(db, f"select count(*) from {view}")[0]
        assert len(re.findall(r"<row ", got[view])) == rows + 1, view
    with zipfile.ZipFile(path) as z:
        strings = z.read("xl/sharedStrings.xml").decode()
    assert "true for a share whose denominator is below its minimum" in strings  # v_measures.small_denominator
    assert "实质公开率" in strings and "淮安市洪泽区人民政府" in strings
