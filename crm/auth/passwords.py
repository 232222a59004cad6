"""Password hashing (salted scrypt through Werkzeug) and the password policy."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

MIN_LENGTH = 8
MIN_CLASSES = 3
# zxcvbn's 0–4 scale; 3 means about 10^8 guesses or more: no common password, name, date or keyboard
# walk with a digit or symbol tacked on ("Password1", "Admin@123") gets there.
MIN_STRENGTH = 3
MAX_CHECKED_LENGTH = 100  # zxcvbn slows down on very long input; longer passwords are strong anyway


def policy_problem(password: str, user_inputs: tuple[str, ...] = ()) -> str | None:
    """Why a password is refused, in the user's language; None when it is acceptable.
    user_inputs (username, display name) count as guessable words."""
    classes = sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if len(password) < MIN_LENGTH or classes < MIN_CLASSES:
        return str(_l("A password needs at least 8 characters from 3 of: lower case, upper case, digits, symbols."))
    if zxcvbn(password[:MAX_CHECKED_LENGTH], user_inputs=[i for i in user_inputs if i])["score"] < MIN_STRENGTH:
        return str(_l("This password is too common or too easy to guess; try a few unrelated words with a "
                      "digit or symbol."))
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)
