"""Forums of border (later interregional) cooperation and the contacts they create.

The schedule is scenario data. At a forum, the attending Russian and Kazakh regions gain one
unit of contacts with each other; contacts decay by `forum_contact_decay` a year. Who attends
depends on the forum's format: in the border format, the border regions and the host; in the
interregional format, also every other region with probability
`forum_interregional_attendance`; in the national_and_neighbours format, every region of the
host's country and the host's neighbours across the border (as at the 2003 Uralsk business
forum). A border region's administration may decide otherwise for a year (a scenario's
`[[decisions]]`): it sends a delegation, or stays away, whatever the format; the host always
attends. A business forum also gathers `participants` business people from the attending regions
(in proportion to the mass of their active firms); each Russian–Kazakh pair of participants signs a
protocol of intent with probability `protocol_rate`.
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
    neighbours: dict[str, tuple[str, ...]],
    delegation: np.ndarray,
) -> np.ndarray:
    """Which regions (in data order) attend `forum`.

    `delegation` is each region's own decision: 1 sends a delegation, 0 stays away, -1 follows
    the format's rule; the host attends its own forum whatever it decided.
    """
    host = region_ids == forum.host
    if forum.format == "national_and_neighbours":
        country = forum.host[:2]
        attend = np.char.startswith(region_ids.astype(str), f"{country}-") | np.isin(
            region_ids, neighbours.get(forum.host, ())
        )
    else:
        attend = border | host
        if forum.format == "interregional":
            attend |= rng.random(len(region_ids)) < params.forum_interregional_attendance
    return np.where(delegation < 0, attend, delegation > 0) | host


def hold_forums(
    forums: list[Forum],
    rng: np.random.Generator,
    contacts: np.ndarray,
    region_ids: np.ndarray,
    border: np.ndarray,
    ru: np.ndarray,
    kz: np.ndarray,
    active_mass: np.ndarray,
    params: ModelParameters,
    neighbours: dict[str, tuple[str, ...]],
    delegation: np.ndarray,
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
        active_mass: Firm mass of the active firms per region (data order).
        params: Structural parameters.
        neighbours: Each region's neighbours across the border.
        delegation: Each region's decision to send a delegation (see `attendance`).
    """
    protocols = np.zeros(contacts.shape, dtype=np.int64)
    participants = 0
    for forum in forums:
        attend = attendance(forum, rng, region_ids, border, params, neighbours, delegation)
        contacts += np.outer(attend[ru], attend[kz])
        if forum.kind != "business" or forum.participants == 0:
            continue
        weight = np.where(attend, active_mass, 0.0)
        if weight.sum() == 0:
            continue
        people = rng.multinomial(forum.participants, weight / weight.sum())
        n_ru, n_kz = people[ru], people[kz]
        pairs = np.outer(n_ru, n_kz)
        protocols += rng.binomial(pairs, params.protocol_rate)
        participants += forum.participants
    return ForumOutcome(len(forums), participants, protocols)
