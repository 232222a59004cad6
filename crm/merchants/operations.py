"""Merchant rules: normalising input, pinyin initials, creating and updating with an audit trail."""
from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from itertools import repeat

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import RE_HANS
from pypinyin.pinyin_dict import pinyin_dict as PINYIN_DICT
from pypinyin.seg.mmseg import seg as phrases
from sqlalchemy import DateTime, Integer, String, bindparam, cast, func, insert, literal, select

from crm import audit
from crm.extensions import db
from crm.merchants.credit_code import normalize as normalize_code
from crm.merchants.models import Merchant
from crm.regions.models import Region
from crm.signals import merchant_flagged
from crm.timeutil import utcnow

AUDITED_FIELDS = (
    "credit_code", "name", "kind", "operator_name", "operator_phone", "operator_birth_date", "registered_on",
    "trade", "tier", "distinguished", "distinguished_until", "registry_status", "dishonest", "county_id",
    "town_id", "district_id", "address", "annual_revenue",
)
# A change into any of these makes a merchant (and its plaque) need a second look.
REVIEW_STATUSES = ("revoked", "abnormal")


_RAW = "\x00"  # marks characters pypinyin has no reading for, which are kept as they are
# pypinyin reads a text in runs of Chinese characters and of anything else, the former word by word
# (pypinyin.seg.simpleseg.seg). It finds the runs a character at a time in Python; one regex on its own
# character class finds the same runs several times faster.
_HANS = re.fullmatch(r"\^\(\?:(\[.*\])\)\+\$", RE_HANS.pattern).group(1)
_RUNS = re.compile(f"{_HANS}+|[^{_HANS[1:]}+")


@lru_cache(maxsize=100_000)
def initials(name: str) -> str:
    """Pinyin initials of a Chinese name, lower case: 张三干洗店 → zsgxd. Latin letters and digits kept."""
    letters = [_char_initial(ch) for ch in name or ""]
    if None not in letters:
        return "".join(letters)  # no character with two readings: no need to read the name word by word
    # pypinyin reads a text word by word and each word alone, so caching the words gives the same result
    # eight times faster on a registry import of 100,000 names.
    return "".join(_word_initials(word) for word in _words(name))


def _words(name: str):
    """The words of a name as pypinyin segments it."""
    for run in _RUNS.findall(name):
        if RE_HANS.match(run):
            yield from phrases.cut(run)
        else:
            yield run


@lru_cache(maxsize=65_536)
def _char_initial(ch: str) -> str | None:
    """The initial of a character whatever the word around it ("" for punctuation); None if it depends."""
    readings = PINYIN_DICT.get(ord(ch))
    if readings is None:
        return _word_initials(ch) if ch.isascii() or not ch.isalpha() else None
    letters = {_first_letter(reading) for reading in readings.split(",")}
    return letters.pop() if len(letters) == 1 else None


@lru_cache(maxsize=65_536)
def _word_initials(word: str) -> str:
    # Style.TONE skips pypinyin's style conversion; a toned syllable's first letter is FIRST_LETTER's.
    syllables = lazy_pinyin(word, style=Style.TONE, errors=lambda chars: [_RAW + ch for ch in chars])
    return "".join(ch for ch in "".join(_first_letter(s) for s in syllables) if ch.isalnum())


@lru_cache(maxsize=4096)
def _first_letter(syllable: str) -> str:
    if syllable.startswith(_RAW):
        return syllable[1:].lower()
    return unicodedata.normalize("NFKD", syllable)[:1].lower()


def find_by_code(code: str) -> Merchant | None:
    return db.session.scalar(select(Merchant).where(Merchant.credit_code == normalize_code(code)))


def location_of(region: Region) -> dict:
    """county_id, town_id and district_id of a merchant placed in this town or district."""
    by_level = {r.level: r.id for r in [*region.ancestors(), region]}
    return {"county_id": by_level.get("county"), "town_id": by_level.get("town"),
            "district_id": by_level.get("district")}


def review_reason(before: dict, merchant: Merchant) -> str | None:
    """Why a change to the registry data needs review, if it does."""
    if merchant.registry_status in REVIEW_STATUSES and before.get("registry_status") != merchant.registry_status:
        return f"registry status turned {merchant.registry_status}"
    if merchant.dishonest and not before.get("dishonest"):
        return "added to the dishonest-persons list"
    return None


