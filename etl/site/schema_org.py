"""The schema.org Dataset of a release for the landing page, and its JSON-LD script element."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from etl.site.facts import (
    Distribution,
    ReleaseFacts,
    all_keywords,
    database_name,
    distribution_text,
    keywords,
    one_line,
    publisher_name,
    temporal_coverage,
)
from etl.site.metadata import SOURCE_URL
from etl.specs import PackageSpec


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


def schema_org_dataset(
    packages: Iterable[PackageSpec], project: dict[str, Any], facts: ReleaseFacts
) -> dict[str, Any]:
    """One schema.org Dataset for the whole data, with a part per package, for the landing page."""
    packages = tuple(packages)
    base = facts.base_url
    organisation = {"@type": "Organization", "name": publisher_name(project)}
    license_url = project["licenses"][0]["path"]
    common: dict[str, Any] = {
        "license": license_url,
        "creator": organisation,
        "publisher": organisation,
        "inLanguage": list(facts.languages),
        "isAccessibleForFree": True,
        "version": facts.version,
        "dateModified": facts.build_date,
        "isBasedOn": SOURCE_URL,
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
        parts.append(
            {
                "@type": "Dataset",
                "@id": f"{base}/#dataset-{package.name}",
                "identifier": package.name,
                "name": package.title,
                "description": one_line(package.description),
                "url": f"{base}/",
                "keywords": keywords(package, project),
                **common,
                "distribution": [
                    data_download(distribution_text(package, project, d)[0], d, facts) for d in files
                ],
            }
        )
    name = distribution_text(None, project, facts.database)[0]
    downloads.append(data_download(name, facts.database, facts))
    whole = database_name(project)
    return {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": f"{base}/#dataset-{whole}",
        "identifier": whole,
        "name": project["title"],
        "description": one_line(project["description"]),
        "url": f"{base}/",
        "keywords": all_keywords(packages, project),
        **common,
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
