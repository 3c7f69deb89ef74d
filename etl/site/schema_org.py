"""The schema.org Dataset of a release for the landing page, and its JSON-LD script element.

It carries what Google's Dataset structured data asks for (name, description) and recommends
(url, identifier, alternateName, keywords, license, isAccessibleForFree, creator with its url,
distribution with encodingFormat and contentUrl, temporalCoverage, spatialCoverage,
includedInDataCatalog, variableMeasured, citation), from the same metadata as the DCAT-AP records."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from etl.site.facts import (
    Distribution,
    Publication,
    ReleaseFacts,
    all_keywords,
    database_name,
    distribution_text,
    keywords,
    one_line,
    publisher_name,
    temporal_coverage,
)
from etl.site.metadata import SOURCE, SOURCE_URL
from etl.specs import DEFAULT_LANGUAGE, LANGUAGES, PackageSpec, ResourceSpec, translations


def data_download(name: str, dist: Distribution, facts: ReleaseFacts) -> dict[str, Any]:
    """A schema.org DataDownload of a distribution."""
    return {
        "@type": "DataDownload",
        "name": name,
        "contentUrl": facts.url(dist.path),
        "encodingFormat": dist.media_type,
        "contentSize": f"{dist.byte_size} B",
        "sha256": dist.sha256,
    }


def other_names(titles: dict[str, str]) -> list[str]:
    """A title in the languages other than English (schema.org alternateName)."""
    return [titles[lang] for lang in LANGUAGES if lang != DEFAULT_LANGUAGE and lang in titles]


def spatial_coverage(project: dict[str, Any]) -> list[dict[str, str]]:
    """The places the data are about (project.yml's catalogue spatial), as schema.org Places,
    each the same as its EU authority IRI."""
    places = []
    for place in (project.get("catalogue") or {}).get("spatial") or []:
        entry = {
            "@type": str(place.get("type") or "Place"),
            "name": str(place["name"]),
            "sameAs": place["iri"],
        }
        if place.get("identifier"):
            entry["identifier"] = str(place["identifier"])
        places.append(entry)
    return places


def citation(publication: Publication) -> dict[str, Any]:
    """A publication cited for curated facts, as a schema.org CreativeWork."""
    work: dict[str, Any] = {"@type": "CreativeWork", "name": publication.title or publication.id}
    if publication.url:
        work["url"] = publication.url
    if publication.publisher:
        work["publisher"] = {"@type": "Organization", "name": publication.publisher}
    if publication.language:
        work["inLanguage"] = publication.language
    if publication.published:
        work["datePublished"] = publication.published
    return work


def citations(publications: Iterable[Publication]) -> list[dict[str, Any]]:
    """Each publication once, by its identifier, as CreativeWorks."""
    unique = {p.id: p for p in publications}
    return [citation(unique[key]) for key in sorted(unique)]


def variables(resources: Iterable[ResourceSpec]) -> list[dict[str, Any]]:
    """Every field of the resources (a resource several packages carry once), as a schema.org
    PropertyValue named `resource.field`, with its description and, where the field counts
    something (its `unit` in etl/schemas/), the unit."""
    found: dict[str, dict[str, Any]] = {}
    for resource in resources:
        for field in resource.schema["fields"]:
            name = f"{resource.name}.{field['name']}"
            value: dict[str, Any] = {
                "@type": "PropertyValue",
                "name": name,
                "alternateName": field["title"],
                "description": one_line(field["description"]),
            }
            if field.get("unit"):
                value["unitText"] = field["unit"]
            found.setdefault(name, value)
    return list(found.values())


def every_keyword(packages: Iterable[PackageSpec], project: dict[str, Any]) -> list[str]:
    """The packages' keywords in every language, once each, English first."""
    packages = tuple(packages)
    return list(dict.fromkeys(k for lang in LANGUAGES for k in all_keywords(packages, project, lang)))


def schema_org_dataset(
    packages: Iterable[PackageSpec], project: dict[str, Any], facts: ReleaseFacts
) -> dict[str, Any]:
    """One schema.org Dataset for the whole data, with a part per package, for the landing page."""
    packages = tuple(packages)
    base = facts.base_url
    settings = project.get("catalogue") or {}
    organisation: dict[str, Any] = {
        "@type": "Organization",
        "name": publisher_name(project),
        "url": f"{base}/",
    }
    if settings.get("contact_email"):
        organisation["email"] = settings["contact_email"]
    source_publisher = project["publisher"]
    license_url = project["licenses"][0]["path"]
    common: dict[str, Any] = {
        "license": license_url,
        "creator": organisation,
        "publisher": organisation,
        "inLanguage": list(facts.languages),
        "isAccessibleForFree": True,
        "version": facts.version,
        "dateModified": facts.build_date,
        "isBasedOn": {
            "@type": "CreativeWork",
            "@id": SOURCE_URL,
            "name": SOURCE,
            "url": SOURCE_URL,
            "publisher": {
                "@type": "GovernmentOrganization",
                "name": source_publisher["title"],
                "url": source_publisher["path"],
            },
        },
        "spatialCoverage": spatial_coverage(project),
        "includedInDataCatalog": {
            "@type": "DataCatalog",
            "@id": f"{base}/#catalog",
            "name": project["title"],
            "url": f"{base}/",
        },
    }
    coverage = temporal_coverage(facts)
    if coverage is not None:
        common["temporalCoverage"] = coverage
    downloads = []
    parts = []
    for package in packages:
        files = facts.distributions[package.name]
        zip_file = next(d for d in files if d.suffix == ".zip")
        downloads.append(data_download(distribution_text(package, project, zip_file)[0], zip_file, facts))
        cited = citations(facts.publications.get(package.name, ()))
        parts.append(
            {
                "@type": "Dataset",
                "@id": f"{base}/#dataset-{package.name}",
                "identifier": package.name,
                "name": package.title,
                "alternateName": other_names(package.titles),
                "description": one_line(package.description),
                "url": f"{base}/",
                "keywords": list(
                    dict.fromkeys(k for lang in LANGUAGES for k in keywords(package, project, lang))
                ),
                **common,
                # The fields by name; the whole Dataset describes each.
                "variableMeasured": [v["name"] for v in variables(package.resources)],
                **({"citation": cited} if cited else {}),
                "distribution": [
                    data_download(distribution_text(package, project, d)[0], d, facts) for d in files
                ],
            }
        )
    name = distribution_text(None, project, facts.database)[0]
    downloads.append(data_download(name, facts.database, facts))
    whole = database_name(project)
    cited = citations(p for package in packages for p in facts.publications.get(package.name, ()))
    return {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": f"{base}/#dataset-{whole}",
        "identifier": whole,
        "name": project["title"],
        "alternateName": other_names(translations(project, "title")),
        "description": one_line(project["description"]),
        "url": f"{base}/",
        "keywords": every_keyword(packages, project),
        **common,
        "variableMeasured": variables(r for package in packages for r in package.resources),
        **({"citation": cited} if cited else {}),
        "distribution": downloads,
        "hasPart": parts,
    }


def schema_org_script(obj: dict[str, Any]) -> str:
    """A `<script type="application/ld+json">` element of a JSON-LD object, safe inside HTML.

    `<`, `>` and `&` only occur inside JSON strings, where their \\u escapes mean the same, so no
    value can close the element (`</script>`) or open a comment (`<!--`)."""
    body = json.dumps(obj, ensure_ascii=False, indent=2)
    body = body.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return f'<script type="application/ld+json">\n{body}\n</script>'
