"""The agents: regions, firms and joint ventures.

All three are real Mesa agents (in `model.agents`), but regions and firms are thin views: their
state lives in the model's columns so that the yearly market choice runs on arrays. A firm agent
is tied to one slot of the firm columns; when the firm exits, the agent is removed and the slot
is given to a new firm with a new agent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.world import COUNTRIES, KZ, RU

if TYPE_CHECKING:
    from sim.model import TransfrontierModel


class Region(mesa.Agent):
    """A market: a Kazakh region, a Russian federal subject, or a partner (market `index`).

    The partners (China, the European Union, the rest of the world) are markets and sources of
    goods and capital, with no regional administration.

    Regional administrations sign cooperation agreements and attend forums; those rules act on
    the model's agreement and contact matrices (see `sim.agreements`, `sim.forums`).
    """

    model: TransfrontierModel

    def __init__(
        self,
        model: TransfrontierModel,
        index: int,
        region_id: str,
        name: str,
        country: str,
        lat: float,
        lon: float,
        population: float,
        border: bool,
        neighbours: tuple[str, ...],
    ):
        super().__init__(model)
        self.index = index
        self.region_id = region_id
        self.name = name
        self.country = country
        self.lat = lat
        self.lon = lon
        self.population = population
        self.border = border
        self.neighbours = neighbours

    @property
    def active_firms(self) -> int:
        """Firm agents of this region that sold in some market this year (weighted, `sim.firms`)."""
        return round(self.model.active_firms_by_market[self.index])

    @property
    def partners(self) -> list[str]:
        """Regions across the border with which this region has an active agreement."""
        return self.model.agreement_partners(self.index)

    @property
    def cross_border_turnover_usd_bn(self) -> float:
        """Recorded trade with the other country's regions this year, US$ bn."""
        return float(self.model.cross_border_turnover_usd_bn[self.index])


class Firm(mesa.Agent):
    """A firm: home region, sector, productivity, capital and owners by country.

    Each firm agent stands for a share of its country's firm mass (its real goods output) in
    proportion to its weight, which corrects for the oversampling of productive firms
    (`sim.firms`). Firms make the economy's one differentiated sector, goods (commodities and
    services are sectors without firm agents, see `sim.economy`).
    """

    model: TransfrontierModel

    def __init__(self, model: TransfrontierModel, slot: int):
        super().__init__(model)
        self.slot = slot

    def _column(self, name: str):
        if self.model.firm_agents[self.slot] is not self:
            raise LookupError(f"firm {self.unique_id} has exited")
        return getattr(self.model.firms, name)[self.slot]

    @property
    def region(self) -> Region:
        """Home region."""
        return self.model.regions[int(self._column("market"))]

    @property
    def sector(self) -> str:
        """Sector name (`goods`: the firms' sector)."""
        self._column("sector")  # checks the firm is still in business
        return "goods"

    @property
    def productivity(self) -> float:
        """Productivity (Pareto, minimum 1)."""
        return float(self._column("productivity"))

    @property
    def capital(self) -> float:
        """Capital, taken proportional to the firm's sales potential (model units)."""
        return float(self._column("size"))

    @property
    def active(self) -> bool:
        """Whether the firm sold in at least one market this year.

        An entrant counts as active until its first market choice.
        """
        return bool(self._column("active"))

    @property
    def owners(self) -> dict[str, float]:
        """Capital shares by country: the firm's own capital plus that of its hosted ventures.

        Each hosted venture counts with the firm's capital, split by the venture's shares.
        """
        home = self.region.country
        ventures = self.model.ventures_hosted_by(self.slot)
        shares = dict.fromkeys({home}, 1.0)
        for venture in ventures:
            for country, share in venture.capital_shares.items():
                shares[country] = shares.get(country, 0.0) + share
        total = 1.0 + len(ventures)
        return {country: value / total for country, value in shares.items()}

    @property
    def markets(self) -> list[str]:
        """Region ids of the markets this firm sold in this year."""
        return self.model.markets_of(self.slot)


class JointVenture(mesa.Agent):
    """A firm co-owned across the border, or with capital from third countries.

    Args:
        model: The model.
        host_slot: Slot of the host firm (its local partner).
        investor_slot: Slot of the investor firm, or -1 for third-country capital.
        host_market: Market index of the venture's location.
        investor_market: Market index of the investor (the rest-of-the-world market for
            third-country capital).
        foreign_share: Share of the capital held by the investor.
        founded: Year of creation.
    """

    model: TransfrontierModel

    def __init__(
        self,
        model: TransfrontierModel,
        host_slot: int,
        investor_slot: int,
        host_market: int,
        investor_market: int,
        foreign_share: float,
        founded: int,
    ):
        super().__init__(model)
        self.host_slot = host_slot
        self.investor_slot = investor_slot
        self.host_market = host_market
        self.investor_market = investor_market
        self.foreign_share = foreign_share
        self.founded = founded

    @property
    def location(self) -> str:
        """Region id where the venture operates."""
        return self.model.regions[self.host_market].region_id

    @property
    def host_country(self) -> str:
        """Country of location."""
        return COUNTRIES[int(self.model.country_of[self.host_market])]

    @property
    def capital_origin(self) -> str:
        """Country of the foreign capital: KZ, RU, or ROW for third countries (pooled)."""
        country = int(self.model.country_of[self.investor_market])
        return COUNTRIES[country] if country in (KZ, RU) else "ROW"

    @property
    def capital_shares(self) -> dict[str, float]:
        """Capital shares by country (sum to 1)."""
        return {
            self.host_country: 1.0 - self.foreign_share,
            self.capital_origin: self.foreign_share,
        }


def firm_slots_of(ventures: list[JointVenture]) -> tuple[np.ndarray, np.ndarray]:
    """Host and investor slots of ventures, as arrays (investor -1 for third-country capital)."""
    host = np.fromiter((v.host_slot for v in ventures), dtype=np.int64, count=len(ventures))
    inv = np.fromiter((v.investor_slot for v in ventures), dtype=np.int64, count=len(ventures))
    return host, inv
