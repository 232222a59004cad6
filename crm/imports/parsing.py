"""Reading the bureau's registry export: tables from .xlsx/.csv, headers, and cell values.

Registry exports are messy: Chinese or English headers, full-width digits, stray spaces,
dates as Excel serials or text in several styles, codes in Chinese. Each parser returns the
stored value or raises CellError with the reason shown to the user.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

EXCEL_EPOCH = date(1899, 12, 30)

# Header text (normalised: NFKC, no spaces, lower case, no unit in brackets) → merchant field.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "credit_code": ("统一社会信用代码", "社会信用代码", "信用代码", "统一代码", "注册号/统一社会信用代码",
                    "统一社会信用代码/注册号", "统一社会信用代码(注册号)", "信用代码/注册号"),
    "name": ("名称", "主体名称", "企业名称", "商户名称", "个体户名称", "字号名称", "字号", "个体工商户名称",
             "市场主体名称"),
    "operator_name": ("经营者", "经营者姓名", "经营者名称", "法定代表人", "负责人", "法定代表人/经营者",
                      "法定代表人(负责人)", "法定代表人姓名", "投资人"),
    "operator_phone": ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "经营者电话",
                       "经营者联系电话", "联系手机"),
    "operator_birth_date": ("经营者出生日期", "出生日期"),
    "registered_on": ("成立日期", "注册日期", "登记日期", "开业日期", "成立时间", "注册时间"),
    "trade": ("行业", "所属行业", "行业类别", "行业门类", "行业门类名称", "国民经济行业"),
    "tier": ("分型", "分型分类", "分型类别", "类型分型"),
    "distinguished": ("名特优新", "是否名特优新", "名特优新个体工商户"),
    "distinguished_until": ("名特优新有效期", "名特优新有效期至", "有效期至"),
    "registry_status": ("登记状态", "经营状态", "状态", "登记状态名称"),
    "dishonest": ("失信", "是否失信", "失信被执行人", "失信名单"),
    "kind": ("主体类型", "市场主体类型", "类型", "主体类别", "市场主体类别"),
    "county": ("县区", "县(区)", "区县", "县", "所属县区", "所属区县", "区县名称", "县区名称",
               "县(市、区)", "所属县(市、区)"),
    "town": ("乡镇", "乡镇(街道)", "乡镇街道", "街道", "所属乡镇", "所属乡镇(街道)", "乡镇名称",
             "乡镇(街道)名称", "所属街道"),
    "district": ("商圈", "商圈/市场", "专业市场", "商圈(市场)", "所属商圈"),
    "address": ("地址", "经营场所", "住所", "住所(经营场所)", "经营地址", "经营场所地址",
                "住所/经营场所"),
    "annual_revenue": ("年营业收入", "营业收入", "年营业额", "年收入"),
}
FIELDS = tuple(HEADER_ALIASES)
_HEADERS = {alias.lower(): field for field, aliases in HEADER_ALIASES.items() for alias in (field, *aliases)}
_UNIT = re.compile(r"[(\[]([^)\]]*)[)\]]$")


class CellError(ValueError):
    """A cell that cannot be read; the message is already in the user's language."""


def text(value) -> str:
    """Full-width to half-width, whitespace runs to one space, none next to Chinese characters."""
    if value is None:
        return ""
    if isinstance(value, str) and not _SPACE.search(value) and unicodedata.is_normalized("NFKC", value):
        return value  # the common case, checked in C: nothing to clean
    if value.__class__ is float:  # a number cell (not a flag: True is an int): written plainly, nothing to clean
        return str(int(value)) if value.is_integer() else str(value)  # 13912345678.0 typed into a text column
    if value.__class__ is int:
        return str(value)
    cleaned = " ".join(unicodedata.normalize("NFKC", str(value)).split())
    return _CJK_SPACE.sub("", cleaned)


_SPACE = re.compile(r"\s")
_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff])\s+|\s+(?=[\u3400-\u9fff])")


def header_field(raw) -> tuple[str | None, int]:
    """(field, scale) for a header cell; scale is 10000 when the header says the unit is 万元."""
    name = text(raw).replace(" ", "").replace("*", "").lower()
    scale = 10000 if "万元" in name else 1
    field = _HEADERS.get(name) or _HEADERS.get(_UNIT.sub("", name))
    return field, scale


