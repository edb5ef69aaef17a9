from actions.sanitize import MAX_MESSAGE_CHARS, clean_text


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
