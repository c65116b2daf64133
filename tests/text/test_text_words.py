"""Recognised text as search keys, and screenshots and documents told apart (pure code)."""

from __future__ import annotations

from appliance.search.query import parse_query
from appliance.text.kinds import DOCUMENT, SCREENSHOT, Facts, kind_of
from appliance.text.words import fold, keys, snippet, words


def test_folding_ignores_case_and_accents() -> None:
    assert fold("Café MÜLLER") == "cafe muller"
    assert words("WiFi password: Garden-Rose_42!") == ["wifi", "password", "garden", "rose", "42"]
    assert words("Straße") == ["strasse"]  # casefold, as the search box's word is folded


def test_every_part_of_four_letters_is_the_start_of_a_key() -> None:
    found = keys("password 42 tax")
    assert {"password", "assword", "sword", "word", "42", "tax"} <= found
    assert "ord" not in found and "ax" not in found  # shorter parts find too much
    for part in ("pass", "sswo", "word", "assword"):
        assert any(key.startswith(part) for key in found)


def test_words_of_unspaced_scripts_keep_every_ending() -> None:
    found = keys("東京駅")
    assert {"東京駅", "京駅", "駅"} <= found
    assert {"пароль"} <= keys("Пароль")  # Cyrillic folds like Latin


def test_the_snippet_is_the_line_that_says_the_word() -> None:
    text = "GARAGE MARTIN\nOil change 49.90\nTotal 61.20 EUR"
    assert snippet(text, "total") == "Total 61.20 EUR"
    assert snippet(text, "garage") == "GARAGE MARTIN"
    assert snippet(text, "boarding") is None
    long = "x" * 100 + " wifi " + "y" * 100
    cut = snippet(long, "WiFi")
    assert cut and cut.startswith("…") and cut.endswith("…") and "wifi" in cut


def facts(**given: object) -> Facts:
    base = dict(names=(), camera=None, mime="image/jpeg", width=4000, height=3000, words=0)
    return Facts(**{**base, "text_area": 0.0, **given})  # type: ignore[arg-type]


def test_screenshots_are_named_so_or_screen_shaped_without_a_camera() -> None:
    assert kind_of(facts(names=("Screenshot_20240512-101112.png",))) == SCREENSHOT
    assert kind_of(facts(names=("/media/phone/DCIM/Screenshots/IMG_1.jpg",))) == SCREENSHOT
    assert kind_of(facts(names=("Bildschirmfoto 2024-05-12 um 10.11.12.png",))) == SCREENSHOT
    phone = facts(width=1080, height=2340, words=12)
    assert kind_of(phone) == SCREENSHOT
    assert kind_of(facts(width=1080, height=2340, words=12, camera="Google Pixel 7")) is None
    assert kind_of(facts(mime="image/png", width=800, height=800, words=5)) == SCREENSHOT
    assert kind_of(facts(width=1080, height=2340, words=0)) is None  # a picture, no text


def test_documents_say_enough_words_over_enough_of_the_picture() -> None:
    receipt = facts(camera="Apple iPhone 12", words=45, text_area=0.18)
    assert kind_of(receipt) == DOCUMENT
    sign = facts(camera="Apple iPhone 12", words=6, text_area=0.04)
    assert kind_of(sign) is None
    tshirt = facts(camera="Canon EOS 80D", words=3, text_area=0.10)
    assert kind_of(tshirt) is None


def test_text_and_screenshot_words_in_the_query_language() -> None:
    (term,) = parse_query('text:"wifi password"').terms
    assert (term.kind, term.value) == ("text", "wifi password")
    (term,) = parse_query("type:screenshot").terms
    assert (term.kind, term.value) == ("type", "screenshot")
    (term,) = parse_query("receipts").terms  # the kind, or the word in a picture
    assert term.kind == "or"
    assert [(t.kind, t.value) for t in term.value] == [("type", "document"), ("word", "receipts")]
