"""Published MIT-BIH heartbeat-classification results, to put the shipped models in context.

Each entry holds the numbers **as published** (percent; ``None`` where the paper does not report
a value or reports a class differently), the citation key of ``book/references.bib``, where the
numbers were read, and what differs in the paper's protocol from the course's (one lead, one
beat, no hand-made features). Chapter 2 shows them beside the shipped models' cards with
:func:`tscam.models.cards.comparison_table` (``published=published_results("inter")``,
``classes=SCORED_CLASSES``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["PUBLISHED", "SCORED_CLASSES", "PublishedResult", "published_results"]

#: The classes the inter-patient literature scores (and the course compares on): the AAMI
#: classes without Q (unclassifiable beats: 7 of the 49,673 DS2 beats, too few to score).
SCORED_CLASSES: tuple[str, ...] = ("N", "S", "V", "F")


@dataclass(frozen=True)
class PublishedResult:
    """One published result. ``se``/``ppv`` map a class (N, S, V, F) to a percentage, written
    as a string with the precision the source gives (``"87"`` is not ``"87.0"``)."""

    label: str
    cite: str
    split: str  # "inter" (de Chazal DS1 -> DS2) or "intra" (beats of all patients, at random)
    accuracy: str | None
    se: dict[str, str | None] = field(default_factory=dict)
    ppv: dict[str, str | None] = field(default_factory=dict)
    protocol: str = ""
    source: str = ""


PUBLISHED: tuple[PublishedResult, ...] = (
    PublishedResult(
        label="de Chazal et al. 2004",
        cite="dechazal2004",
        split="inter",
        accuracy=None,
        se={"N": "87", "S": "76", "V": "77", "F": None},
        ppv={"N": "99", "S": "38", "V": "82", "F": None},
        protocol=(
            "linear discriminants on hand-made RR-interval and morphology features; defined the "
            "DS1/DS2 protocol"
        ),
        source=(
            "as quoted, rounded to whole percent, in the comparison table of Garcia et al. 2017; "
            "accuracy and F are left out here because the secondary sources we could read "
            "disagree or do not give them"
        ),
    ),
    PublishedResult(
        label="Llamedo & Martínez 2011",
        cite="llamedo2011",
        split="inter",
        accuracy="93",
        se={"N": "95", "S": "77", "V": "81", "F": None},
        ppv={"N": "98", "S": "39", "V": "87", "F": None},
        protocol=(
            "features (RR intervals and morphology) selected for generalisation across "
            "databases; classes N, S and V only"
        ),
        source="the paper's abstract",
    ),
    PublishedResult(
        label="Garcia et al. 2017",
        cite="garcia2017",
        split="inter",
        accuracy="92.4",
        se={"N": "94.0", "S": "62.0", "V": "87.3", "F": None},
        ppv={"N": "98.0", "S": "53.0", "V": "59.4", "F": None},
        protocol=(
            "temporal vectorcardiogram built from both leads, SVM tuned by particle swarm "
            "optimisation; classes N, S and V only"
        ),
        source="the paper's results table",
    ),
    PublishedResult(
        label="Kachuee et al. 2018",
        cite="kachuee2018",
        split="intra",
        accuracy="93.4",
        protocol=(
            "deep residual CNN on single beats (125 Hz, 187 samples: the format of the course's "
            "first, masked window); beats of all records split at random"
        ),
        source="the paper's abstract (average accuracy; no per-class values)",
    ),
    PublishedResult(
        label="Acharya et al. 2017",
        cite="acharya2017",
        split="intra",
        accuracy="94.03",
        protocol=(
            "9-layer CNN on single beats, training set augmented with synthetic beats to balance "
            "the classes (89.07 % without)"
        ),
        source="the paper's abstract (no per-class values)",
    ),
)


def published_results(split: str) -> list[PublishedResult]:
    """The published results of one protocol, ``"inter"`` or ``"intra"``."""
    if split not in ("inter", "intra"):
        raise ValueError(f"split must be 'inter' or 'intra', got {split!r}.")
    return [p for p in PUBLISHED if p.split == split]
