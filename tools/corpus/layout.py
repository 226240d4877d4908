"""One printed layout of a report, shared by every renderer: paragraphs and grids with merges.

The printed labels here are written independently of the reader's patterns on purpose: the
corpus measures the reader, it must not be built from it.
"""

import random
from dataclasses import dataclass, field

from tools.corpus.truth import Truth

CN = "一二三四五六七八九十"


@dataclass
class GCell:
    text: str
    colspan: int = 1
    rowspan: int = 1
    header: bool = False
    vertical: bool = False
    key: tuple[str, str, str] | None = None  # the template cell a value cell shows
    wrap: int = 0  # a label wrapped after this many characters, its row's values printed below it (WPS)


@dataclass
class Block:
    kind: str  # 'title', 'heading', 'para', 'table', 'signature', 'date'
    text: str = ""
    rows: list[list[GCell]] = field(default_factory=list)
    ncols: int = 0


@dataclass
class Document:
    truth: Truth
    blocks: list[Block]


def printed_value(rng: random.Random, key: tuple[str, str, str], value: float | None, blank: str,
                  header_unit: str | None = None) -> str:
    column = key[2]
    if value is None:
        return blank
    if header_unit:  # the column header prints the unit: a bare number in it
        return f"{value / 10000:.2f}".rstrip("0").rstrip(".") if header_unit == "万元" else str(int(value))
    if column == "change":
        n = int(value)
        style = rng.random()
        if style < 0.35:
            return f"增加 {n}" if n > 0 else (f"减少 {-n}" if n < 0 else "0")
        if style < 0.55 and n > 0:
            return f"+{n}"
        return str(n)
    if column == "fee_amount":  # the 2021 header prints 万元
        wan = value / 10000
        return f"{wan:.2f}".rstrip("0").rstrip(".") if rng.random() < 0.8 else f"{int(value)}元"
    if column == "procurement_amount":
        if value and value % 10000 == 0 and rng.random() < 0.6:
            return f"{int(value // 10000)} 万元"
        return rng.choice([f"{int(value)}", f"{int(value)}（元）", f"{int(value)}元"])
    n = int(value)
    return f"{n:,}" if n >= 1000 and rng.random() < 0.3 else str(n)


def _label(rng: random.Random, text: str, quirky: bool) -> str:
    if not quirky:
        return text
    if rng.random() < 0.3:
        text = text.replace("（", "(").replace("）", ")")
    if rng.random() < 0.2 and len(text) > 4:
        cut = rng.randint(1, len(text) - 2)
        text = text[:cut] + " " + text[cut:]
    return text


SECTION_TITLES = {1: "总体情况", 2: "主动公开政府信息情况", 3: "收到和处理政府信息公开申请情况",
                  4: "政府信息公开行政复议、行政诉讼情况", 5: "存在的主要问题及改进情况", 6: "其他需要报告的事项"}
TITLE_VARIANTS = {1: ["总体情况", "概述", "基本情况"], 5: ["存在的主要问题及改进情况", "存在的问题及改进措施"]}


def build(truth: Truth, rng: random.Random, *, blank: str, quirky: bool = True, appendix: bool = False,
          narrative: bool = False) -> Document:
    """The report's blocks: title, narrative, the three tables, signature and date. ``narrative``
    words them as published reports do (see ``_Words``), drawn only then, so the corpus made
    without it stays as it was."""
    t = truth
    words = _Words(t, rng) if narrative else None
    blocks = [*_title(t, rng)]
    blocks.append(_heading(t, 1, words))
    proactive = rng.randint(50, 5000)
    catalogue = rng.randint(5, 300)
    if words:
        blocks += [Block("para", p) for p in words.overall(proactive)]
    else:
        blocks.append(Block("para", f"{t.year}年，{t.issuer_line}认真贯彻落实《中华人民共和国政府信息公开条例》，"
                                    f"全年主动公开政府信息{proactive}条，更新公开目录{catalogue}条，"
                                    "及时回应群众关切。"))
        t.statements += [{"section": 1, "statement": "proactive_published", "value": float(proactive)},
                         {"section": 1, "statement": "catalogue_updated", "value": float(catalogue)}]
    blocks.append(Block("para", f"（二）依申请公开情况。全年收到和处理政府信息公开申请情况详见下表，"
                                f"办结率为{rng.randint(90, 100)}%。"))
    tables = [
        _heading(t, 2, words),
        _proactive(t, rng, blank, quirky),
        _heading(t, 3, words),
        _applications(t, rng, blank, quirky),
        _heading(t, 4, words),
        _review(t, rng, blank, quirky),
    ]
    problems = Block("para", f"一是公开内容还不够全面；二是信息更新还需更及时。"
                             f"{t.year + 1}年将加强培训{rng.randint(2, 9)}次。")
    closing = [] if words and words.without_problems else [_heading(t, 5, words), problems]
    closing += [_heading(t, 6, words), Block("para", words.other() if words else "无其他需要报告的事项。")]
    y, m, d = t.published.split("-")
    signature = [Block("signature", t.agency), Block("date", f"{y}年{int(m)}月{int(d)}日")]
    if appendix:
        blocks += closing + signature + [Block("heading", "附件：")] + tables
    else:
        blocks += tables + closing + signature
    t.sections.sort(key=lambda s: s["section"])
    return Document(t, blocks)


