"""Forums of border (later interregional) cooperation and the contacts they create.

The schedule is scenario data. At a forum, the attending Russian and Kazakh regions gain one
unit of contacts with each other; contacts decay by `forum_contact_decay` a year. Border regions
and the host attend every forum; in the interregional format other regions attend with
probability `forum_interregional_attendance`. A business forum also gathers `participants`
business people from the attending regions (in proportion to their active firms); each Russian–
Kazakh pair of participants signs a protocol of intent with probability `protocol_rate`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.parameters import ModelParameters
from sim.scenario import Forum


@dataclass(frozen=True)
class ForumOutcome:
    """What one year's forums produced."""

    held: int
    participants: int
    protocols: np.ndarray  # (n_ru, n_kz) protocols of intent signed per region pair


def attendance(
    forum: Forum,
    rng: np.random.Generator,
    region_ids: np.ndarray,
    border: np.ndarray,
    params: ModelParameters,
) -> np.ndarray:
    """Which regions (in data order) attend `forum`."""
    attend = border | (region_ids == forum.host)
    if forum.format == "interregional":
        attend |= rng.random(len(region_ids)) < params.forum_interregional_attendance
    return attend


def hold_forums(
    forums: list[Forum],
    rng: np.random.Generator,
    contacts: np.ndarray,
    region_ids: np.ndarray,
    border: np.ndarray,
    ru: np.ndarray,
    kz: np.ndarray,
    active_firms: np.ndarray,
    params: ModelParameters,
) -> ForumOutcome:
    """Hold this year's forums: update `contacts` in place and count protocols.

    Args:
        forums: The forums held this year.
        rng: Random stream of the forum submodel.
        contacts: (n_ru, n_kz) contact stock, decayed by the caller.
        region_ids: Region ids in data order.
        border: Border-region flags in data order.
        ru: Data indices of the Russian regions (rows of `contacts`).
        kz: Data indices of the Kazakh regions (columns of `contacts`).
        active_firms: Active firm agents per region (data order).
        params: Structural parameters.
    """
    protocols = np.zeros(contacts.shape, dtype=np.int64)
    participants = 0
    for forum in forums:
        attend = attendance(forum, rng, region_ids, border, params)
        contacts += np.outer(attend[ru], attend[kz])
        if forum.kind != "business" or forum.participants == 0:
            continue
        weight = np.where(attend, active_firms, 0).astype(float)
        if weight.sum() == 0:
            continue
        people = rng.multinomial(forum.participants, weight / weight.sum())
        n_ru, n_kz = people[ru], people[kz]
        pairs = np.outer(n_ru, n_kz)
        protocols += rng.binomial(pairs, params.protocol_rate)
        participants += forum.participants
    return ForumOutcome(len(forums), participants, protocols)
