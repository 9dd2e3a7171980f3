"""Distances between markets: great-circle distances between regional centres.

Markets are the 99 regions in data order followed by the Rest of World (last index). A region's
sales inside itself travel `internal_distance_km`; the Rest of World is reached through the
nearest gateway region plus `row_distance_km`.
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0


def great_circle_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Pairwise great-circle distances (haversine) between points given in degrees."""
    phi = np.radians(lat)[:, None]
    lam = np.radians(lon)[:, None]
    dphi = phi - phi.T
    dlam = lam - lam.T
    h = np.sin(dphi / 2) ** 2 + np.cos(phi) * np.cos(phi.T) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def market_distances(
    lat: np.ndarray,
    lon: np.ndarray,
    gateways: np.ndarray,
    internal_km: float,
    row_km: float,
) -> np.ndarray:
    """Distance matrix over the regions plus the Rest of World (last row and column).

    Args:
        lat: Latitudes of the regional centres.
        lon: Longitudes of the regional centres.
        gateways: Indices of the gateway regions toward the Rest of World.
        internal_km: Distance of sales inside a region (and inside the Rest of World).
        row_km: Distance from a gateway to the Rest-of-World market.
    """
    n = len(lat)
    between = great_circle_km(lat, lon)
    np.fill_diagonal(between, internal_km)
    to_row = between[:, gateways].min(axis=1)
    to_row[gateways] = 0.0
    out = np.empty((n + 1, n + 1))
    out[:n, :n] = between
    out[:n, n] = out[n, :n] = to_row + row_km
    out[n, n] = internal_km
    return out
