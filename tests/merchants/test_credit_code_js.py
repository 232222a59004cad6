"""The phone checks a new merchant's credit code with static/js/credit_code.js, a port of
crm/merchants/credit_code.py: both must judge the same codes the same way (in Debian Chromium)."""
from __future__ import annotations

import random
from pathlib import Path

from crm.merchants import credit_code
from crm.merchants.credit_code import CreditCodeError

SCRIPT = Path(__file__).resolve().parents[2] / "static" / "js" / "credit_code.js"


def _codes() -> list[str]:
    rng = random.Random(18)
    valid = [credit_code.make(rng.choice(["140400", "140428", "140430"]), rng) for _ in range(150)]
    wrong_check = [code[:17] + next(c for c in credit_code.ALPHABET if c != code[17]) for code in valid[:60]]
    odd = ["", "9114", valid[0] + "1", valid[1][:17] + "I", "O" + valid[2][1:], " " + valid[3].lower() + " ",
           valid[4].translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}),  # full-width digits
           "91350100M000100Y43", "91350100M000100Y44", "9135 0100 M000 100Y 43", "ZZZZZZZZZZZZZZZZZZ"]
    return valid + wrong_check + odd


def _python(raw: str) -> dict:
    try:
        return {"code": credit_code.validate(raw), "reason": None}
    except CreditCodeError as err:
        return {"code": credit_code.normalize(raw), "reason": err.reason}


def test_the_phone_and_the_server_agree_on_every_code(browser):
    codes = _codes()
    page = browser.new_page()
    page.add_script_tag(path=str(SCRIPT))
    judged = page.evaluate("codes => codes.map(c => { const r = crmCreditCode.validate(c); "
                           "return {code: r.code, reason: r.reason}; })", codes)
    page.close()
    assert judged == [_python(code) for code in codes]
    assert sum(1 for j in judged if j["reason"] is None) >= 150  # the generated ones (and the known one) pass
    assert {j["reason"] for j in judged} == {None, "length", "characters", "check"}
