"""Belgium's posts abroad as places: the list checked, placed with the offline gazetteer, its
coverage of the FPS counts; each rule fails on a deliberately bad row."""

from __future__ import annotations

import csv
import shutil
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

import pycountry
import pytest
import yaml

from etl.curate.coverage import coverage, link_posts, named_at
from etl.curate.gazetteer import country_names, fold, gazetteer, place
from etl.curate.posts import POSTS_DIR, CuratedError, check_posts, curated_posts, dated, post_rows, read_posts
from etl.layout import DATAPACKAGES, ROOT
from etl.reference import load_reference

NETWORK = ROOT / DATAPACKAGES / "diplomacy-network" / "data"
TYPES = {t["code"]: t["typology"] for t in load_reference().post_types}


def rows(resource: str) -> list[dict[str, str]]:
    with (NETWORK / f"{resource}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def copied(tmp_path: Path, change: Any) -> Path:
    """A copy of reference/posts/ with posts.yml changed by change(data)."""
    folder = tmp_path / "posts"
    shutil.copytree(POSTS_DIR, folder)
    data = yaml.safe_load((folder / "posts.yml").read_text(encoding="utf-8"))
    change(data)
    (folder / "posts.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def test_read_posts_follows_its_json_schema() -> None:
    found = read_posts()
    assert len(found["posts"]) == 125
    assert len(found["sources"]) == 105


def test_read_posts_rejects_a_row_against_the_schema(tmp_path: Path) -> None:
    folder = copied(tmp_path, lambda d: d["posts"][0].update(status="half-open"))
    with pytest.raises(CuratedError, match=r"posts\.yml: entry posts/0/status"):
        read_posts(folder)


def test_check_posts_every_source_resolves() -> None:
    found = read_posts()
    listed = {s["id"] for s in found["sources"]}
    for post in found["posts"]:
        cited = [s["source"] for s in post["sources"]] + [
            post[k]["source"] for k in ("opened", "closed") if k in post
        ]
        assert set(cited) <= listed, post["id"]
    check_posts(found, TYPES)


def test_check_posts_rejects_an_unlisted_source(tmp_path: Path) -> None:
    folder = copied(tmp_path, lambda d: d["posts"][3]["sources"][0].update(source="nowhere-2025"))
    with pytest.raises(CuratedError, match=r"'nowhere-2025' is not in sources\.yml"):
        check_posts(read_posts(folder), TYPES, folder)


def test_check_posts_country_codes_are_iso_3166_1() -> None:
    codes = {p["country_code"] for p in read_posts()["posts"]}
    assert {c for c in codes if pycountry.countries.get(alpha_2=c) is None} == {"XK"}


def test_check_posts_rejects_a_code_not_in_iso_3166_1(tmp_path: Path) -> None:
    folder = copied(tmp_path, lambda d: d["posts"][0].update(country_code="QQ"))
    with pytest.raises(CuratedError, match=r"'QQ' is not an ISO 3166-1 alpha-2 code"):
        check_posts(read_posts(folder), TYPES, folder)


def test_check_posts_rejects_two_open_rows_of_a_post(tmp_path: Path) -> None:
    folder = copied(tmp_path, lambda d: d["posts"].append(dict(d["posts"][0])))
    with pytest.raises(CuratedError, match=r"dz-algiers-embassy: a second row open at the same dates"):
        check_posts(read_posts(folder), TYPES, folder)


def test_check_posts_no_post_has_two_open_rows_at_one_date() -> None:
    posts = curated_posts(load_reference().post_types)["posts"]
    opened: dict[str, int] = defaultdict(int)
    for post in posts:
        opened[post["id"]] += 1
    assert max(opened.values()) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-02-01", ("2018-02-01", None)),
        ("2026/2027 (planned)", ("2026/2027", "planned")),
        ("2013 (announced)", ("2013", "announced")),
        (
            "n.d. (undated Wikipedia copy, c. 2024-2025)",
            (None, "n.d. (undated Wikipedia copy, c. 2024-2025)"),
        ),
        ("postponed (announced 2025-11)", (None, "postponed (announced 2025-11)")),
        ("2021-13", (None, "2021-13")),
    ],
)
def test_dated_reads_a_date_at_its_precision(text: str, expected: tuple[str | None, str | None]) -> None:
    assert dated(text) == expected


def test_place_prefers_the_city_of_that_own_name() -> None:
    entry = place("New Delhi", "IN", gazetteer())
    assert entry is not None and entry["name"] == "New Delhi"


def test_place_leaves_an_unknown_city_unplaced() -> None:
    assert place("Atlantis", "BE", gazetteer()) is None
    assert place("Rome", "VA", gazetteer()) is None


