import random

import pytest

from crm.merchants import credit_code
from crm.merchants.credit_code import CreditCodeError, validate


def test_known_valid_codes_pass():
    assert validate("91350100M000100Y43") == "91350100M000100Y43"


def test_generated_codes_pass_and_are_18_characters():
    rng = random.Random(1)
    for _ in range(200):
        code = credit_code.make("140428", rng)
        assert len(code) == 18 and validate(code) == code


def test_wrong_check_character_is_refused_with_the_expected_one():
    with pytest.raises(CreditCodeError) as err:
        validate("91350100M000100Y44")
    assert err.value.reason == "check"
    assert "3" in str(err.value)


@pytest.mark.parametrize("raw", ["91350100M000100Y4", "91350100M000100Y433", ""])
def test_wrong_length_is_refused(raw):
    with pytest.raises(CreditCodeError) as err:
        validate(raw)
    assert err.value.reason == "length"


def test_letters_outside_the_alphabet_are_refused():
    code = "91350100M000100Y4"  # 17 chars + an I
    with pytest.raises(CreditCodeError) as err:
        validate(code + "I")
    assert err.value.reason == "characters"


def test_lowercase_input_is_normalised():
    assert validate("91350100m000100y43") == "91350100M000100Y43"


def test_full_width_characters_and_spaces_are_normalised():
    full_width = "９１３５０１００Ｍ０００１００Ｙ４３"
    assert validate(full_width) == "91350100M000100Y43"
    assert validate(" 9135 0100\u3000M000 100Y43 ") == "91350100M000100Y43"
