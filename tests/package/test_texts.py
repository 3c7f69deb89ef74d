"""The bodies the span checks look up, kept in a file, are the bodies given."""

from __future__ import annotations

import pytest

from etl.package.texts import Bodies

TEXTS = {
    "a": "Réunion à Bruxelles: l'ambassadeur.",
    "b": "",
    "c": "Diplomatieke contactdagen 2024 — 12 ambassades.\n" * 50,
    "d": "emoji 🇧🇪 and a lone surrogate \ud800 kept",
}


def test_bodies_in_a_file_are_the_bodies_given_whatever_the_order_asked() -> None:
    bodies = Bodies(TEXTS.items())
    assert len(bodies) == 4 and list(bodies) == ["a", "b", "c", "d"]
    for key in ["c", "a", "a", "d", "b", "c"]:
        assert bodies[key] == TEXTS[key]
    assert bodies.get("missing") is None and "missing" not in bodies and "a" in bodies
    assert dict(bodies) == TEXTS
    with pytest.raises(KeyError):
        bodies["missing"]
    bodies.close()


def test_bodies_hold_only_where_each_text_lies() -> None:
    bodies = Bodies((str(i), "x" * 10_000) for i in range(100))
    assert not hasattr(bodies, "texts") and bodies.last is None
    assert bodies["42"] == "x" * 10_000 and bodies.last == ("42", "x" * 10_000)
    assert bodies.where["42"] == (420_000, 10_000)