def create_merchant(values: dict, actor=None) -> Merchant:
    merchant = Merchant(**values)
    merchant.name_initials = initials(merchant.name)
    db.session.add(merchant)
    audit.record("create", merchant, summary=merchant.name, actor=actor,
                 changes={k: [None, v] for k, v in audit.snapshot(merchant, AUDITED_FIELDS).items() if v is not None})
    return merchant


class MerchantWriter:
    """Bulk path for registry imports: new merchants in batches, then one 'create' audit row each.

    No ORM object and no dict per row (100,000 rows in seconds): rows arrive as tuples in the order
    of `columns` and go to the driver column by column (COPY on PostgreSQL, executemany on SQLite),
    in the session's transaction. finish() has the database write their audit rows itself from the
    new merchants (INSERT … SELECT). The import's own audit event names the file. `expected` is how
    many rows may come at most (the file's).

    On PostgreSQL a batch's COPY runs in a thread while the caller checks the next batch: the server
    stores and indexes rows on the other core meanwhile. The connection serialises its users, so the
    caller's next query waits for the COPY; finish() and release() wait for it too.
    """

    def __init__(self, columns: tuple[str, ...], defaults: dict | None = None, expected: int = 0):
        connection = db.session.connection()
        table = Merchant.__table__
        self.dialect = connection.dialect.name
        self.before = db.session.scalar(select(func.max(Merchant.id))) or 0
        self.now = utcnow()
        self.count = 0
        self.copying: threading.Thread | None = None
        self.failure: BaseException | None = None  # the background COPY's, raised by wait()
        self.name_at = columns.index("name")
        # Constant columns: the caller's defaults, then the model's own (needs_review False …).
        constants = {c.name: c.default.arg for c in table.c
                     if c.default is not None and c.default.is_scalar}
        constants.update(defaults or {})
        constants.update(created_at=self.now, updated_at=self.now)
        constants = {c: v for c, v in constants.items() if c not in columns and c != "name_initials"}
        self.columns = (*columns, "name_initials", *constants)
        self.cursor = connection.connection.driver_connection.cursor()
        if self.dialect == "postgresql":
            self.convert = [None] * len(self.columns)  # psycopg adapts dates, amounts and flags itself
            self.sql = f"COPY merchants ({', '.join(self.columns)}) FROM STDIN"
        else:
            self.convert = [table.c[c].type.bind_processor(connection.dialect) for c in self.columns]
            self.sql = (f"INSERT INTO merchants ({', '.join(self.columns)}) "
                        f"VALUES ({', '.join('?' * len(self.columns))})")
            # The new rows' index pages stay in memory for the transaction instead of spilling.
            self.cursor.execute("PRAGMA cache_size=-131072")
        own = len(columns) + 1  # the row's values and its initials; the constants follow, converted once
        self.tail = tuple(convert(value) if convert else value
                          for convert, value in zip(self.convert[own:], constants.values()))
        self.convert = self.convert[:own]
        self.indexes = self._set_indexes_aside(expected)

    def _set_indexes_aside(self, expected: int) -> list[str]:
        """On SQLite, drop the table's secondary indexes when no fewer rows are coming than it holds; the
        statements that make them again (finish() runs them).

        Building an index over the finished table takes a fraction of keeping it up to date row by row.
        The drop is in the import's transaction: a failure, or a killed worker, rolls it back with the
        rows. Not on PostgreSQL, where a dropped index would lock every reader out of the table.
        """
        if self.dialect == "postgresql" or db.session.scalar(select(func.count(Merchant.id))) > expected:
            return []
        if not self.cursor.connection.in_transaction:
            self.cursor.execute("BEGIN")  # pysqlite begins its transaction at the first INSERT, not before DDL
        found = self.cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                    "AND tbl_name = 'merchants' AND sql IS NOT NULL").fetchall()
        for name, _sql in found:
            self.cursor.execute(f'DROP INDEX "{name}"')
        return [sql for _name, sql in found]

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        columns = [*zip(*rows), list(map(initials, (row[self.name_at] for row in rows)))]
        columns = [list(map(convert, column)) if convert else column
                   for column, convert in zip(columns, self.convert)]
        rows = list(zip(*columns, *(repeat(value, len(rows)) for value in self.tail)))
        if self.dialect == "postgresql":
            self.wait()
            self.copying = threading.Thread(target=self._copy, args=(rows,), name="merchant-copy")
            self.copying.start()
        else:
            self.cursor.executemany(self.sql, rows)
        self.count += len(rows)

    def _copy(self, rows: list[tuple]) -> None:
        try:
            with self.cursor.copy(self.sql) as copy:
                for values in rows:
                    copy.write_row(values)
        except BaseException as err:  # noqa: BLE001 - raised again in the caller's thread by wait()
            self.failure = err

    def _join(self) -> None:
        if self.copying is not None:
            self.copying.join()
            self.copying = None

    def wait(self) -> None:
        """Let the COPY under way end; raise its error if it failed."""
        self._join()
        if self.failure is not None:
            failure, self.failure = self.failure, None
            raise failure

    def release(self) -> None:
        """Wait for any COPY still running (its error is moot: the import is over or failing) and give the
        connection back its usual page cache (SQLite's default, 2 MB). Before a rollback too."""
        self._join()
        if self.dialect != "postgresql":
            self.cursor.execute("PRAGMA cache_size=-2000")

    def finish(self, actor=None) -> int:
        """Write the audit rows of every merchant written; how many there were."""
        from crm.audit.models import AuditEvent
        from crm.audit.operations import client_address

        self.wait()
        for sql in self.indexes:
            self.cursor.execute(sql)
        if not self.count:
            return 0
        who = {"actor_id": literal(getattr(actor, "id", None), Integer),
               "actor_name": literal(getattr(actor, "username", None), String),
               "ip": literal(client_address(), String), "action": literal("create"),
               "object_type": literal("merchants"), "at": literal(self.now, DateTime)}
        new_rows = select(*who.values(), cast(Merchant.id, String), Merchant.name).where(
            Merchant.id > self.before, Merchant.created_at == self.now)
        db.session.execute(insert(AuditEvent).from_select([*who, "object_id", "summary"], new_rows))
        return self.count


