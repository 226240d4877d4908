"""HTML renderings: a government site page with chrome around the report, UTF-8 or GBK."""

import html
import random

from tools.corpus.layout import Document

CHROME_TOP = """<div class="header"><a href="/">首页</a> | <a href="/zwgk">政务公开</a> | <a href="/bsfw">办事服务</a>
<div class="nav">当前位置：首页 &gt; 政务公开 &gt; 政府信息公开年报 &gt; 第 2 页</div></div>"""
CHROME_BOTTOM = """<div class="footer"><p>主办单位：{agency}　网站标识码：6322240001</p>
<p>ICP备05000123号-1　联系电话：0970-8641234　访问量：120356</p></div>"""


def _cell(cell, rng: random.Random) -> str:
    tag = "th" if cell.header and rng.random() < 0.5 else "td"
    attrs = ""
    if cell.colspan > 1:
        attrs += f' colspan="{cell.colspan}"'
    if cell.rowspan > 1:
        attrs += f' rowspan="{cell.rowspan}"'
    text = html.escape(cell.text)
    if cell.vertical:
        text = "<br>".join(text)
    elif cell.wrap:
        text = html.escape(cell.text[: cell.wrap]) + "<br>" + html.escape(cell.text[cell.wrap:])
    elif cell.key is None and len(cell.text) > 8 and rng.random() < 0.3:
        cut = rng.randint(3, len(cell.text) - 3)
        text = html.escape(cell.text[:cut]) + "<br>" + html.escape(cell.text[cut:])
    if cell.text == "" and cell.key is not None:
        text = rng.choice(["&nbsp;", "", " "])
    if rng.random() < 0.3:
        text = f"<p style=\"margin:0\"><span>{text}</span></p>"
    return f"<{tag}{attrs}>{text}</{tag}>"


def render_html(doc: Document, rng: random.Random, charset: str) -> bytes:
    body = []
    for b in doc.blocks:
        if b.kind == "table":
            rows = "\n".join("<tr>" + "".join(_cell(c, rng) for c in row) + "</tr>" for row in b.rows)
            body.append('<table border="1" cellspacing="0" cellpadding="2" style="border-collapse:collapse">\n'
                        f"{rows}\n</table>")
        elif b.kind == "title":
            body.append(f'<h2 style="text-align:center">{html.escape(b.text)}</h2>')
        elif b.kind == "heading":
            body.append(f"<p><strong>{html.escape(b.text)}</strong></p>")
        elif b.kind in ("signature", "date"):
            body.append(f'<p style="text-align:right">{html.escape(b.text)}</p>')
        else:
            body.append(f"<p>　　{html.escape(b.text)}</p>")
    meta = (f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if rng.random() < 0.5
            else f'<meta charset="{charset}">')
    page = f"""<!DOCTYPE html>
<html><head>{meta}<title>{html.escape(doc.truth.agency)}政府信息公开工作年度报告</title>
<style>td, th {{ border: 1px solid #000; font-size: 12px; }} table {{ width: 100%; }}</style>
<script>var _hmt = _hmt || []; var visits = 120356;</script></head>
<body>{CHROME_TOP}
<div class="article">
{chr(10).join(body)}
</div>
{CHROME_BOTTOM.format(agency=html.escape(doc.truth.agency))}
</body></html>"""
    return page.encode("gbk" if charset.lower() in ("gbk", "gb2312") else "utf-8")