def read_table(path: str, filename: str, sized: Callable[[int], None] | None = None) -> Iterator[list]:
    """The rows of the first sheet of an .xlsx, or of a .csv in UTF-8 (with or without BOM) or GBK.

    sized(n), when given, learns how many rows (about, for a .csv: its lines) the table has.
    """
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension in ("xlsx", "xlsm", "xls"):
        from python_calamine import CalamineError, CalamineWorkbook

        from crm.imports.xlsx import check_declared_size

        check_declared_size(path)
        try:
            sheet = CalamineWorkbook.from_path(path).get_sheet_by_index(0)
        except (CalamineError, ValueError) as exc:
            raise CellError(_("The file cannot be read as a spreadsheet.")) from exc
        if sized:
            sized(sheet.height)
        yield from sheet.iter_rows()
        return
    if extension in ("csv", "txt"):
        with open(path, "rb") as handle:
            data = handle.read()
        if sized:
            sized(data.count(b"\n"))
        yield from csv.reader(io.StringIO(decode(data)))
        return
    raise CellError(_("Upload an .xlsx or .csv file."))


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped) if it decodes, else GB18030, which covers GBK and GB2312."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise CellError(_("The file is neither UTF-8 nor GBK text.")) from exc


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s.*)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(value) -> date | None:
    """Excel serials, 2024-01-05, 2024/1/5, 2024.1.5, 2024年1月5日, 20240105; empty is None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(value)
    raw = text(value)
    if not raw:
        return None
    match = _DATE.match(raw) or _COMPACT_DATE.match(raw)
    if match:
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    elif re.fullmatch(r"\d{5}(\.\d+)?", raw):
        return _serial(float(raw))
    raise CellError(_("%(value)s is not a date", value=raw))


def _serial(number: float) -> date:
    if not 1 <= number < 2958466:
        raise CellError(_("%(value)s is not a date", value=number))
    return EXCEL_EPOCH + timedelta(days=int(number))


# Codes people write for each stored value; matched on the whole cell first, then by keyword.
_TIERS = {"生存型": "survival", "生存": "survival", "成长型": "growth", "成长": "growth",
          "发展型": "development", "发展": "development"}
_STATUSES = (("吊销", "revoked"), ("注销", "cancelled"), ("异常", "abnormal"), ("存续", "operating"),
             ("在业", "operating"), ("在营", "operating"), ("开业", "operating"), ("正常", "operating"),
             ("营业", "operating"))
_TRADES = (("批发", "wholesale_retail"), ("零售", "wholesale_retail"), ("住宿", "lodging_catering"),
           ("餐饮", "lodging_catering"), ("交通", "transport_logistics"), ("运输", "transport_logistics"),
           ("物流", "transport_logistics"), ("仓储", "transport_logistics"), ("邮政", "transport_logistics"),
           ("农", "agriculture"), ("林", "agriculture"), ("牧", "agriculture"), ("渔", "agriculture"),
           ("制造", "manufacturing"), ("居民服务", "resident_services"), ("修理", "resident_services"))
_KINDS = (("个体", "individual"), ("企业", "small_enterprise"), ("公司", "small_enterprise"),
          ("合作社", "small_enterprise"))
_YES = {"是", "有", "y", "yes", "true", "1", "√", "✓", "名特优新", "失信"}
_NO = {"", "否", "无", "n", "no", "false", "0", "×", "-"}


def _keyword(raw: str, table, allowed) -> str | None:
    if raw.lower() in allowed:
        return raw.lower()
    return next((code for word, code in table if word in raw), None)


def parse_tier(value) -> str | None:
    raw = text(value)
    if not raw:
        return None
    code = _TIERS.get(raw) or (raw.lower() if raw.lower() in set(_TIERS.values()) else None)
    if code is None:
        raise CellError(_("unknown tier %(value)s (生存型, 成长型 or 发展型)", value=raw))
    return code


def parse_status(value) -> str:
    raw = text(value)
    if not raw:
        return "operating"
    code = _keyword(raw, _STATUSES, {"operating", "revoked", "cancelled", "abnormal"})
    if code is None:
        raise CellError(_("unknown registry status %(value)s", value=raw))
    return code


def parse_trade(value) -> str:
    """Any trade outside the focus trades is 'other'; the registry knows far more than we track."""
    raw = text(value)
    allowed = {code for _word, code in _TRADES} | {"other"}
    return (_keyword(raw, _TRADES, allowed) or "other") if raw else "other"


def parse_kind(value) -> str:
    raw = text(value)
    return (_keyword(raw, _KINDS, {"individual", "small_enterprise"}) or "individual") if raw else "individual"


def parse_flag(value) -> bool:
    if isinstance(value, bool):
        return value
    raw = text(value).lower()
    if raw in _YES:
        return True
    if raw in _NO:
        return False
    raise CellError(_("%(value)s is neither yes (是) nor no (否)", value=raw))


_PHONE = re.compile(r"^\+?[0-9][0-9-]{4,19}$")


def parse_phone(value) -> str | None:
    raw = text(value).replace(" ", "")
    if not raw:
        return None
    if not _PHONE.match(raw):
        raise CellError(_("%(value)s is not a phone number", value=raw))
    return raw


def parse_amount(value, scale: int = 1) -> Decimal | None:
    """A yuan amount; '12.5万' and a 万元 column are scaled; commas dropped."""
    if value is None or value == "":
        return None
    raw = text(value).replace(",", "").replace("元", "")
    if raw.endswith("万"):
        raw, scale = raw[:-1], scale * 10000
    try:
        amount = Decimal(raw) * scale
    except InvalidOperation as exc:
        raise CellError(_("%(value)s is not an amount", value=text(value))) from exc
    if amount < 0 or amount >= Decimal("1e12"):
        raise CellError(_("%(value)s is not an amount", value=text(value)))
    return amount.quantize(Decimal("0.01"))
