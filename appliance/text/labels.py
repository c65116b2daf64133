"""Labels the text reading gives better than the ImageNet classifier (a pure module).

ImageNet has no class for a screenshot, a page or a receipt: on them the classifier names
the paper or the screen ("envelope", "menu", "slide rule") or nothing at all.
The text reading knows better (:mod:`appliance.text.kinds`):

- a **screenshot** is labelled ``screenshot``; every classifier label on it goes, except
  the people its faces gave (what a screen shows is not a scene);
- a **document** is labelled ``document``, and ``receipt`` too when its words are a till's
  (a total beside a payment, tax or currency word, or the word receipt or invoice in one of
  several languages); the classifier's paper-and-screen labels on it go, the rest stay;
- a photo with a receipt's words that is not taken for a document (a short till slip) is
  labelled ``receipt`` too.

:func:`model_labels` merges both: the catalogue keeps its result as the photo's model
labels, whichever of the classifier or the text reading ran last.
"""

from __future__ import annotations

from collections.abc import Iterable

from appliance.records import Label
from appliance.text import kinds, words

PEOPLE = "people"  # the category of the classifier's and the faces' people labels

SCREENSHOT_LABEL = Label("screenshot", 0.9, ("text",))
DOCUMENT_LABEL = Label("document", 0.8, ("text",))
RECEIPT_LABEL = Label("receipt", 0.8, ("document", "text"))
TEXT_LABELS = frozenset(label.name for label in (SCREENSHOT_LABEL, DOCUMENT_LABEL, RECEIPT_LABEL))
# What the classifier calls a page, a till slip or a screen (label names of the rules file)
PAPER_AND_SCREEN = frozenset(
    {
        "menu", "envelope", "slide rule", "carton", "comic book", "crossword", "eraser",
        "window shade", "digital clock", "analog clock", "monitor",
        "crt monitor", "notebook computer", "laptop computer", "desktop computer",
        "hand-held computer", "automated teller machine", "modem", "scoreboard",
        "brass memorial plaque", "ring binder", "paper towel",
    }
)  # fmt: skip
# A till's words, folded (appliance.text.words.fold): a total, then what proves it is a till
_TOTAL = frozenset(
    {"total", "subtotal", "summe", "gesamt", "totale", "montant", "importe", "totaal", "totalt"}
)
_TILL = frozenset(
    {
        "vat", "tva", "mwst", "ust", "iva", "btw", "moms", "tax", "cash", "card", "paid",
        "change", "visa", "mastercard", "eur", "usd", "gbp", "chf", "bar", "especes",
        "carte", "karte", "efectivo", "tarjeta", "contanti", "bancomat", "pin",
    }
)  # fmt: skip
_RECEIPT = frozenset(
    {
        "receipt", "invoice", "facture", "rechnung", "quittung", "kassenbon",
        "kassenbeleg", "ricevuta", "scontrino", "recibo", "factura", "kvitto", "kvittering",
        "bonnetje", "kwitantie", "paragon", "чек",
    }
)  # fmt: skip


def is_receipt(text: str) -> bool:
    """Whether a reading is a till's: the word receipt or invoice (in several languages),
    or a total beside a payment, tax or currency word."""
    found = set(words.words(text))
    if found & _RECEIPT:
        return True
    return bool(found & _TOTAL) and bool(found & _TILL)


def text_labels(kind: str | None, text: str) -> list[Label]:
    """The labels a reading gives: screenshot, document, receipt (none for a photo whose
    text says nothing of its kind)."""
    if kind == kinds.SCREENSHOT:
        return [SCREENSHOT_LABEL]
    receipt = [RECEIPT_LABEL] if text and is_receipt(text) else []
    if kind == kinds.DOCUMENT:
        return receipt + [DOCUMENT_LABEL]
    return receipt


def superseded(kind: str | None, label: Label) -> bool:
    """Whether the reading makes a classifier label wrong: on a screenshot, every label but
    the people; on a document or receipt, the names of paper and screens."""
    if PEOPLE in label.categories:
        return False
    if kind == kinds.SCREENSHOT:
        return True
    return kind == kinds.DOCUMENT and label.name in PAPER_AND_SCREEN


def model_labels(classified: Iterable[Label], kind: str | None, text: str) -> list[Label]:
    """A photo's machine labels: the reading's first, then the classifier's it leaves."""
    from_text = text_labels(kind, text)
    receipt = any(label.name == RECEIPT_LABEL.name for label in from_text)
    kept = [
        label
        for label in classified
        if label.name not in TEXT_LABELS
        and not superseded(kinds.DOCUMENT if receipt and kind is None else kind, label)
    ]
    return from_text + kept
