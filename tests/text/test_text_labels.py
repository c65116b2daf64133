"""Labels from the text reading (appliance.text.labels): receipts in several languages,
what a screenshot or a document does to the classifier's labels."""

from __future__ import annotations

import pytest

from appliance.records import Label
from appliance.text import labels
from appliance.text.kinds import DOCUMENT, SCREENSHOT

PERSON = Label("person", 1.0, ("people",))
DOG = Label("dog", 0.7, ("animal", "pet"))
MENU = Label("menu", 0.46, ("text",))


@pytest.mark.parametrize(
    "text",
    [
        "CORNER BAKERY Sourdough loaf 4.20 Subtotal 16.40 VAT 0.90 TOTAL 17.30 Cash",
        "Boulangerie Dupont  TOTAL 12,40 EUR  TVA 5,5 %  Payé par carte",
        "Bäckerei Müller Summe 8,90 MwSt 7% Karte",
        "PHARMACY CENTRAL Sunscreen 12.90 TOTAL 25 Keep your receipt",
        "Rechnung Nr. 2024-17",
        "SUPERMERCATO scontrino fiscale",
    ],
)
def test_a_tills_words_make_a_receipt(text: str) -> None:
    assert labels.is_receipt(text)


@pytest.mark.parametrize(
    "text",
    [
        "Total eclipse of the heart",  # a total without a till
        "Please bring your insurance card",  # a card without a total
        "BOARDING PASS Gate B22 Seat 14C",
        "",
    ],
)
def test_other_words_do_not(text: str) -> None:
    assert not labels.is_receipt(text)


def test_a_screenshot_keeps_only_its_people() -> None:
    got = labels.model_labels([PERSON, DOG, MENU], SCREENSHOT, "Wi-Fi password Rosebud")
    assert [label.name for label in got] == ["screenshot", "person"]


def test_a_document_loses_the_names_of_paper_and_keeps_the_rest() -> None:
    got = labels.model_labels([MENU, DOG], DOCUMENT, "TOTAL 17.30 VAT 0.90 cash")
    assert [label.name for label in got] == ["receipt", "document", "dog"]
    letter = labels.model_labels([MENU], DOCUMENT, "Dear Mr Brown, your appointment")
    assert [label.name for label in letter] == ["document"]


def test_a_short_till_slip_is_a_receipt_without_being_a_document() -> None:
    got = labels.model_labels([MENU, DOG], None, "TOTAL 4.20 cash")
    assert [label.name for label in got] == ["receipt", "dog"]


def test_a_photo_whose_text_says_nothing_keeps_the_classifier_labels() -> None:
    assert labels.model_labels([DOG, MENU], None, "Do not feed the birds") == [DOG, MENU]
    assert labels.model_labels([DOG], None, "") == [DOG]


def test_labels_of_an_earlier_reading_go_when_the_reading_changes() -> None:
    earlier = labels.model_labels([DOG], SCREENSHOT, "Mum: dinner at seven")
    assert [label.name for label in earlier] == ["screenshot"]
    again = labels.model_labels([labels.SCREENSHOT_LABEL, DOG], None, "")
    assert again == [DOG]
