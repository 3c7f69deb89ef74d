"""What vl-convert drew is kept by what it was given: a chart or map whose spec did not change is
not drawn again, with the same bytes, and what a build no longer uses is deleted."""

from __future__ import annotations

from pathlib import Path

import pytest
import vl_convert

from etl.site.charts import Drawings, render_png, render_svg

SPEC = {
    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
    "data": {"values": [{"year": "2024", "posts": 120}, {"year": "2025", "posts": 124}]},
    "mark": "bar",
    "encoding": {"x": {"field": "year", "type": "ordinal"}, "y": {"field": "posts", "type": "quantitative"}},
}


def test_a_drawing_is_kept_and_taken_again_with_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = Drawings(tmp_path)
    svg = render_svg(SPEC, "fr", first)
    png = render_png(svg, first)
    assert svg == render_svg(SPEC, "fr") and png == render_png(svg)  # the same as drawn without keeping
    assert len(list(tmp_path.iterdir())) == 2

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("drawn again")

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", refuse)
    monkeypatch.setattr(vl_convert, "svg_to_png", refuse)
    again = Drawings(tmp_path)
    assert render_svg(SPEC, "fr", again) == svg and render_png(svg, again) == png
    # another spec, or another language's formats, is another drawing
    with pytest.raises(AssertionError, match="drawn again"):
        render_svg(SPEC, "nl", again)
    with pytest.raises(AssertionError, match="drawn again"):
        render_svg({**SPEC, "mark": "line"}, "fr", again)


def test_what_a_build_did_not_use_is_pruned(tmp_path: Path) -> None:
    before = Drawings(tmp_path)
    render_svg(SPEC, "en", before)
    render_svg({**SPEC, "mark": "line"}, "en", before)
    after = Drawings(tmp_path)
    kept = render_svg(SPEC, "en", after)
    after.prune()
    assert len(list(tmp_path.iterdir())) == 1
    assert render_svg(SPEC, "en", Drawings(tmp_path)) == kept


def test_drawings_not_reused_are_drawn_again_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[str] = []
    original = vl_convert.vegalite_to_svg

    def counting(*args: object, **kwargs: object) -> str:
        drawn.append("svg")
        return str(original(*args, **kwargs))

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", counting)
    svg = render_svg(SPEC, "en", Drawings(tmp_path))
    assert render_svg(SPEC, "en", Drawings(tmp_path, reuse=False)) == svg and len(drawn) == 2  # a full build
    assert render_svg(SPEC, "en", Drawings(tmp_path)) == svg and len(drawn) == 2  # kept for the next
