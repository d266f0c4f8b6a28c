"""Loading the lexicons: hand-written files in ``lexicons/`` plus lexicons shipped by pip packages."""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET
from pathlib import Path

from salon.ai.lexicon_engine import Lexicon, fold, load_lexicon

LEXICON_DIR = Path(__file__).with_name("lexicons")


def package_dir(name: str) -> Path | None:
    """Directory of an installed package, without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


# Function words that the adjective lexicons score but that carry no sentiment in running text
# (after accent folding, French "sur" = "on" collides with "sûr" = "sure").
_FUNCTION_WORDS = frozenset(
    [
        "sur",
        "plus",
        "tout",
        "toute",
        "tous",
        "toutes",
        "si",
        "tres",
        "trop",
        "bien",
        "peu",
        "seul",
        "seule",
        "meme",
        "autre",
        "grand",
        "grande",
        "haut",
        "haute",
        "petit",
        "petite",
        "nouveau",
        "nouvelle",
        "premier",
        "premiere",
        "dernier",
        "derniere",
        "vrai",
        "vraie",
        "so",
        "ganz",
        "mehr",
        "viel",
        "viele",
        "wenig",
        "eigen",
        "neu",
        "neue",
        "alt",
        "alte",
        "hoch",
        "erst",
        "erste",
        "letzte",
        "gleich",
    ]
)


def pattern_xml(path: Path, scale: float = 3.0) -> dict[str, float]:
    """word -> valence from a pattern-format sentiment XML (polarity -1..1, averaged over senses)."""
    sums: dict[str, list[float]] = {}
    for el in ET.parse(path).getroot().iter("word"):
        form, pol = el.get("form"), el.get("polarity")
        if form and pol is not None:
            sums.setdefault(form, []).append(float(pol))
    return {
        w: scale * sum(v) / len(v)
        for w, v in sums.items()
        if abs(sum(v) / len(v)) >= 0.1 and fold(w) not in _FUNCTION_WORDS
    }


def vader_format(path: Path) -> dict[str, float]:
    """word -> valence from a VADER-format lexicon (``word->valence`` or ``word<TAB>valence<TAB>...``)."""
    out: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, sep, rest = line.rpartition("->") if "->" in line else line.partition("\t")
        if not sep:
            continue
        try:
            out[word.strip()] = float(rest.split("\t")[0])
        except ValueError:
            continue
    return out


def hand_written(lang: str) -> Lexicon:
    return load_lexicon(LEXICON_DIR / f"{lang}.txt")


def with_package_lexicon(lang: str) -> tuple[Lexicon, str]:
    """Hand-written entries merged over a package lexicon where one exists (fr, de).

    French prefers the VADER lexicon translated to French in ``vadersentiment-fr`` (MIT); without it,
    the pattern adjective lexicon from ``textblob-fr`` is used.
    """
    if lang == "fr":
        vader_fr = package_dir("vaderSentiment_fr")
        if vader_fr is not None and (vader_fr / "fr_lexicon.txt").exists():
            lex = hand_written("fr_extra")
            extra = dict(lex.entries)
            stems = {k + "*": v for k, v in lex._stems}
            lex.entries, lex._stems = {}, []
            lex.update(vader_format(vader_fr / "fr_lexicon.txt"))
            lex.update({**extra, **stems})
            return lex, "hand-written + VADER lexicon translated to French (vadersentiment-fr, MIT)"
        base, xml, source = "fr_extra", ("textblob_fr", "fr-sentiment.xml"), "pattern fr lexicon (PDDL)"
    elif lang == "de":
        base, xml, source = (
            "de_extra",
            ("textblob_de", "data/de-sentiment.xml"),
            "German Polarity Lexicon (Apache-2.0)",
        )
    else:
        return hand_written(lang), "hand-written"
    lex = hand_written(base)
    pkg = package_dir(xml[0])
    if pkg is not None and (pkg / xml[1]).exists():
        extra = dict(lex.entries)
        stems = {k + "*": v for k, v in lex._stems}
        lex.entries, lex._stems = {}, []
        lex.update(pattern_xml(pkg / xml[1]))
        lex.update({**extra, **stems})
        return lex, f"hand-written + {source}"
    return lex, "hand-written"
