"""Input data: coverage, sources and the derived economic sizes."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.data import DATA_DIR, load_macro, load_regions, load_sectors


def test_regions_cover_2010_russia_and_kazakhstan():
    """83 Russian federal subjects, 16 Kazakh regions; 12 + 7 border regions."""
    regions = load_regions()
    assert (regions.country == "RU").sum() == 83
    assert (regions.country == "KZ").sum() == 16
    border = regions[regions.border]
    assert (border.country == "RU").sum() == 12
    assert (border.country == "KZ").sum() == 7
    assert regions.region_id.is_unique


def test_every_region_has_a_positive_size_with_its_source():
    """Sizes are sourced GRP or marked estimates; Russia's add up to its 2010 GDP."""
    regions = load_regions()
    assert (regions.size_usd_bn > 0).all()
    assert regions.size_source.str.match(r"^(grp|estimate: .+)").all()
    estimates = regions[regions.size_source.str.startswith("estimate")].region_id
    assert set(estimates) == {"ru-altai-republic", "ru-tyumen", "ru-khanty-mansi",
                              "ru-yamalo-nenets", "ru-arkhangelsk", "ru-nenets"}  # fmt: skip
    ru = regions[regions.country == "RU"].size_usd_bn.sum()
    assert ru == pytest.approx(load_macro().loc[("RU", 2010), "gdp_usd_bn"], rel=1e-9)
    kz = regions[regions.country == "KZ"]
    assert (kz.size_source == "grp").all()
    gdp = load_macro().loc[("KZ", 2010), "gdp_usd_bn"]
    assert kz.size_usd_bn.sum() == pytest.approx(gdp, rel=1e-4)  # regions rounded to 1 mn US$


def test_macro_series_cover_the_historical_period():
    """GDP for KZ, RU and the rest of the world, 1991–2015, with 2010 price level 1."""
    macro = load_macro()
    for country in ("KZ", "RU", "ROW"):
        years = macro.loc[country].index
        assert set(range(1991, 2016)) <= set(years)
        assert macro.loc[(country, 2010), "price_level"] == pytest.approx(1.0)
    assert (macro.gdp_usd_bn > 0).all()


@pytest.mark.parametrize("name", ["macro.csv", "grp_ru_2010.csv", "fx.csv"])
def test_every_data_row_names_its_source(name):
    """Each row of the sourced tables carries source keys."""
    frame = pd.read_csv(DATA_DIR / name)
    assert frame.source_keys.notna().all()
    assert (frame.source_keys.str.len() > 0).all()


def test_sector_assumptions_are_marked():
    """The sector table is labelled as model assumptions and its shares add to one."""
    sectors = load_sectors()
    assert sectors.expenditure_share.sum() == pytest.approx(1.0)
    assert sectors.source.str.contains("assumption").all()
