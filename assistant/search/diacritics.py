"""Put the tone marks back on a question typed without them, from the library's own words.

Leaders often type on a tablet without diacritics ("chi thi ve chuyen doi so giao so nao chu tri").
The folded BM25 field finds such a question's words, but the embedding model cannot read folded
Vietnamese (MRR@10 0.018 on ALQAC), so the question loses its meaning-based half. Most folded
syllables have only a few accented readings in a library ("so" → số, sở, sổ, sơ), and the
neighbouring syllable nearly always decides ("sở nội vụ", "số hóa"): a bigram Viterbi over the
library's syllables and adjacent pairs restores 98.5 % of the syllables of the ALQAC dev questions.
The folded field still ranks too, so a wrong guess costs little.

The restored reading is shown to the asker ("Hiểu là: …") and steers what they are shown, so it
must never hold a word only a document they may not read has: a restorer built from the whole
library read "khue truc luc lang" as the "khuê trúc lục lạng" of a restricted directive to anyone.
Each reader's restorer counts only the rows they may read (LibraryIndex.tone_restorer), and a
syllable none of those rows holds is no reading at all. The counts are the document frequencies
that the accented BM25 field already holds (its vocabulary has every syllable and every adjacent
pair), restricted to the reader's rows, so nothing is counted twice.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable

from assistant.search import text as vt
from cabinet.core.text import fold

# P(syllable | previous) = PAIR_WEIGHT · pair share + (1 − PAIR_WEIGHT) · syllable share
# (Jelinek-Mercer interpolation): a pair seen in the library decides; an unseen one falls back on
# how common the syllable is, without penalising a common previous syllable (additive smoothing
# did, and read "giao sở nào" as "giáo sổ nào" because "sở" is common and "sở nào" unseen).
PAIR_WEIGHT = 0.9
# Questions use words that documents seldom do ("bao lâu", "là gì"): a small library may not hold
# them at all, and would read "bao lau" as "bảo lậu". They count as if seen in a few chunks.
QUESTION_PHRASES = (
    "bao lâu", "bao nhiêu", "bao giờ", "là gì", "làm gì", "những gì", "như thế nào", "khi nào",
    "ở đâu", "vì sao", "tại sao", "ai", "mấy", "có phải", "hay không", "có được không",
    "đúng hay sai",
)  # fmt: skip
QUESTION_PHRASE_COUNT = 2
# Below this share of the question's syllables known to the library (in some accented form), the
# restored text is not trusted enough to embed.
MIN_KNOWN_SHARE = 0.8


class ToneRestorer:
    """``restore(question)`` → the question with tone marks, from the library's vocabulary."""

    def __init__(
        self,
        vocabulary: dict[str, int],
        frequency: Callable[[int], int],
        *,
        syllables: Iterable[str] | None = None,
    ) -> None:
        """``vocabulary``: the accented BM25 field's term → id (syllables and "a_b" pairs);
        ``frequency(id)``: how many of the reader's chunks contain that term (0: none of them, and
        the term is then never a reading); ``syllables``: the vocabulary's syllables, when the
        caller has them apart from the pairs already (the whole vocabulary is read otherwise)."""
        self._vocabulary = vocabulary
        self._frequency = frequency
        self._extra: dict[str, int] = defaultdict(int)
        for phrase in QUESTION_PHRASES:
            for term in vt.terms(phrase):
                self._extra[term] += QUESTION_PHRASE_COUNT
        self.readings: dict[str, list[str]] = defaultdict(list)
        total = 0
        for term in {*(vocabulary if syllables is None else syllables), *self._extra}:
            if term and "_" not in term and (found := self.count(term)):
                self.readings[fold(term)].append(term)
                total += found
        for readings in self.readings.values():
            readings.sort()  # the same reading wins a tie whatever the vocabulary's order
        self._total = max(total, 1)

    def count(self, term: str) -> int:
        term_id = self._vocabulary.get(term)
        found = self._frequency(term_id) if term_id is not None else 0
        return found + self._extra.get(term, 0)

    def restore(self, question: str) -> tuple[str, float]:
        """(the restored text, the share of its syllables the library knows). Spans between
        punctuation are restored separately, as BM25 pairs never cross them."""
        pieces: list[str] = []
        known = syllables = 0
        for span in vt._BREAK.split(fold(question)):
            tokens = vt._TOKEN.findall(span)
            if not tokens:
                continue
            syllables += len(tokens)
            known += sum(1 for token in tokens if token in self.readings)
            pieces.append(" ".join(self._best_path(tokens)))
        return ". ".join(pieces), (known / syllables if syllables else 0.0)

    def _unigram(self, syllable: str) -> float:
        return (self.count(syllable) + 1) / self._total

    def _best_path(self, tokens: list[str]) -> list[str]:
        """The most likely accented reading of one span (Viterbi over bigrams)."""
        # reading → (log probability of the best path ending in it, that path)
        best = {
            reading: (math.log(self._unigram(reading)), [reading])
            for reading in self.readings.get(tokens[0], [tokens[0]])
        }
        for token in tokens[1:]:
            step: dict[str, tuple[float, list[str]]] = {}
            for reading in self.readings.get(token, [token]):
                fallback = (1 - PAIR_WEIGHT) * self._unigram(reading)
                step[reading] = max(
                    (
                        score
                        + math.log(
                            PAIR_WEIGHT
                            * self.count(f"{previous}_{reading}")
                            / max(self.count(previous), 1)
                            + fallback
                        ),
                        path,
                    )
                    for previous, (score, path) in best.items()
                )
                step[reading] = (step[reading][0], [*step[reading][1], reading])
            best = step
        return max(best.values())[1]
