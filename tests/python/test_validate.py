"""pmm.validate runs pmm-validate's checks and returns the check table; pmm.checks lists them."""
import pytest

import pmm


def test_checks_listed():
    names = [name for name, _ in pmm.checks()]
    assert "consistency.normal" in names and "errata.eq32" in names


def test_validate_quick_selected_checks_pass():
    table = pmm.validate(quick=True, checks=["consistency.normal", "errata.eq32"], threads=2)
    rows = table.to_dict("records") if hasattr(table, "to_dict") else table
    assert [r["name"] for r in rows] == ["consistency.normal", "errata.eq32"]
    for r in rows:
        assert r["pass"] is True or r["pass"] == True  # noqa: E712 (numpy bool in a DataFrame)
        assert r["error"] == "" and isinstance(r["details"], dict)


def test_validate_unknown_check_names_the_argument():
    with pytest.raises(ValueError, match="checks"):
        pmm.validate(checks="no.such.check")
