"""Put the tone marks back on a question typed without them, from the library's own words.

Leaders often type on a tablet without diacritics ("chi thi ve chuyen doi so giao so nao chu tri").
The folded BM25 field finds such a question's words, but the embedding model cannot read folded
Vietnamese (MRR@10 0.018 on ALQAC), so the question loses its meaning-based half. Most folded
syllables have only a few accented readings in a library ("so" → số, sở, sổ, sơ), and the
neighbouring syllable nearly always decides ("sở nội vụ", "số hóa"): a bigram Viterbi over the
library's syllables and adjacent pairs restores 96 % of the syllables of the ALQAC dev questions.
The restored text is only ever embedded, never shown, and the folded field still ranks too, so a
wrong guess costs little.

The counts are the document frequencies that the accented BM25 field already holds (its
vocabulary has every syllable and every adjacent pair), so nothing is counted twice.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable

from assistant import text as vt

# Weight of a syllable's own frequency against the pair evidence (additive smoothing of
# P(syllable | previous syllable)): small, so that a pair seen in the library decides.
SMOOTHING = 0.1
# Below this share of the question's syllables known to the library (in some accented form), the
# restored text is not trusted enough to embed.
MIN_KNOWN_SHARE = 0.8


class ToneRestorer:
    """``restore(question)`` → the question with tone marks, from the library's vocabulary."""

    def __init__(self, vocabulary: dict[str, int], frequency: Callable[[int], int]) -> None:
        """``vocabulary``: the accented BM25 field's term → id (syllables and "a_b" pairs);
        ``frequency(id)``: how many chunks contain that term."""
        self._vocabulary = vocabulary
        self._frequency = frequency
        self.readings: dict[str, list[str]] = defaultdict(list)
        total = 0
        for term, term_id in vocabulary.items():
            if term and "_" not in term:
                self.readings[vt.fold(term)].append(term)
                total += frequency(term_id)
        self._total = max(total, 1)

    def count(self, term: str) -> int:
        term_id = self._vocabulary.get(term)
        return self._frequency(term_id) if term_id is not None else 0

    def restore(self, question: str) -> tuple[str, float]:
        """(the restored text, the share of its syllables the library knows). Spans between
        punctuation are restored separately, as BM25 pairs never cross them."""
        pieces: list[str] = []
        known = syllables = 0
        for span in vt._BREAK.split(vt.fold(question)):
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
                prior = SMOOTHING * self._unigram(reading)
                step[reading] = max(
                    (
                        score
                        + math.log(
                            (self.count(f"{previous}_{reading}") + prior)
                            / (self.count(previous) + SMOOTHING)
                        ),
                        path,
                    )
                    for previous, (score, path) in best.items()
                )
                step[reading] = (step[reading][0], [*step[reading][1], reading])
            best = step
        return max(best.values())[1]
