"""The readable-text check every browser test uses: it fails on codes and raw ids, and only on them."""
from tests.browser import identifier_problems


def test_codes_raw_ids_and_period_codes_are_caught():
    text = "状态 pending → assigned\n客户经理 — → 73\n期间 — → 2026Q4\n规则 follow_up_due\nmerchantId"
    problems = identifier_problems(text)
    for found in ("code follow_up_due", "code merchantId", "period code 2026Q4", "raw id → 73", "Latin word pending",
                  "Latin word assigned"):
        assert found in problems


def test_chinese_pages_may_hold_names_codes_and_the_few_words_people_use():
    text = ("张三干洗店 · 9214040097R5NQ72J2 · 导出（.xlsx） · GPS 定位 · 扫码 QR · English\n"
            "2026-11-20 09:30 · 12 户 · 45% · 客户经理 — → 张晓明")
    assert identifier_problems(text) == []


def test_english_pages_may_hold_words_but_not_codes():
    assert identifier_problems("Assigned to Zhang, due 2026-11-20", chinese=False) == []
    assert identifier_problems("status pending_review", chinese=False) == ["code pending_review"]
