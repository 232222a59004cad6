"""Password hashing (salted scrypt through Werkzeug) and the password policy."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 8
MIN_CLASSES = 3


def policy_problem(password: str) -> str | None:
    """Why a password is refused, in the user's language; None when it is acceptable."""
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
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)
