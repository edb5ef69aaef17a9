from actions.understanding.context import latest_subject


def test_latest_subject_is_the_last_form_gene_or_drug_slot_set() -> None:
    events = [
        {"event": "slot", "name": "form", "value": "indolent systemic mastocytosis"},
        {"event": "slot", "name": "topic", "value": "treatment"},
        {"event": "slot", "name": "gene", "value": "KIT D816V"},
        {"event": "slot", "name": "pending_question", "value": None},
    ]
    slots = {"form": "indolent systemic mastocytosis", "gene": "KIT D816V", "topic": "treatment"}
    assert latest_subject(events, slots) == "KIT D816V"
    assert latest_subject(events[:2], slots) == "indolent systemic mastocytosis"
    assert latest_subject([], slots) is None
