"""What a programme template is made of: the document it follows, and each rule with its clause."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cited:
    """A rule's value and where it comes from: {"doc", "title", "clause", "quote"}."""

    value: object
    source: dict


@dataclass(frozen=True)
class Document:
    code: str  # the seed's number: "001"
    title: str  # its number and title as issued

    def cite(self, value, clause: str, quote: str) -> Cited:
        return Cited(value, {"doc": self.code, "title": self.title, "clause": clause, "quote": quote})


@dataclass(frozen=True)
class Template:
    """One programme: its rules under dotted keys ("tier_caps.survival"), its quotas and products, each cited.

    Rules the document does not give are left out: the drive shows them as defaults, not as the programme's;
    but a programme without 双百工程's coverage rule has no coverage rule at all.
    """

    key: str
    label: str
    document: Document
    rules: dict[str, Cited] = field(default_factory=dict)
    quotas: tuple[Cited, ...] = ()  # values are crm.campaigns.rules.Quota
    products: tuple[Cited, ...] = ()  # values are product names in crm.products.catalogue
    settings: dict[str, object] = field(default_factory=dict)  # not the document's: shown as defaults
