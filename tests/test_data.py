"""Input data: coverage, sources, the derived sizes, and clear errors for gaps."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from sim import data, macro
from sim.data import DATA_DIR, load_gateways, load_macro, load_partners, load_regions
from sim.errors import InputError
from sim.record import BREAK_YEAR, SERIES, record
from sim.scenario import load_scenario
from sim.world import load_world


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
    """GDP and its price level for the five economies, 1991–2015, with 2010 price level 1."""
    table = load_macro()
    for country in ("KZ", "RU", "CN", "EU", "WORLD"):
        years = table.loc[country].index
        assert set(range(1991, 2016)) <= set(years)
        assert table.loc[(country, 2010), "price_level"] == pytest.approx(1.0)
    assert (table.gdp_usd_bn > 0).all()
    # The rest of the world (the world less the four) is positive and most of the world.
    path = macro.macro_path(load_scenario("historical", use_calibration=False))
    assert (path.gdp[-1] > 0.6 * path.gdp.sum(axis=0)).all()


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("macro.csv", "source_keys"),
        ("grp_ru_2010.csv", "source_keys"),
        ("fx.csv", "source_keys"),
        ("trade-bilateral-dots.csv", "source_key"),
        ("trade-national-wdi.csv", "source_key"),
        ("world-economy-wdi.csv", "source_key"),
        ("partners.csv", "source"),
        ("gateways.csv", "source"),
    ],
)
def test_every_data_row_names_its_source(name, key):
    """Each row of every data table carries a source key (or says it is an assumption)."""
    frame = pd.read_csv(DATA_DIR / name)
    assert frame[key].notna().all()
    assert (frame[key].astype(str).str.strip().str.len() > 0).all()


def test_every_source_key_is_explained():
    """Every source key of the trade and economy tables is explained in a SOURCES note."""
    notes = "".join(p.read_text() for p in DATA_DIR.glob("*SOURCES*.md"))
    for name in ("trade-bilateral-dots.csv", "trade-national-wdi.csv", "world-economy-wdi.csv"):
        for key in pd.read_csv(DATA_DIR / name).source_key.unique():
            assert f"`{key}`" in notes, (name, key)


def test_partners_and_gateways():
    """Three partners, each reached through gateway regions; Russia uses its own gateways."""
    partners = load_partners()
    assert list(partners.partner_id) == ["cn", "eu", "row"]
    gateways = load_gateways()
    assert set(gateways.partner_id) == set(partners.partner_id)
    world = load_world()
    assert world.n_markets == 99 + 3
    kz, ru = world.of(0), world.of(1)
    eu = world.n_regions + 1
    assert world.transit[kz, eu].all()  # Kazakhstan reaches the EU through Russia
    assert not world.transit[ru].any()


def test_the_record_handles_mirror_readings_and_the_2010_break():
    """Bilateral flows are the mean of the two readings, Russia's alone in 2010."""
    exports = record("kz_imports_from_ru")
    assert exports.loc[2006, "low"] <= exports.loc[2006, "value"] <= exports.loc[2006, "high"]
    dots = data.load_trade_record()
    russia_side = dots[(dots.reporter == "RU") & (dots.partner == "KZ")]
    ru_2010 = russia_side[(russia_side.flow == "exports_fob") & (russia_side.year == BREAK_YEAR)]
    assert exports.loc[BREAK_YEAR, "value"] == pytest.approx(ru_2010.value_usd_bn.iloc[0])
    assert pd.isna(record("ru_share_of_kz_imports").value.get(BREAK_YEAR))
    for series in SERIES:
        assert not record(series).empty


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of the data folder the loaders read instead of the package's."""
    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder)
    monkeypatch.setattr(data, "DATA_DIR", folder)
    monkeypatch.setattr(macro, "DATA_DIR", folder)
    for loader in (data.load_indicators, data.load_trade_record):
        loader.cache_clear()
    yield folder
    for loader in (data.load_indicators, data.load_trade_record):
        loader.cache_clear()


def test_a_gap_the_model_needs_names_file_and_row(data_copy):
    """A missing year inside a series the run needs is one clear error: file, country, year."""
    path = data_copy / "world-economy-wdi.csv"
    frame = pd.read_csv(path)
    gap = (frame.country == "CN") & (frame.indicator == "services_value_added_pct_gdp")
    frame[~(gap & (frame.year == 2005))].to_csv(path, index=False)
    with pytest.raises(InputError, match=r"world-economy-wdi\.csv.*CN services_value_added.*2005"):
        macro.macro_path(load_scenario("historical", use_calibration=False))


def test_a_row_without_its_source_is_refused(data_copy):
    """A data row without a source key is refused, naming the file and the row."""
    path = data_copy / "trade-national-wdi.csv"
    frame = pd.read_csv(path)
    frame.loc[3, "source_key"] = None
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"trade-national-wdi\.csv.*row 5: no source_key"):
        data.load_indicators()


def test_years_before_the_data_need_the_backcast_rule():
    """1991 has no trade statistics: without `backcast = "hold"` the run is refused."""
    spec = load_scenario("historical", use_calibration=False)
    macro.macro_path(spec)  # history asks for the rule
    spec.macro_backcast = "none"
    with pytest.raises(InputError, match=r"backcast"):
        macro.macro_path(spec)


def test_a_run_that_ends_before_a_series_starts_holds_its_first_observation():
    """A short run's conditions are the full run's over the same years, whatever its end."""
    full = macro.macro_path(load_scenario("historical", use_calibration=False))
    for end in (1993, 2001):
        spec = load_scenario("historical", use_calibration=False)
        spec.end_year = end
        short = macro.macro_path(spec)
        for field in ("gdp", "services_share", "goods_share", "balance", "fuel_exports"):
            values = getattr(short, field)
            assert np.isfinite(values).all(), (end, field)
            np.testing.assert_allclose(values, getattr(full, field)[:, : values.shape[1]])
