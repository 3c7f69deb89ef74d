"""The field set: articles written independently of the extractor, kept here byte for byte.

`tests/field-set/` is a copy of the team's shared field set (`shared/field-set/`), unchanged;
`tests/field-set.sha256` lists the sha256 of each of its files as they were copied. Never edit the
copy: a label believed wrong is reported, not corrected."""

from __future__ import annotations

import hashlib
from pathlib import Path

FIELD_SET = Path(__file__).parent.parent / "field-set"
MANIFEST = Path(__file__).parent.parent / "field-set.sha256"


def test_field_set_is_the_shared_copy_byte_for_byte() -> None:
    listed = dict(reversed(line.split("  ", 1)) for line in MANIFEST.read_text(encoding="utf-8").splitlines())
    present = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in FIELD_SET.iterdir()}
    assert present == {name: digest for name, digest in listed.items()}
    assert len(present) == 38
