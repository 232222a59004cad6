"""The bureau's own header wordings are read, the report shows how, and says which columns it ignored."""
from __future__ import annotations

import re

import pytest

from crm.imports import parsing
from tests.imports.test_import_rules import code

# Headers as the bureau's exports write them (full-width brackets included) → the field each fills.
SYNONYMS = [
    ("统一社会信用代码/注册号", "credit_code"), ("统一社会信用代码（注册号）", "credit_code"),
    ("个体工商户名称", "name"), ("市场主体名称", "name"),
    ("经营者姓名", "operator_name"), ("法定代表人（负责人）", "operator_name"), ("投资人", "operator_name"),
    ("经营者联系电话", "operator_phone"), ("联系手机", "operator_phone"),
    ("成立时间", "registered_on"), ("行业门类名称", "trade"), ("登记状态名称", "registry_status"),
    ("市场主体类别", "kind"),
    ("所属区县", "county"), ("区县名称", "county"), ("县区名称", "county"), ("县（市、区）", "county"),
    ("所属乡镇（街道）", "town"), ("乡镇名称", "town"), ("所属街道", "town"),
    ("经营场所", "address"), ("经营场所地址", "address"), ("住所/经营场所", "address"),
    ("注册号", None), ("备注", None),  # an old registration number is not a credit code
]


@pytest.mark.parametrize("header,field", SYNONYMS)
def test_each_header_wording_of_the_bureau_is_read_as_its_field(header, field):
    assert parsing.header_field(header)[0] == field


def _upload(client, tmp_path, header, rows):
    from tests.imports.helpers import write_xlsx

    path = write_xlsx(tmp_path / "名录.xlsx", rows, header=header)
    with open(path, "rb") as handle:
        location = client.post("/imports/", data={"file": (handle, "名录.xlsx")},
                               content_type="multipart/form-data").headers["Location"]
    return client.get(location).get_data(as_text=True)


def test_a_registry_headed_the_bureaus_way_is_imported_and_the_mapping_shown(world, login, tmp_path):
    client = login(world.users["liaison_a1"])
    client.get("/lang/en")
    header = ["统一社会信用代码/注册号", "个体工商户名称", "经营者姓名", "所属区县", "所属乡镇（街道）", "经营场所", "备注"]
    page = _upload(client, tmp_path, header, [[code(1), "测试商店1", "张三", "长子县", "丹朱镇", "府前街1号", "x"]])
    assert re.search(r'data-count="created">1<', page) and re.search(r'data-count="rejected">0<', page)
    mapping = page[page.index("data-mapping"):]
    for header_text, label in (("所属区县", "County"), ("所属乡镇(街道)", "Town"), ("经营场所", "Address"),
                               ("经营者姓名", "Operator")):
        assert re.search(rf"<td>{re.escape(header_text)}</td><td>{label}</td>", mapping), header_text
    ignored = page.index("data-ignored")
    assert ignored < page.index('data-count="created"')  # at the top of the report
    assert "<b class=\"nowrap\">备注</b>" in page[ignored:]


def test_a_file_without_a_county_column_says_so_and_never_claims_rows_unchanged(world, login, tmp_path):
    client = login(world.users["liaison_a1"])
    client.get("/lang/en")
    page = _upload(client, tmp_path, ["统一社会信用代码", "名称", "区县代码"],
                   [[code(1), "测试商店1", "140428"], [code(2), "测试商店2", "140428"]])
    assert re.search(r'data-count="rejected">2<', page)
    assert "this file has no county column" in page
    assert "<b class=\"nowrap\">区县代码</b>" in page
    assert "already in the registry" not in page
    assert "Nothing to import: no row of this file is valid" in page