def _heading(t: Truth, number: int, words: "_Words | None") -> Block:
    """A section's heading, as the report words it; recorded in the truth."""
    text, form = words.heading(number) if words else (f"{CN[number - 1]}、{SECTION_TITLES[number]}", "chinese")
    t.sections.append({"section": number, "heading": text, "form": form})
    return Block("heading", text)


def chinese_numeral(n: int) -> str:
    """127 → 一百二十七, 2005 → 二千零五, 10 → 十, 32000 → 三万二千 (below 10**8)."""
    digits = "零一二三四五六七八九"
    if n == 0:
        return "零"

    def below_10000(v: int) -> str:
        out, zero = "", False
        for power, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d, v = divmod(v, power)
            if d:
                out += ("零" if zero and out else "") + digits[d] + unit
                zero = False
            else:
                zero = True
        return out

    high, low = divmod(n, 10000)
    text = (below_10000(high) + "万" if high else "")
    if low:
        text += ("零" if high and low < 1000 else "") + below_10000(low)
    return text[1:] if text.startswith("一十") else text


class _Words:
    """How one report words its sections, in the variants published reports use: headings
    numbered 一、 / （一） / 1. or not at all, 概述 for 总体情况, the problems section left out; the
    numbers it states in Arabic or Chinese numerals (some about: 余件); the fee as 未收取, 无收费
    or 收取…元; and now and then a number stated otherwise than the table prints it."""

    def __init__(self, t: Truth, rng: random.Random):
        self.t, self.rng = t, rng
        self.form = rng.choice(["chinese", "chinese", "parenthesised", "arabic", "unnumbered"])
        self.mark = rng.choice([".", "、", "．"])
        self.titles = {n: rng.choice(TITLE_VARIANTS.get(n, [title])) for n, title in SECTION_TITLES.items()}
        self.without_problems = rng.random() < 0.2
        self.disagree = rng.choice(["received", "received", "fee"]) if rng.random() < 0.3 else None

    def heading(self, number: int) -> tuple[str, str]:
        title = self.titles[number]
        numbered = {"chinese": f"{CN[number - 1]}、{title}", "parenthesised": f"（{CN[number - 1]}）{title}",
                    "arabic": f"{number}{self.mark}{title}", "unnumbered": title}
        return numbered[self.form], self.form

    def number(self, n: int) -> str:
        if self.rng.random() < 0.3:
            return chinese_numeral(n)
        return f"{n:,}" if n >= 1000 and self.rng.random() < 0.5 else str(n)

    def state(self, section: int, code: str, value: float, *, approximate: bool = False) -> None:
        self.t.statements.append({"section": section, "statement": code, "value": float(value),
                                  **({"approximate": True} if approximate else {})})

    def cell(self, table: str, item: str) -> float | None:
        return self.t.values.get((table, item, "total"))

    def overall(self, proactive: int) -> list[str]:
        """总体情况: information published, applications received and answered, reviews and lawsuits."""
        t, rng = self.t, self.rng
        paras = [f"{t.year}年，{t.issuer_line}认真贯彻落实《中华人民共和国政府信息公开条例》，"
                 f"全年主动公开政府信息{self.number(proactive)}条。"]
        self.state(1, "proactive_published", proactive)
        received, processed = self.cell("applications", "new_received"), self.cell("applications", "total_processed")
        if received is not None:
            stated = int(received) + (3 if self.disagree == "received" else 0)
            if self.disagree == "received":
                t.mismatches.append("applications_received")
            style = rng.random()
            if style < 0.15 and stated >= 10 and self.disagree is None:
                paras.append(f"全年收到政府信息公开申请{stated // 10 * 10}余件，均按时答复。")
                self.state(1, "applications_received", stated // 10 * 10, approximate=True)
            elif style < 0.5 and processed is not None:
                paras.append(f"全年共收到政府信息公开申请{self.number(stated)}件，办结{self.number(int(processed))}件。")
                self.state(1, "applications_received", stated)
                self.state(1, "applications_processed", processed)
            else:
                verb = rng.choice(["受理", "新收", "收到"])
                paras.append(f"本年度{verb}政府信息公开申请{self.number(stated)}件，均已在法定期限内答复。")
                self.state(1, "applications_received", stated)
        reviews = self.cell("review_litigation", "administrative_review")
        direct = self.cell("review_litigation", "litigation_direct")
        after = self.cell("review_litigation", "litigation_after_review")
        if None not in (reviews, direct, after):
            lawsuits = direct + after
            if reviews == 0 and lawsuits == 0:
                paras.append("本年度未发生因政府信息公开引起的行政复议和行政诉讼。")
            else:
                paras.append(f"因政府信息公开被申请行政复议{self.number(int(reviews))}件，"
                             f"被提起行政诉讼{self.number(int(lawsuits))}件。")
            self.state(1, "reviews", reviews)
            self.state(1, "lawsuits", lawsuits)
        return paras

    def other(self) -> str:
        """六: the fee charged (信息处理费), said as none only where no application was left for an
        unpaid fee notice, unless this report is made to disagree."""
        unpaid = self.cell("applications", "other_unpaid_fee")
        if self.disagree == "fee" and unpaid:
            self.t.mismatches.append("fees_charged")
            self.state(6, "fees_charged", 0)
            return "本年度未收取信息处理费。"
        if not unpaid and self.rng.random() < 0.5:
            self.state(6, "fees_charged", 0)
            return self.rng.choice(["本年度未收取信息处理费。", "全年无收费。", "全年收取信息处理费0元。"])
        amount = self.rng.randint(1, 40) * 50
        self.state(6, "fees_charged", amount)
        return f"全年收取信息处理费{self.number(amount)}元，无其他需要报告的事项。"


def _title(t: Truth, rng: random.Random) -> list[Block]:
    order = t.quirks.get("title")
    if order == "year_first":
        return [Block("title", f"{t.year}年{t.issuer_line}政府信息公开工作年度报告")]
    if order == "document_number":
        return [Block("para", f"{t.issuer_line[:1]}政办〔{t.year + 1}〕{rng.randint(1, 40)}号"),
                Block("title", f"{t.issuer_line}{t.year}年度政府信息公开工作年度报告")]
    if order == "signature_only":
        return [Block("title", f"{t.year}年政府信息公开工作年度报告")]
    style = rng.random()
    if style < 0.4:
        return [Block("title", f"{t.issuer_line}{t.year}年政府信息公开工作年度报告")]
    if style < 0.7:
        return [Block("title", t.agency), Block("title", f"{t.year}年度政府信息公开工作年度报告")]
    return [Block("title", f"{t.agency}关于{t.year}年度政府信息公开工作的报告")]


def _value(t: Truth, rng: random.Random, key, blank: str) -> GCell:
    unit = t.quirks.get("unit_header") if key[2] == "procurement_amount" else None
    text = printed_value(rng, key, t.values[key], blank, unit)
    t.printed[key] = text
    return GCell(text, key=key)


PROACTIVE = {
    "2019": [
        ("（一）", ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
         [("regulations", "规章"), ("normative_documents", "规范性文件")],
         ["new_made", "new_published", "total_published"]),
        ("（五）", ["上一年项目数量", "本年增/减", "处理决定数量"],
         [("administrative_licensing", "行政许可"), ("other_external_services", "其他对外管理服务事项")],
         ["prior_year_count", "change", "decisions"]),
        ("（六）", ["上一年项目数量", "本年增/减", "处理决定数量"],
         [("administrative_penalty", "行政处罚"), ("administrative_coercion", "行政强制")],
         ["prior_year_count", "change", "decisions"]),
        ("（八）", ["上一年项目数量", "本年增/减"],
         [("administrative_fees", "行政事业性收费")], ["prior_year_count", "change"]),
        ("（九）", ["采购项目数量", "采购总金额"],
         [("centralized_procurement", "政府集中采购")], ["procurement_count", "procurement_amount"]),
    ],
    "2021": [
        ("（一）", ["本年制发件数", "本年废止件数", "现行有效件数"],
         [("regulations", "规章"), ("normative_documents", "行政规范性文件")], ["issued", "repealed", "in_force"]),
        ("（五）", ["本年处理决定数量"], [("administrative_licensing", "行政许可")], ["decisions"]),
        ("（六）", ["本年处理决定数量"],
         [("administrative_penalty", "行政处罚"), ("administrative_coercion", "行政强制")], ["decisions"]),
        ("（八）", ["本年收费金额（单位：万元）"], [("administrative_fees", "行政事业性收费")], ["fee_amount"]),
    ],
}


def _proactive(t: Truth, rng: random.Random, blank: str, quirky: bool) -> Block:
    rows: list[list[GCell]] = []
    for marker, headers, items, cols in PROACTIVE[t.layout]:
        if "procurement_amount" in cols and t.quirks.get("unit_header"):
            headers = [*headers[:-1], f"{headers[-1]}（{t.quirks['unit_header']}）"]
        rows.append([GCell(f"第二十条第{marker}项", colspan=4, header=True)])
        span = 4 - len(headers)  # a single header spans the three value columns
        head = [GCell("信息内容", header=True)] + [GCell(h, header=True) for h in headers]
        if len(headers) == 1:
            head[-1].colspan = 3
        elif span:
            head += [GCell("", header=True)] * span
        rows.append(head)
        for item, label in items:
            row = [GCell(_label(rng, label, quirky))]
            row += [_value(t, rng, ("proactive", item, c), blank) for c in cols]
            if len(cols) == 1:
                row[-1].colspan = 3
            elif span:
                row += [GCell("")] * span
            rows.append(row)
    return Block("table", rows=rows, ncols=4)


OUTCOME_GROUPS = {
    "（三）不予公开": [
        ("denied_state_secret", "1.属于国家秘密"),
        ("denied_prohibited_by_law", "2.其他法律行政法规禁止公开"),
        ("denied_endangers_security", "3.危及“三安全一稳定”"),
        ("denied_third_party_rights", "4.保护第三方合法权益"),
        ("denied_internal_affairs", "5.属于三类内部事务信息"),
        ("denied_process_information", "6.属于四类过程性信息"),
        ("denied_enforcement_files", "7.属于行政执法案卷"),
        ("denied_administrative_query", "8.属于行政查询事项"),
    ],
    "（四）无法提供": [
        ("unavailable_not_held", "1.本机关不掌握相关政府信息"),
        ("unavailable_needs_creation", "2.没有现成信息需要另行制作"),
        ("unavailable_unclear", "3.补正后申请内容仍不明确"),
    ],
    "（五）不予处理": [
        ("not_processed_petition", "1.信访举报投诉类申请"),
        ("not_processed_duplicate", "2.重复申请"),
        ("not_processed_publication", "3.要求提供公开出版物"),
        ("not_processed_excessive", "4.无正当理由大量反复申请"),
        ("not_processed_confirmation", "5.要求行政机关确认或重新出具已获取信息"),
    ],
}
OTHER_2021 = [
    ("other_overdue_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_unpaid_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other_other", "3.其他"),
]
APPLICANTS = ["natural_person", "commercial_enterprise", "research_institution", "public_interest_org",
              "legal_service_org", "other_org", "total"]


def _applications(t: Truth, rng: random.Random, blank: str, quirky: bool) -> Block:
    def values(item: str) -> list[GCell]:
        return [_value(t, rng, ("applications", item, c), blank) for c in APPLICANTS]

    def lab(text: str, **kw) -> GCell:
        return GCell(_label(rng, text, quirky), **kw)

    rows: list[list[GCell]] = [
        [GCell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
               colspan=3, rowspan=3, header=True),
         GCell("申请人情况", colspan=7, header=True)],
        [GCell("自然人", rowspan=2, header=True), GCell("法人或其他组织", colspan=5, header=True),
         GCell("总计", rowspan=2, header=True)],
        [GCell(h, header=True) for h in ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]],
        [lab("一、本年新收政府信息公开申请数量", colspan=3), *values("new_received")],
        [lab("二、上年结转政府信息公开申请数量", colspan=3), *values("carried_over")],
    ]
    body: list[list[GCell]] = [
        [lab("（一）予以公开", colspan=2), *values("granted")],
        [lab("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", colspan=2), *values("partially_granted")],
    ]
    if t.quirks.get("wrap"):
        body[1][0].wrap = rng.randint(12, 20)
    typo = rng.choice([i for items in OUTCOME_GROUPS.values() for i, label in items[1:] if len(label) >= 8]) \
        if t.quirks.get("typo") else None
    for group, items in OUTCOME_GROUPS.items():
        for n, (item, label) in enumerate(items):
            not_held = item == "unavailable_not_held" and quirky and rng.random() < 0.4
            text = "1.本机关不掌握相关信息" if not_held else label
            if item == typo:  # words dropped from the middle: "2.其他法律行政止公开"
                cut = rng.randint(4, len(text) - 4)
                text = text[:cut] + text[cut + rng.randint(2, 3):]
            head = [lab(group, rowspan=len(items))] if n == 0 else []
            body.append([*head, GCell(text) if item == typo else lab(text), *values(item)])
    if t.layout == "2019" or t.quirks.get("one_row_other"):
        body.append([lab("（六）其他处理", colspan=2), *values("other_handling")])
    else:
        for n, (item, label) in enumerate(OTHER_2021):
            head = [lab("（六）其他处理", rowspan=3)] if n == 0 else []
            body.append([*head, lab(label), *values(item)])
    body.append([lab("（七）总计", colspan=2), *values("total_processed")])
    body[0].insert(0, lab("三、本年度办理结果", rowspan=len(body)))
    rows += body
    rows.append([lab("四、结转下年度继续办理", colspan=3), *values("carried_forward")])
    return Block("table", rows=rows, ncols=10)


