from actions.understanding.sanitize import MAX_MESSAGE_CHARS, clean_text


def test_markup_and_control_characters_are_removed() -> None:
    assert clean_text("<script>alert(1)</script> what is <b>mastocytosis</b>?\x00\x07") == (
        "alert(1) what is mastocytosis ?"
    )


def test_unicode_is_normalised_and_spaces_collapsed() -> None:
    assert clean_text("ｍａｓｔ  cells\u200b\n\n  ") == "mast cells"
    assert clean_text("what are symptoms 😀") == "what are symptoms 😀"


def test_empty_and_huge_messages() -> None:
    assert clean_text("   \n\t ") == ""
    assert clean_text(None) == ""  # type: ignore[arg-type]
    assert len(clean_text("masts" * 10_000)) == MAX_MESSAGE_CHARS
    assert not clean_text("mast " * 10_000).endswith(" ")  # no space left by the cut


def test_numbers_and_signs_that_look_like_brackets_survive() -> None:
    # Issue 16: the cleaner deleted "<20 ok if it was >" as if it were a tag.
    assert clean_text("is tryptase <20 ok if it was >11 last year?") == (
        "is tryptase <20 ok if it was >11 last year?"
    )
    assert clean_text("thank you <3") == "thank you <3"
    assert clean_text("a < b and c > d") == "a < b and c > d"
    assert clean_text("<!-- hidden --><i>tryptase</i> <br/>") == "tryptase"
