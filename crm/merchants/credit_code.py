"""The unified social credit code (统一社会信用代码) of GB 32100-2015: normalise, check, make."""
from __future__ import annotations

import random
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Per position, each character's weighted value: a registry import checks 100,000 codes, summed in C.
_WEIGHTED = tuple({ch: value * weight for ch, value in _VALUE.items()} for weight in WEIGHTS)


class CreditCodeError(ValueError):
    """Why a code is not valid; the message is shown to the user (translated by the caller)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def normalize(raw: str | None) -> str:
    """Full-width to half-width, spaces dropped, upper case: what people paste from registries."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(text.split()).upper()


def check_character(first17: str) -> str:
    total = sum(map(dict.__getitem__, _WEIGHTED, first17))
    return ALPHABET[(31 - total % 31) % 31]


def validate(raw: str | None) -> str:
    """Return the normalised code, or raise CreditCodeError saying what is wrong."""
    code = normalize(raw)
    if len(code) != 18:
        raise CreditCodeError("length", f"a credit code has 18 characters, this one has {len(code)}")
    bad = sorted({ch for ch in code if ch not in _VALUE})
    if bad:
        raise CreditCodeError("characters", f"a credit code cannot contain {''.join(bad)}")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise CreditCodeError("check", f"wrong check character: {code[17]} (expected {expected})")
    return code


def is_valid(raw: str | None) -> bool:
    try:
        validate(raw)
    except CreditCodeError:
        return False
    return True


def make(division: str = "140400", rng: random.Random | None = None, prefix: str = "92") -> str:
    """A valid code for an individual business (prefix 92) in an administrative division."""
    rng = rng or random.Random()
    body = prefix + division + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + check_character(body)