def test_post_rows_warn_for_a_city_the_gazetteer_cannot_place() -> None:
    found = read_posts()
    found = {**found, "posts": [{**found["posts"][0], "city": "Atlantis"}], "places": []}
    made = post_rows(found, gazetteer())
    assert made["posts"][0]["latitude"] is None and made["posts"][0]["geonameid"] is None
    assert "no Atlantis in DZ" in made["warnings"][0]["message"]


def test_curated_posts_places_every_post_with_its_gazetteer_id() -> None:
    posts = {p["id"]: p for p in rows("posts")}
    assert len(posts) == 125
    assert all(p["latitude"] and p["longitude"] and p["geonameid"] for p in posts.values())
    assert posts["us-washington-d-c-embassy"]["geonameid"] == "4140963"
    assert posts["va-rome-embassy-holy-see"]["geonameid"] == posts["it-rome-embassy"]["geonameid"]


def test_country_names_come_in_three_languages() -> None:
    assert country_names("BE") == ("Belgium", "België", "Belgique")
    posts = rows("posts")
    assert all(p["country_name_en"] and p["country_name_nl"] and p["country_name_fr"] for p in posts)


def test_post_sources_keep_every_source_of_every_post() -> None:
    links = rows("post_sources")
    posts = {p["id"]: int(p["source_count"]) for p in rows("posts")}
    assert len(links) == sum(posts.values()) == 204
    sources = {s["id"] for s in rows("sources")}
    assert {link["source"] for link in links} <= sources
    guinea = {link["source"]: link["supports"] for link in links if link["post"] == "gn-conakry-embassy"}
    assert len(guinea) > 1


def test_named_at_counts_a_post_closed_after_the_date() -> None:
    kigali = {"status": "closed", "opened": None, "closed": "2025-03-17"}
    assert named_at(kigali, "2025-02-01", "2025-02-28")
    assert not named_at(kigali, "2025-04-01", "2025-04-30")
    reopened = {"status": "open", "opened": "2020-01-13", "closed": "2018-02-06"}
    assert named_at(reopened, "2025-02-01", "2025-02-28")
    assert not named_at({"status": "planned", "opened": None, "closed": None}, "2025-02-01", "2025-02-28")


def test_coverage_sums_equal_the_stated_totals() -> None:
    found = rows("network_coverage")
    totals = {
        (t["source"], t["as_of"]): int(t["total"])
        for t in rows("post_totals")
        if t["typology"] == "fps" and t["total_kind"] == "stated"
    }
    by_count: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in found:
        assert int(row["named"]) + int(row["unaccounted"]) == int(row["stated"])
        by_count[(row["source"], row["as_of"])].append(row)
    for key, parts in by_count.items():
        if key in totals:
            assert sum(int(r["stated"]) for r in parts) == totals[key]


def test_coverage_names_99_of_the_115_posts_of_february_2025() -> None:
    feb = [r for r in rows("network_coverage") if r["as_of"] == "2025-02"]
    assert sum(int(r["stated"]) for r in feb) == 115
    assert sum(int(r["named"]) for r in feb) == 99
    assert {r["post_type"]: int(r["unaccounted"]) for r in feb}["consulate"] == 3


def test_coverage_of_no_count_is_empty() -> None:
    assert coverage([], []) == []


def test_link_posts_ties_each_change_to_its_post() -> None:
    changes = rows("network_changes")
    assert all(c["post"] for c in changes)
    assert {c["post"] for c in changes if c["city"] == "Addis Ababa"} == {
        "et-addis-ababa-permanent-representation-au"
    }


def test_link_posts_leaves_an_ambiguous_change_unlinked() -> None:
    posts = [
        {"id": "a", "city": "Brussels", "country": "BE", "post_type": "permanent_representation"},
        {"id": "b", "city": "Brussels", "country": "BE", "post_type": "permanent_representation"},
    ]
    change = {"city": "Brussels", "country": "BE", "post_type": None}
    assert link_posts([change], posts)[0]["post"] is None


def test_fold_reads_plain_names_as_the_full_folding_does() -> None:
    def folded(name: str) -> str:  # the whole folding, without the plain-letters shortcut
        decomposed = unicodedata.normalize("NFKD", name.casefold())
        return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())

    names = [n for c in gazetteer().cities["BE"] for n in [c["name"], *c.get("alternatenames", [])]]
    names += ["  New   York ", "SÃO PAULO", "Liège", "Straße", "İstanbul", "ǅemal"]
    assert [fold(n) for n in names] == [folded(n) for n in names]
    assert fold("  New   York ") == "new york" and fold("Liège") == "liege" and fold("Straße") == "strasse"
