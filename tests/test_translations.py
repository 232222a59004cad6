"""The UI speaks Simplified Chinese: every string the code and templates show has a translation."""
import os
import re

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PO = os.path.join(ROOT, "crm", "translations", "zh_Hans", "LC_MESSAGES", "messages.po")
METHODS = [("crm/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _used_msgids(methods=METHODS) -> set[str]:
    ids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(ROOT, methods, keywords=KEYWORDS):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


# What a %-format may hold besides text: a literal %% and named placeholders.
FORMAT_PARTS = re.compile(r"%%|%\(\w+\)[sdif]")


def _translated(catalog) -> dict[str, tuple]:
    """{singular msgid: (translation, …)} for entries translated in every plural form."""
    entries = {}
    for message in catalog:
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        if ids[0] and all(strings) and "fuzzy" not in message.flags:
            entries[ids[0]] = tuple(strings)
    return entries


def _source():
    with open(PO, "rb") as handle:
        return _translated(read_po(handle, locale="zh_Hans"))


def test_every_ui_string_has_a_chinese_translation():
    translated = _source()
    missing = sorted(i for i in _used_msgids() if i and i not in translated)
    assert missing == [], f"{len(missing)} strings have no zh_Hans translation, e.g. {missing[:10]}"


def test_template_strings_format_in_both_languages():
    """A template's _() always %-formats the string it gets (Jinja's new-style gettext), with or without
    variables: a bare % crashes the page ("年利率（%）") or garbles it ("Rate (% a year)" with "% a" a
    conversion); it must be written %%."""
    translated = _source()
    broken = [text for msgid in _used_msgids([("templates/**.html", "jinja2")])
              for text in (msgid, *translated.get(msgid, ())) if "%" in FORMAT_PARTS.sub("", text)]
    assert broken == []


def test_the_compiled_catalogue_matches_the_source():
    with open(PO[:-2] + "mo", "rb") as handle:
        compiled = _translated(read_mo(handle))
    assert compiled == _source(), "run scripts/translations to compile messages.mo"


def test_pages_are_chinese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page
    english = client.get("/login?lang=en").get_data(as_text=True)
    assert "Sign in" in english