def stamp_registry_hashes(pairs: list[tuple[str, int]]) -> None:
    """Record (hash, merchant id) for rows found unchanged, so the next import skips them at once."""
    if pairs:
        db.session.execute(Merchant.__table__.update().where(Merchant.id == bindparam("merchant_id"))
                           .values(registry_hash=bindparam("registry_hash")),
                           [{"registry_hash": h, "merchant_id": i} for h, i in pairs])


def update_merchant(merchant: Merchant, values: dict, actor=None) -> dict:
    """Apply new values; return what changed ({field: [old, new]}), recorded in the audit trail."""
    before = audit.snapshot(merchant, AUDITED_FIELDS)
    for key, value in values.items():
        setattr(merchant, key, value)
    merchant.name_initials = initials(merchant.name)
    changes = audit.diff(before, audit.snapshot(merchant, AUDITED_FIELDS))
    if changes:
        reason = review_reason(before, merchant)
        if reason:
            merchant.needs_review = True
            merchant.review_reason = reason
            merchant_flagged.send(merchant, reason=reason)
        audit.record("update", merchant, summary=merchant.name, changes=changes, actor=actor)
    return changes


def check_credit_code(raw: str | None) -> tuple[str, str | None]:
    """(normalised code, None) when valid, else (normalised code, why not) in the user's language."""
    from flask_babel import gettext as _

    from crm.merchants.credit_code import CreditCodeError, validate

    try:
        return validate(raw), None
    except CreditCodeError as err:
        code = normalize_code(raw)
        if err.reason == "length":
            return code, _("A credit code has 18 characters; this one has %(n)s.", n=len(code))
        if err.reason == "characters":
            return code, _("A credit code uses digits and capital letters other than I, O, S, V and Z.")
        return code, _("The check character is wrong (the last character should be %(c)s): please check the code.",
                       c=str(err).rsplit(" ", 1)[-1].strip(")"))
