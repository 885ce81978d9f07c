"""Body language: the page's declaration, else the script, else frequent function words.

No langdetect here: it loads ~50 language profiles on first use (over a second) and costs
milliseconds per call. When these cheap rules cannot decide, ``lang`` stays None and the
normalize pipeline's ``detect_lang`` fills it.
"""

from __future__ import annotations

import re
from collections import Counter

from crawler.normalize import script_lang

_WORD_RE = re.compile(r"[^\W\d_]+")
_STOPWORDS = {
    "en": "the and of to in is that for was with on are as this be by from have it not",
    "de": "der die und das ist nicht mit den ein eine sich auf dem des auch für von zu im",
    "fr": "le la les et des est une du dans pour que qui pas sur au avec ce sont par",
    "es": "el la los las y que del en por con una para es se al lo como más pero sus",
    "it": "il di che la per non è una sono del della nel con gli alla anche le più",
    "pt": "o os que não do da em um uma para com no na é ao dos das mais pelo",
    "nl": "de het een en van in is dat op te niet zijn voor met die aan er ook",
    "pl": "i w na z się nie do to że jest jak o po co ale przez dla od",
    "sv": "och att det som en på är av för med till den har inte om ett jag",
    "id": "yang dan di ini dengan untuk dari dalam tidak akan pada juga ke itu",
}
_WORD_LANGS: dict[str, list[str]] = {}
for _lang, _words in _STOPWORDS.items():
    for _word in _words.split():
        _WORD_LANGS.setdefault(_word, []).append(_lang)
_SAMPLE_WORDS = 400
_MIN_HITS = 5
_MARGIN = 1.5


def _by_function_words(text: str) -> str | None:
    counts: Counter[str] = Counter()
    for word in _WORD_RE.findall(text.lower())[:_SAMPLE_WORDS]:
        for lang in _WORD_LANGS.get(word, ()):
            counts[lang] += 1
    ranked = counts.most_common(2)
    if not ranked or ranked[0][1] < _MIN_HITS:
        return None
    if len(ranked) > 1 and ranked[0][1] < _MARGIN * ranked[1][1]:
        return None
    return ranked[0][0]


def body_lang(declared: str | None, text: str) -> str | None:
    """ISO 639-1 code of the article text."""
    if declared:
        return declared
    sample = text[:3000]
    by_script = script_lang(sample)
    if by_script != "en":
        return by_script
    return _by_function_words(sample)
