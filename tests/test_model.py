"""The model as a whole: agents, determinism, money across firm counts, the magnitudes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.agents import Firm, JointVenture, Region
from sim.model import TransfrontierModel
from sim.runner import resolve_spec, run, run_one
from sim.scenario import TransfrontierScenario

SMALL_FIRMS = 2000  # as in conftest.small_spec


def test_bare_model_runs_the_historical_scenario():
    """A bare TransfrontierModel() builds with defaults and steps."""
    model = TransfrontierModel()
    model.run_for(2)
    assert model.year == 1992
    assert len(model.records) == 2


def test_agents_are_real_mesa_agents(small_spec):
    """Regions, firms and joint ventures are all in model.agents."""
    model = TransfrontierModel(TransfrontierScenario(spec=small_spec, rng=3))
    model.run_for(15)
    by_type = model.agents_by_type
    assert len(by_type[Region]) == 102  # 99 regions, China, the EU and the rest of the world
    assert len(by_type[Firm]) == SMALL_FIRMS
    assert len(by_type[JointVenture]) == len(model.ventures) > 0
    last = model.records[-1].model
    assert last["jv_kz"] + last["jv_ru"] == len(model.ventures)
    firm = next(iter(by_type[Firm]))
    assert firm.region.country in {"KZ", "RU"}
    assert sum(firm.owners.values()) == pytest.approx(1.0)
    assert firm.productivity >= 1.0
    omsk = next(r for r in by_type[Region] if r.region_id == "ru-omsk")
    assert omsk.border and "kz-pavlodar" in omsk.neighbours


def test_same_seed_gives_identical_tables(small_spec):
    """Determinism: same inputs and seed, bit-identical tables."""
    a = run_one(small_spec, seed=11)
    b = run_one(small_spec, seed=11)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])


def test_different_seeds_differ(small_spec):
    """Different seeds give different histories."""
    a = run_one(small_spec, seed=1)["model"]
    b = run_one(small_spec, seed=2)["model"]
    assert not a["turnover_usd_bn"].equals(b["turnover_usd_bn"])
    assert not a["jv_kz"].equals(b["jv_kz"])


def test_replicates_have_distinct_seeds_from_one_master(small_results):
    """Replicate seeds derive from the master seed and are recorded."""
    model = small_results.model
    assert sorted(model.replicate.unique()) == [0, 1]
    seeds = model.groupby("replicate").seed.first()
    assert seeds.nunique() == 2
    assert small_results.meta["replicate_seeds"] == list(seeds)
    assert small_results.meta["master_seed"] == 7


def test_model_table_has_the_documented_columns(small_results):
    """The model table carries every column the outputs promise."""
    expected = {
        "replicate", "seed", "year", "regime", "turnover_usd_bn", "kz_exports_to_ru_usd_bn",
        "kz_imports_from_ru_usd_bn", "kz_exports_usd_bn", "kz_imports_usd_bn", "ru_exports_usd_bn",
        "ru_imports_usd_bn", "kz_gdp_usd_bn", "ru_gdp_usd_bn", "ru_share_of_kz_imports",
        "interregional_share", "border_region_share", "shadow_share", "jv_kz", "jv_kz_russian",
        "jv_kz_russian_share", "jv_ru", "agreements", "linked_ru_regions", "firms",
        "exporters_cross_border",
    }  # fmt: skip
    assert expected <= set(small_results.model.columns)
    assert len(small_results.model) == 2 * 25


@pytest.mark.slow
def test_money_does_not_depend_on_the_number_of_firm_agents():
    """--firms is a resolution: US$ figures agree across firm counts (replicate means).

    Within about a tenth from 5,000 agents up: a joint venture ties a whole agent, so coarser
    agents tie more firm mass (see the README and the ODD).
    """
    means = {}
    for n in (5000, 20000):
        model = run(resolve_spec("historical", {"n_firms": n}), seed=5, replicates=3).model
        late = model[model.year.between(2008, 2015)]
        means[n] = late[["turnover_usd_bn", "kz_imports_from_cn_usd_bn"]].mean()
    ratio = means[20000] / means[5000]
    assert np.all(np.abs(ratio - 1.0) < 0.15), ratio


def test_magnitudes_are_those_of_the_national_statistics(small_results):
    """GDP is the data's; goods trade relative to GDP is in the range the statistics show."""
    model = small_results.model
    y2010 = model[model.year == 2010]
    assert y2010.kz_gdp_usd_bn.mean() == pytest.approx(148.047, rel=1e-6)  # World Bank
    assert y2010.ru_gdp_usd_bn.mean() == pytest.approx(1524.916, rel=1e-6)
    late = model[model.year.between(2005, 2014)]
    for country in ("kz", "ru"):
        exports = late[f"{country}_exports_usd_bn"] / late[f"{country}_gdp_usd_bn"]
        imports = late[f"{country}_imports_usd_bn"] / late[f"{country}_gdp_usd_bn"]
        # WDI: exports 25-55% of GDP, imports 14-31% in these years; a goods surplus each year.
        assert exports.between(0.15, 0.65).all(), country
        assert imports.between(0.07, 0.45).all(), country
        assert (exports > imports).all(), country


def test_tables_too_long_for_a_spreadsheet_get_no_csv(tmp_path, monkeypatch):
    """A table over a spreadsheet's rows is written as Parquet only, and meta.json says so."""
    import json

    from sim import runner

    monkeypatch.setattr(runner, "SPREADSHEET_ROWS", 5)
    tables = {"small": pd.DataFrame({"a": range(3)}), "flows": pd.DataFrame({"a": range(9)})}
    files = {p.name for p in runner.write_outputs(tables, {}, tmp_path / "out", fmt="csv")}
    assert files == {"small.csv", "flows.parquet", "meta.json"}
    assert json.loads((tmp_path / "out" / "meta.json").read_text())["parquet_only"] == ["flows"]
