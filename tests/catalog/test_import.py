"""Bulk import from CSV and XLSX, with a per-row error report."""

from __future__ import annotations

import io

import httpx
from openpyxl import Workbook, load_workbook

from tests.catalog.helpers import API, phone_category
from tests.conftest import Account, open_shop

HEADER = "商品编号,标题,副标题,类目,品牌,描述,规格,价格(元),划线价(元),库存,重量(克),条码"


async def _import(
    client: httpx.AsyncClient, owner: Account, shop_id: str, name: str, content: bytes, **headers: str
) -> httpx.Response:
    return await client.post(
        f"{API}/shops/{shop_id}/product-imports",
        headers={**owner.headers, **headers},
        files={"file": (name, content)},
    )


async def test_csv_import_creates_good_products_and_reports_bad_rows(
    client: httpx.AsyncClient, admin: Account
) -> None:
    await phone_category(client, admin)
    await client.post(f"{API}/admin/brands", headers=admin.headers, json={"name": "华为"})
    owner, shop_id = await open_shop(client, admin)
    csv_text = "\n".join(
        [
            HEADER,
            "P1,华为 Mate 70,旗舰,数码/手机通讯/手机,华为,,颜色:黑;存储容量:256GB,5499.00,5999,10,220,",
            "P1,,,,,,颜色:白;存储容量:256GB,5499.5,,3,220,",
            "P2,坏价格手机,,数码/手机通讯/手机,,,颜色:黑,12.345,,1,,",
            "P3,未知类目,,数码/不存在,,,颜色:黑,10,,1,,",
            "P4,重复规格,,数码/手机通讯/手机,,,颜色:黑,10,,1,,",
            "P4,,,,,,颜色:黑,11,,1,,",
            "P5,未知品牌,,数码/手机通讯/手机,山寨,,颜色:黑,10,,1,,",
            ",没有编号,,,,,,10,,1,,",
        ]
    ).encode("utf-8-sig")
    response = await _import(client, owner, shop_id, "products.csv", csv_text)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["created_count"] == 1 and [c["product_ref"] for c in report["created"]] == ["P1"]
    rows = {(e["row"], e["field"]) for e in report["errors"]}
    assert rows == {(4, "price"), (5, "category"), (7, "specs"), (8, "brand"), (9, "product_ref")}

    product_id = report["created"][0]["id"]
    product = (await client.get(f"{API}/shops/{shop_id}/products/{product_id}", headers=owner.headers)).json()
    assert product["status"] == "draft"
    assert sorted(s["price_fen"] for s in product["skus"]) == [549900, 549950]


async def test_xlsx_template_round_trip_and_gbk_csv(client: httpx.AsyncClient, admin: Account) -> None:
    await phone_category(client, admin)
    await client.post(f"{API}/admin/brands", headers=admin.headers, json={"name": "华为"})
    owner, shop_id = await open_shop(client, admin)
    template = await client.get(f"{API}/shops/{shop_id}/product-imports/template", headers=owner.headers)
    assert template.status_code == 200
    sheet = load_workbook(io.BytesIO(template.content)).active
    assert sheet is not None and sheet["A1"].value == "商品编号"
    filled = await _import(client, owner, shop_id, "template.xlsx", template.content)
    assert filled.json()["created_count"] == 1 and filled.json()["errors"] == []

    gbk = (HEADER + "\nG1,国产手机,,数码/手机通讯/手机,,,颜色:蓝,99,,2,,\n").encode("gb18030")
    assert (await _import(client, owner, shop_id, "gbk.csv", gbk)).json()["created_count"] == 1

    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(HEADER.split(","))
    ws.append(["X1", "表格手机", "", "数码/手机通讯/手机", "", "", "颜色:黑", 1999, None, 5, 180, None])
    out = io.BytesIO()
    book.save(out)
    made = await _import(client, owner, shop_id, "mine.xlsx", out.getvalue())
    assert made.json()["created_count"] == 1


async def test_unreadable_files_are_refused(client: httpx.AsyncClient, admin: Account) -> None:
    owner, shop_id = await open_shop(client, admin)
    for name, content in (
        ("x.csv", b""),
        ("x.xlsx", b"PK\x03\x04not really"),
        ("x.csv", b"a,b\n1,2\n"),
        ("x.csv", b"\x00\x01\x02" * 10),
    ):
        response = await _import(client, owner, shop_id, name, content)
        assert response.status_code == 422, (name, response.text)
        assert response.json()["errors"][0]["field"] == "file"
    too_many = (HEADER + "\n" + "\n".join(f"R{i},t,,c,,,,1,,1,," for i in range(2001))).encode()
    assert (await _import(client, owner, shop_id, "big.csv", too_many)).status_code == 422
