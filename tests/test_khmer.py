"""Khmer normalisation for names, phones and search: pure functions, no app.

Strings are built from code points where the order of the marks is the point of the
test, because an editor shows both orders the same.
"""

import pytest

from curriculum.khmer import (
    INVISIBLE,
    name_key,
    normalize_khmer,
    phone_key,
    strip_invisible,
)

SO = "\u179f"  # ស
KA = "\u1780"  # ក
BA = "\u1794"  # ប
TA = "\u178f"  # ត
RO = "\u179a"  # រ
COENG = "\u17d2"
VOWEL_II = "\u17b8"  # ី
VOWEL_AA = "\u17b6"  # ា
VOWEL_U = "\u17bb"  # ុ
VOWEL_E = "\u17c1"  # េ
MUUSIKATOAN = "\u17c9"  # ៉
NIKAHIT = "\u17c6"  # ំ
REAHMUK = "\u17c7"  # ះ

SREI = SO + COENG + RO + VOWEL_II  # ស្រី, woman


def test_strip_invisible_removes_every_zero_width_character():
    text = "ក" + "ខ".join(INVISIBLE) + "គ"
    assert strip_invisible(text) == "ក" + "ខ" * (len(INVISIBLE) - 1) + "គ"
    assert strip_invisible("\u00adសុខ\ufeff") == "សុខ"


def test_vowel_typed_before_subscript_is_moved_after_it():
    typed = SO + VOWEL_II + COENG + RO
    assert typed != SREI
    assert normalize_khmer(typed) == SREI


def test_register_shifter_typed_after_vowel_is_moved_before_it():
    canonical = BA + MUUSIKATOAN + VOWEL_II
    assert normalize_khmer(BA + VOWEL_II + MUUSIKATOAN) == canonical


def test_signs_follow_the_vowel_and_final_signs_come_last():
    canonical = KA + VOWEL_U + NIKAHIT + REAHMUK
    assert normalize_khmer(KA + REAHMUK + NIKAHIT + VOWEL_U) == canonical


def test_order_of_subscripts_is_kept_as_typed():
    one = KA + COENG + TA + COENG + RO
    other = KA + COENG + RO + COENG + TA
    assert normalize_khmer(one) == one
    assert normalize_khmer(other) == other


def test_zero_width_characters_inside_a_name_are_removed():
    assert normalize_khmer("សុ\u200bខ\u200c") == "សុខ"
    assert normalize_khmer("\ufeffសុខ\u2060ចន្ថា") == "សុខចន្ថា"


@pytest.mark.parametrize(
    ("parts", "whole"),
    [(VOWEL_E + VOWEL_II, "\u17be"), (VOWEL_E + VOWEL_AA, "\u17c4")],
)
def test_two_part_vowel_typed_as_its_parts_becomes_one_character(parts, whole):
    assert normalize_khmer(KA + parts + TA) == KA + whole + TA


def test_split_vowel_typed_around_a_subscript_is_joined():
    typed = KA + VOWEL_E + COENG + RO + VOWEL_AA
    assert normalize_khmer(typed) == KA + COENG + RO + "\u17c4"


def test_mark_typed_twice_is_kept_once():
    assert normalize_khmer(KA + VOWEL_U + VOWEL_U) == KA + VOWEL_U
    assert normalize_khmer(KA + NIKAHIT + VOWEL_AA + NIKAHIT) == KA + VOWEL_AA + NIKAHIT


def test_whitespace_is_collapsed_and_trimmed():
    assert normalize_khmer("  សុខ \t\u00a0 ចន្ថា \n") == "សុខ ចន្ថា"


def test_latin_text_is_composed():
    assert normalize_khmer("Ba\u0302nte\u0301ay") == "B\u00e2nt\u00e9ay"


def test_name_key_ignores_spaces_zero_width_and_punctuation():
    keys = {
        name_key("សុខ ចន្ថា"),
        name_key("សុខចន្ថា"),
        name_key("សុខ\u200bចន្ថា"),
        name_key(" សុខ  ចន្ថា។ "),
    }
    assert keys == {"សុខចន្ថា"}


@pytest.mark.parametrize("typed", ["Sok Chantha", "sok  CHANTHA", "SOK-chantha."])
def test_name_key_ignores_latin_case_spaces_and_punctuation(typed):
    assert name_key(typed) == "sokchantha"


def test_name_key_matches_names_typed_in_different_orders():
    assert name_key(SO + VOWEL_II + COENG + RO + " សុខ") == name_key(SREI + "សុខ")


DA = "\u178a"  # ដ
NO = "\u1793"  # ន
TO = "\u1791"  # ទ
CHO = "\u1785"  # ច


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("សាន" + COENG + DA, "សាន" + COENG + TA),  # សាន្ដ / សាន្ត
        ("កណ" + COENG + DA + "ាល", "កណ" + COENG + TA + "ាល"),  # កណ្ដាល / កណ្តាល
    ],
)
def test_name_key_matches_subscript_da_and_ta_written_for_one_sound(one, other):
    assert one != other
    assert normalize_khmer(one) == one  # stored as typed
    assert name_key(one) == name_key(other)


def test_name_key_matches_subscript_ro_typed_before_or_after_the_other():
    ro_first = CHO + NO + COENG + RO + COENG + TO + VOWEL_AA  # ចន្រ្ទា
    ro_last = CHO + NO + COENG + TO + COENG + RO + VOWEL_AA  # ចន្ទ្រា
    assert normalize_khmer(ro_first) == ro_first  # stored as typed
    assert name_key(ro_first) == name_key(ro_last)
    assert name_key("សុខ " + ro_first) == name_key("សុខ" + ro_last)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("សុខា", "សុខ"),
        ("ចន្ថា", "ចាន់ថា"),
        ("សុខ", "សួស"),
        ("Sok", "Sokh"),
        (KA + COENG + TA + COENG + BA, KA + COENG + BA + COENG + TA),
        ("ដារា", "តារា"),
    ],
)
def test_distinct_names_keep_distinct_keys(one, other):
    assert name_key(one) != name_key(other)


@pytest.mark.parametrize(
    "typed",
    [
        "+855 12 345 678",
        "+855 (0)12 345 678",
        "00855 12 345 678",
        "012 345 678",
        "012-345-678",
        "០១២ ៣៤៥ ៦៧៨",
        "+៨៥៥ ១២ ៣៤៥ ៦៧៨",
    ],
)
def test_phone_key_gives_the_national_number(typed):
    assert phone_key(typed) == "012345678"


def test_phone_key_keeps_numbers_that_do_not_start_with_the_country_code():
    assert phone_key("097 765 4321") == "0977654321"
    assert phone_key("") == ""


MESSY = [
    SO + VOWEL_II + COENG + RO,
    BA + VOWEL_II + MUUSIKATOAN + " " + KA + REAHMUK + NIKAHIT + VOWEL_U,
    KA + VOWEL_E + VOWEL_II + VOWEL_E + VOWEL_AA + TA,
    KA + VOWEL_U + VOWEL_U + "\u200b  \t" + "\u17b6" + COENG,
    COENG + RO + VOWEL_II + "\u17dd" + COENG,
    "  Sok\u00ad  Chantha  សុខ\u200dចន្ថា ",
]


@pytest.mark.parametrize("text", MESSY)
def test_normalising_twice_changes_nothing_more(text):
    once = normalize_khmer(text)
    assert normalize_khmer(once) == once
    assert name_key(once) == name_key(text)
