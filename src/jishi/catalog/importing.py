"""Bulk product import (批量导入) from a CSV or XLSX template: parsing and row checks.

One row per SKU. Rows with the same ``product_ref`` form one product; the first
row of a product carries its title, category and other product fields. Parsing
is pure: it turns a file into product drafts and a per-row error report, and
never touches the database.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

COLUMNS: list[tuple[str, str, str]] = [
    # (key, Chinese header, English header)
    ("product_ref", "商品编号", "product_ref"),
    ("title", "标题", "title"),
    ("subtitle", "副标题", "subtitle"),
    ("category", "类目", "category"),
    ("brand", "品牌", "brand"),
    ("description", "描述", "description"),
    ("specs", "规格", "specs"),
    ("price", "价格(元)", "price"),
    ("market_price", "划线价(元)", "market_price"),
    ("stock", "库存", "stock"),
    ("weight_g", "重量(克)", "weight_g"),
    ("barcode", "条码", "barcode"),
]
EXAMPLE_ROWS = [
    [
        "P001",
        "华为 Mate 70 手机",
        "鸿蒙旗舰",
        "数码/手机通讯/手机",
        "华为",
        "<p>旗舰影像</p>",
        "颜色:黑;存储容量:256GB",
        "5499.00",
        "5999.00",
        "10",
        "220",
        "6941487312345",
    ],
    ["P001", "", "", "", "", "", "颜色:白;存储容量:512GB", "5999.00", "", "5", "220", ""],
]
MAX_ROWS = 2000
_HEADER_KEYS = {h: key for key, zh, en in COLUMNS for h in (zh, en)}


@dataclass
class RowError:
    row: int  # 1-based, counting the header as row 1, as a spreadsheet shows it
    field: str
    message_zh: str
    message_en: str


@dataclass
class SkuRow:
    row: int
    specs: dict[str, str]
    price_fen: int
    market_price_fen: int | None
    stock: int
    weight_g: int
    barcode: str | None


@dataclass
class ProductDraft:
    ref: str
    first_row: int
    title: str
    subtitle: str
    category: str
    brand: str
    description: str
    skus: list[SkuRow] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


@dataclass
class ParsedImport:
    products: list[ProductDraft]
    errors: list[RowError]


class ImportFileError(ValueError):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh


def template_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([zh for _, zh, _ in COLUMNS])
    writer.writerows(EXAMPLE_ROWS)
    return ("\ufeff" + out.getvalue()).encode()  # BOM so Excel opens it as UTF-8


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "商品导入"
    sheet.append([zh for _, zh, _ in COLUMNS])
    for row in EXAMPLE_ROWS:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_rows(filename: str, content: bytes) -> list[list[str]]:
    """Rows of a CSV (UTF-8, UTF-8 with BOM, or GB18030 as Chinese Excel saves it) or XLSX file."""
    if filename.lower().endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        return _xlsx_rows(content)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(
            "无法识别文件编码，请保存为 UTF-8 CSV。", "Unknown encoding; save the file as UTF-8 CSV."
        )
    if "\x00" in text:
        raise ImportFileError("文件不是文本 CSV。", "The file is not a text CSV.")
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]


def _xlsx_rows(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ImportFileError("无法读取 XLSX 文件。", "The XLSX file cannot be read.") from exc
    sheet = book.worksheets[0]
    rows = []
    for index, row in enumerate(sheet.iter_rows(values_only=True)):
        if index > MAX_ROWS + 1:
            break
        rows.append(["" if v is None else _cell_text(v) for v in row])
    book.close()
    return rows


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse(rows: list[list[str]]) -> ParsedImport:
    if not rows or not any(rows[0]):
        raise ImportFileError("文件是空的。", "The file is empty.")
    header = [_HEADER_KEYS.get(h.strip()) for h in rows[0]]
    missing = [zh for key, zh, _ in COLUMNS if key in ("product_ref", "price") and key not in header]
    if missing:
        raise ImportFileError(f"缺少列：{'、'.join(missing)}。", f"Missing columns: {', '.join(missing)}.")
    body = [r for r in rows[1:] if any(c.strip() for c in r)]
    if len(body) > MAX_ROWS:
        raise ImportFileError(f"一次最多导入 {MAX_ROWS} 行。", f"At most {MAX_ROWS} rows per import.")
    products: dict[str, ProductDraft] = {}
    errors: list[RowError] = []
    for offset, raw in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        cells = {key: (raw[i] if i < len(raw) else "").strip() for i, key in enumerate(header) if key}
        _parse_row(offset, cells, products, errors)
    return ParsedImport(list(products.values()), errors)


def _parse_row(
    row: int, cells: dict[str, str], products: dict[str, ProductDraft], errors: list[RowError]
) -> None:
    ref = cells.get("product_ref", "")
    if not ref:
        errors.append(RowError(row, "product_ref", "缺少商品编号。", "product_ref is empty."))
        return
    draft = products.get(ref)
    if draft is None:
        draft = ProductDraft(
            ref,
            row,
            cells.get("title", ""),
            cells.get("subtitle", ""),
            cells.get("category", ""),
            cells.get("brand", ""),
            cells.get("description", ""),
        )
        products[ref] = draft
    draft.rows.append(row)
    row_errors: list[RowError] = []
    specs = _specs(row, cells.get("specs", ""), row_errors)
    price = _fen(row, "price", cells.get("price", ""), row_errors, required=True)
    market = _fen(row, "market_price", cells.get("market_price", ""), row_errors, required=False)
    stock = _int(row, "stock", cells.get("stock", "") or "0", row_errors)
    weight = _int(row, "weight_g", cells.get("weight_g", "") or "0", row_errors)
    if row_errors:
        errors.extend(row_errors)
        return
    assert price is not None and stock is not None and weight is not None
    draft.skus.append(SkuRow(row, specs, price, market, stock, weight, cells.get("barcode") or None))


def _specs(row: int, text: str, errors: list[RowError]) -> dict[str, str]:
    specs: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.replace("；", ";").split(";"))):
        name, sep, value = part.replace("：", ":").partition(":")
        if not sep or not name.strip() or not value.strip():
            errors.append(
                RowError(
                    row, "specs", "规格格式应为「颜色:黑;尺码:M」。", "Specs look like 'color:black;size:M'."
                )
            )
            return {}
        specs[name.strip()] = value.strip()
    return specs


def _fen(row: int, name: str, text: str, errors: list[RowError], *, required: bool) -> int | None:
    if not text:
        if required:
            errors.append(RowError(row, name, "价格必填。", "The price is required."))
        return None
    try:
        yuan = Decimal(text.replace(",", "").replace("¥", "").replace("￥", ""))
    except InvalidOperation:
        errors.append(
            RowError(row, name, "价格应为数字，如 59.90。", "The price must be a number such as 59.90.")
        )
        return None
    fen = yuan * 100
    if fen != fen.to_integral_value() or fen <= 0 or fen > 10_000_000_000:
        errors.append(
            RowError(
                row,
                name,
                "价格须大于 0 且最多两位小数。",
                "The price must be above 0 with at most two decimals.",
            )
        )
        return None
    return int(fen)


def _int(row: int, name: str, text: str, errors: list[RowError]) -> int | None:
    try:
        value = int(text)
    except ValueError:
        errors.append(RowError(row, name, "应为整数。", "Must be a whole number."))
        return None
    if not 0 <= value <= 10_000_000:
        errors.append(RowError(row, name, "超出范围。", "Out of range."))
        return None
    return value
