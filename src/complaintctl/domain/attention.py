"""The fields of a complaint that the emergency plan's triggers read as tags (CBIRC 2020 Art
29): one vocabulary, the plan's (``data/emergency_plan.toml``; tests/test_art29_major.py checks
each tag against the level the default plan gives it). Pure.

- ``register --regulator-designated``: the regulator designated the complaint a major one
  (Art 29 (3)): the tag ``regulator_designated``, level I.
- ``register --media national|local|social``: media attention: ``national_media`` (level II),
  ``local_media`` or ``social_media_spread`` (level III).
- ``register --cause disaster|accident|public_health``: caused by a major natural disaster,
  a safety accident or a public-health event (Art 29 (1)): that tag, level II.
"""

from __future__ import annotations

REGULATOR_DESIGNATED = "regulator_designated"
#: --media VALUE -> the plan's tag
MEDIA = {"national": "national_media", "local": "local_media", "social": "social_media_spread"}
#: --cause VALUE -> the plan's tag (Art 29 (1))
CAUSES = {"disaster": "disaster", "accident": "accident", "public_health": "public_health"}
#: the level each tag has in the default plan (what the README says)
DEFAULT_LEVELS = {REGULATOR_DESIGNATED: 1, "national_media": 2, "disaster": 2, "accident": 2,
                  "public_health": 2, "local_media": 3, "social_media_spread": 3}


def tags_of(*, media: str | None, regulator_designated: bool, cause: str | None) -> list[str]:
    """The plan tags the fields give (an unknown value is the caller's to refuse first)."""
    tags = [REGULATOR_DESIGNATED] if regulator_designated else []
    if media:
        tags.append(MEDIA[media])
    if cause:
        tags.append(CAUSES[cause])
    return tags