RESULTS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def _review(t: Truth, rng: random.Random, blank: str, quirky: bool) -> Block:
    vertical = rng.random() < 0.5
    head = [GCell(_label(rng, r, quirky), rowspan=2, header=True, vertical=vertical) for r in RESULTS]
    rows = [
        [GCell("行政复议", colspan=5, header=True), GCell("行政诉讼", colspan=10, header=True)],
        [*head, GCell("未经复议直接起诉", colspan=5, header=True), GCell("复议后起诉", colspan=5, header=True)],
        [GCell(r, header=True, vertical=vertical) for r in RESULTS * 2],
        [
            _value(t, rng, ("review_litigation", g, c), blank)
            for g in ("administrative_review", "litigation_direct", "litigation_after_review")
            for c in ("upheld", "corrected", "other_result", "pending", "total")
        ],
    ]
    return Block("table", rows=rows, ncols=15)


def grid(block: Block) -> list[list[GCell | None]]:
    """The table as a full grid: each position holds the cell that covers it (None for no cell)."""
    out: list[list[GCell | None]] = [[None] * block.ncols for _ in block.rows]
    for r, row in enumerate(block.rows):
        c = 0
        for cell in row:
            while c < block.ncols and out[r][c] is not None:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    if r + dr < len(out) and c + dc < block.ncols:
                        out[r + dr][c + dc] = cell
            c += cell.colspan
    return out


def placed(block: Block):
    """(row, column, cell) for every cell of a table once, at its top-left grid position."""
    seen: set[int] = set()
    for r, row in enumerate(grid(block)):
        for c, cell in enumerate(row):
            if cell is not None and id(cell) not in seen:
                seen.add(id(cell))
                yield r, c, cell
