"""Translation helpers for the zh_Hans catalogue.

    python scripts/po_untranslated.py list            # untranslated msgids as JSON {msgid: ""}
    python scripts/po_untranslated.py fill FILE.json  # write {msgid: msgstr} into the catalogue
"""
import json
import sys

from babel.messages.pofile import read_po, write_po

PO = "crm/translations/zh_Hans/LC_MESSAGES/messages.po"


def _singular(msgid):
    return msgid[0] if isinstance(msgid, (list, tuple)) else msgid


def _forms(string):
    return string if isinstance(string, (list, tuple)) else (string,)


def load():
    with open(PO, "rb") as handle:
        return read_po(handle, locale="zh_Hans")


def main(argv):
    catalog = load()
    if argv[0] == "list":
        missing = {_singular(m.id): "" for m in catalog if m.id and not all(_forms(m.string))}
        print(json.dumps(missing, ensure_ascii=False, indent=1))
        return
    with open(argv[1], encoding="utf-8") as handle:
        mapping = json.load(handle)
    for message in catalog:
        text = mapping.get(_singular(message.id)) if message.id else None
        if text:
            # Chinese has one plural form: the same text serves every count.
            message.string = (text,) if isinstance(message.id, (list, tuple)) else text
            message.flags.discard("fuzzy")
    with open(PO, "wb") as handle:
        write_po(handle, catalog, width=0, omit_header=False)


if __name__ == "__main__":
    main(sys.argv[1:])
