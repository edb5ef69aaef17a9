"""scripts/scale_test.py's verdict where PostgreSQL or Redis cannot be installed."""

from scripts.scale_test import skip_or_fail


def test_a_skip_fails_in_ci_and_is_said_plainly_elsewhere(capsys) -> None:
    assert skip_or_fail("no apt-get", in_ci=True) == 2
    assert "FAILED" in capsys.readouterr().out
    assert skip_or_fail("no apt-get", in_ci=False) == 0
    assert "SKIPPED" in capsys.readouterr().out
