"""The world the model runs in: countries, markets, regions, partners and their geography.

Markets are the 99 regions of Kazakhstan and Russia in data order, followed by the three partner
markets: China, the European Union and the rest of the world. A `World` is built once from
`sim/data/` and shared by every run (it holds no scenario state); `sim.model` receives it.

Distances are great-circle distances between regional centres. A partner is reached through its
gateway regions: from region m, the distance to partner p is the shortest, over p's gateways g,
of d(m, g) + d(g, p), where d(g, p) is the great-circle distance from the gateway to the partner's
centre (China, the European Union) or `row_distance_km` (the rest of the world, which has no
single centre). Between partners: centre to centre, or `row_distance_km` to and from the rest of
the world. Inside every market: `internal_distance_km`, which is also the floor of all distances.
Russia's regions use Russia's own gateways; Kazakhstan, landlocked, uses any, and a route
whose gateway lies in Russia transits it (Kazakhstan's trade with Europe runs through Russian
ports and crossings): such a route also crosses the Kazakhstan–Russia border (`transit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from sim.data import load_gateways, load_partners, load_regions

COUNTRIES = ("KZ", "RU", "CN", "EU", "ROW")
KZ, RU, CN, EU, ROW = range(len(COUNTRIES))
PARTNERS = COUNTRIES[CN:]  # the third countries, in market order after the regions
EARTH_RADIUS_KM = 6371.0


def great_circle_km(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle (haversine) distances between two sets of points given in degrees (outer)."""
    phi1, phi2 = np.radians(lat1)[:, None], np.radians(lat2)[None, :]
    dphi = phi2 - phi1
    dlam = np.radians(lon2)[None, :] - np.radians(lon1)[:, None]
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@dataclass(frozen=True)
class World:
    """Markets and their geography (regions first, then the partners).

    Attributes:
        market_ids: Region ids, then the partner ids (`cn`, `eu`, `row`).
        names: Display names.
        country: Country index of each market (`COUNTRIES` order).
        border: Whether a region lies on the Kazakhstan–Russia border (False for partners).
        neighbours: Region ids across the border, per region id.
        lat, lon, population: Regional centres and population (NaN for partners).
        gdp_share: Each region's share of its country's 2010 GDP (1 for a partner).
        between_km: (M, M) centre-to-centre distances, before the internal-distance floor;
            partner rows and columns hold the gateway route without `row_distance_km`.
        via_row: (M, M) True where the route runs to or from the rest of the world (and so
            adds `row_distance_km`).
        transit: (M, M) True where a region's route to or from a partner runs through a
            gateway in the other of the two countries.
    """

    market_ids: np.ndarray
    names: np.ndarray
    country: np.ndarray
    border: np.ndarray
    neighbours: dict[str, tuple[str, ...]]
    lat: np.ndarray
    lon: np.ndarray
    population: np.ndarray
    gdp_share: np.ndarray
    between_km: np.ndarray
    via_row: np.ndarray
    transit: np.ndarray

    @property
    def n_markets(self) -> int:
        """Number of markets (regions and partners)."""
        return len(self.market_ids)

    @property
    def n_regions(self) -> int:
        """Number of Kazakh and Russian regions."""
        return int(np.sum(self.country <= RU))

    def of(self, country: int) -> np.ndarray:
        """Market indices of a country (`KZ`, `RU`, ...)."""
        return np.flatnonzero(self.country == country)

    def distance_km(self, internal_km: float, row_km: float) -> np.ndarray:
        """(M, M) distances: the routes plus `row_km` to the rest of the world, floored."""
        out = self.between_km + np.where(self.via_row, row_km, 0.0)
        np.fill_diagonal(out, internal_km)
        return np.maximum(out, internal_km)


@cache
def load_world() -> World:
    """Build the world from `sim/data/` (regions, partners, gateways)."""
    regions = load_regions()
    partners = load_partners()
    gateways = load_gateways()
    n = len(regions)
    n_partners = len(partners)
    lat = regions.lat.to_numpy(float)
    lon = regions.lon.to_numpy(float)
    country = np.concatenate(
        (
            regions.country.map({"KZ": KZ, "RU": RU}).to_numpy(int),
            partners.country.map({c: i for i, c in enumerate(COUNTRIES)}).to_numpy(int),
        )
    )
    size = regions.size_usd_bn.to_numpy(float)
    share = np.ones(n + n_partners)
    for c in (KZ, RU):
        inside = country[:n] == c
        share[:n][inside] = size[inside] / size[inside].sum()

    m = n + n_partners
    between = np.zeros((m, m))
    via_row = np.zeros((m, m), dtype=bool)
    transit = np.zeros((m, m), dtype=bool)
    region_country = country[:n]
    between[:n, :n] = great_circle_km(lat, lon, lat, lon)
    index = {rid: i for i, rid in enumerate(regions.region_id)}
    centre_lat = partners.lat.to_numpy(float)
    centre_lon = partners.lon.to_numpy(float)
    has_centre = ~np.isnan(centre_lat)
    for p, pid in enumerate(partners.partner_id):
        gates = np.array([index[r] for r in gateways.region_id[gateways.partner_id == pid]])
        leg = between[:n, gates]  # region -> gateway
        if has_centre[p]:
            onward = great_circle_km(lat[gates], lon[gates], centre_lat[[p]], centre_lon[[p]])[:, 0]
        else:
            onward = np.zeros(gates.size)
            via_row[:n, n + p] = via_row[n + p, :n] = True
        total = leg + onward[None, :]
        # Russia reaches its partners through its own gateways.
        total[(region_country == RU)[:, None] & (region_country[gates] != RU)[None, :]] = np.inf
        route = total.min(axis=1)
        between[:n, n + p] = between[n + p, :n] = route
        through = region_country[gates[np.argmin(total, axis=1)]] != region_country
        transit[:n, n + p] = transit[n + p, :n] = through
    for p in range(n_partners):
        for q in range(n_partners):
            if p == q:
                continue
            if has_centre[p] and has_centre[q]:
                between[n + p, n + q] = great_circle_km(
                    centre_lat[[p]], centre_lon[[p]], centre_lat[[q]], centre_lon[[q]]
                )[0, 0]
            else:
                via_row[n + p, n + q] = True
    return World(
        market_ids=np.concatenate(
            (regions.region_id.to_numpy(str), partners.partner_id.to_numpy(str))
        ),
        names=np.concatenate((regions.name.to_numpy(str), partners.name.to_numpy(str))),
        country=country,
        border=np.concatenate((regions.border.to_numpy(bool), np.zeros(n_partners, dtype=bool))),
        neighbours={
            rid: tuple(filter(None, text.split(";")))
            for rid, text in zip(regions.region_id, regions.neighbours, strict=True)
        },
        lat=np.concatenate((lat, np.full(n_partners, np.nan))),
        lon=np.concatenate((lon, np.full(n_partners, np.nan))),
        population=np.concatenate(
            (regions.population.to_numpy(float), np.full(n_partners, np.nan))
        ),
        gdp_share=share,
        between_km=between,
        via_row=via_row,
        transit=transit,
    )
