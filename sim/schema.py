"""The output schema: every column of every table a run writes, declared once.

Each column has its table, unit, a short label (for figures, the app and reports) and its
definition. The tables `sim.reporting` builds have exactly these columns in this order (a test
checks it); `docs/outputs.md` carries the definitions as tables generated from here
(`python -m sim.schema docs/outputs.md` rewrites them; a test keeps them identical); compare,
the figures, the app, sweep outputs and calibration targets take names, labels and units from
here.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Column:
    """One column of an output table."""

    name: str
    unit: str
    label: str
    definition: str  # Markdown, as printed in docs/outputs.md


@dataclass(frozen=True)
class Table:
    """One output table: its name, what a row is, and its columns after the run columns."""

    name: str
    rows: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, the run columns (`scenario`, `replicate`, `seed`, `draw`) first."""
        return tuple(c.name for c in (*RUN_COLUMNS, *self.columns))

    def column(self, name: str) -> Column:
        """The column called `name`; a KeyError lists the table's columns."""
        for c in (*RUN_COLUMNS, *self.columns):
            if c.name == name:
                return c
        raise KeyError(f"{name!r} is not a column of the {self.name} table; columns: {self.names}")


YEAR = Column("year", "calendar year", "Year", "the simulated year")

RUN_COLUMNS = (
    Column(
        "scenario",
        "string",
        "Scenario",
        "name of the scenario that was run (for example `historical`)",
    ),
    Column("replicate", "int", "Replicate", "index of the replicate, 0 … *replicates* − 1"),
    Column("seed", "int", "Seed", 'the seed this replicate was run with (see "Seeds" below)'),
    Column(
        "draw",
        "int",
        "Posterior draw",
        "the posterior draw whose parameters the run took (`calibration/posterior.parquet`, "
        "with `--posterior`), −1 for the calibrated point",
    ),
)

TABLES: dict[str, Table] = {
    "model": Table(
        "model",
        "one row per replicate and year",
        (
            YEAR,
            Column(
                "regime",
                "name",
                "Regime in force",
                (
                    "the regime of the scenario timeline in force for the largest part of the "
                    "year. A year split between two regimes is simulated with time-weighted "
                    "levers (see `lever_*`). This label only names the dominant one. Ties go to "
                    "the earlier regime"
                ),
            ),
            Column(
                "turnover_usd_bn",
                "US$ bn",
                "Recorded Russia–Kazakhstan turnover",
                (
                    "**recorded** Russia–Kazakhstan turnover: the sum of recorded flows from "
                    "every Kazakh region to every Russian region and from every Russian region to"
                    " every Kazakh region. Equals `kz_exports_to_ru_usd_bn + "
                    "kz_imports_from_ru_usd_bn`"
                ),
            ),
            Column(
                "turnover_total_usd_bn",
                "US$ bn",
                "Russia–Kazakhstan turnover incl. unrecorded",
                (
                    "the same turnover **including unrecorded** goods trade: goods plus "
                    "commodities, both directions"
                ),
            ),
            Column(
                "kz_exports_to_ru_usd_bn",
                "US$ bn",
                "Kazakh exports to Russia",
                "recorded flows from Kazakh regions to Russian regions",
            ),
            Column(
                "kz_imports_from_ru_usd_bn",
                "US$ bn",
                "Kazakh imports from Russia",
                "recorded flows from Russian regions to Kazakh regions",
            ),
            Column(
                "kz_exports_usd_bn",
                "US$ bn",
                "Kazakhstan's recorded exports",
                (
                    "Kazakhstan's recorded exports to Russia and the three partners (the model's "
                    "counterpart of WDI merchandise exports)"
                ),
            ),
            Column(
                "kz_imports_usd_bn",
                "US$ bn",
                "Kazakhstan's recorded imports",
                (
                    "Kazakhstan's recorded imports from Russia and the three partners, at "
                    "producer prices (tariffs excluded)"
                ),
            ),
            Column(
                "kz_imports_from_cn_usd_bn",
                "US$ bn",
                "Kazakh imports from China",
                "flows from China to Kazakh regions (all recorded)",
            ),
            Column(
                "kz_imports_from_eu_usd_bn",
                "US$ bn",
                "Kazakh imports from the European Union",
                "flows from the European Union to Kazakh regions",
            ),
            Column(
                "kz_imports_from_row_usd_bn",
                "US$ bn",
                "Kazakh imports from the rest of the world",
                "flows from the rest of the world to Kazakh regions",
            ),
            Column(
                "ru_exports_usd_bn",
                "US$ bn",
                "Russia's recorded exports",
                "Russia's recorded exports to Kazakhstan and the three partners",
            ),
            Column(
                "ru_imports_usd_bn",
                "US$ bn",
                "Russia's recorded imports",
                "Russia's recorded imports from Kazakhstan and the three partners",
            ),
            Column(
                "kz_gdp_usd_bn",
                "US$ bn",
                "Kazakhstan's GDP",
                (
                    "Kazakhstan's GDP this year: the input data after any scenario adjustment "
                    "(not a model result)"
                ),
            ),
            Column("ru_gdp_usd_bn", "US$ bn", "Russia's GDP", "Russia's GDP, likewise"),
            Column(
                "ru_share_of_kz_imports",
                "share (0–1)",
                "Russia's share of Kazakhstan's imports",
                "`kz_imports_from_ru_usd_bn / kz_imports_usd_bn`",
            ),
            Column(
                "cn_share_of_kz_imports",
                "share (0–1)",
                "China's share of Kazakhstan's imports",
                "`kz_imports_from_cn_usd_bn / kz_imports_usd_bn`",
            ),
            Column(
                "eu_share_of_kz_imports",
                "share (0–1)",
                "The EU's share of Kazakhstan's imports",
                "`kz_imports_from_eu_usd_bn / kz_imports_usd_bn`",
            ),
            Column(
                "cn_share_of_kz_exports",
                "share (0–1)",
                "China's share of Kazakhstan's exports",
                "Kazakhstan's exports to China over `kz_exports_usd_bn`",
            ),
            Column(
                "eu_share_of_kz_exports",
                "share (0–1)",
                "The EU's share of Kazakhstan's exports",
                "Kazakhstan's exports to the European Union over `kz_exports_usd_bn`",
            ),
            Column(
                "cn_share_of_ru_imports",
                "share (0–1)",
                "China's share of Russia's imports",
                "Russia's imports from China over `ru_imports_usd_bn`",
            ),
            Column(
                "eu_share_of_ru_imports",
                "share (0–1)",
                "The EU's share of Russia's imports",
                "Russia's imports from the European Union over `ru_imports_usd_bn`",
            ),
            Column(
                "kz_commodity_exports_usd_bn",
                "US$ bn",
                "Kazakhstan's commodity exports",
                (
                    "Kazakhstan's commodity exports (fuels, ores and metals) to all destinations:"
                    " the input data (WDI shares × merchandise exports, after any oil-price "
                    "adjustment)"
                ),
            ),
            Column(
                "ru_commodity_exports_usd_bn",
                "US$ bn",
                "Russia's commodity exports",
                "Russia's, likewise",
            ),
            Column(
                "commodity_turnover_usd_bn",
                "US$ bn",
                "Russia–Kazakhstan commodity turnover",
                (
                    "commodity flows between Kazakh and Russian regions, both directions (part of"
                    " `turnover_usd_bn`)"
                ),
            ),
            Column(
                "oil_price_usd_bbl",
                "US$ per barrel",
                "Oil price (Brent)",
                (
                    "Brent price of the year, annual mean, after any scenario adjustment "
                    "(reported; commodity values already contain it)"
                ),
            ),
            Column(
                "interregional_share",
                "share (0–1)",
                "Share of turnover between regions linked by agreements",
                (
                    "share of recorded Russia–Kazakhstan turnover that flows between region pairs"
                    " (a Russian region and a Kazakh region) **linked by at least one active "
                    "cooperation agreement** at the end of the year. Numerator: the sum over "
                    "linked pairs of the pair's recorded turnover (goods and commodities), both "
                    "directions. Denominator: `turnover_usd_bn`. 0 when there is no turnover. "
                    "This is the model's measure of the paper's \"more than 70 %\" (Discussion and "
                    "Conclusion)"
                ),
            ),
            Column(
                "border_region_share",
                "share (0–1)",
                "Share of turnover with a Russian border region",
                (
                    "share of recorded Russia–Kazakhstan turnover (both directions) with **one of"
                    " the 12 Russian border regions at the Russian end**. The Kazakh end may be "
                    "any Kazakh region. The 12 are Astrakhan, Volgograd, Saratov, Samara, "
                    "Orenburg, Chelyabinsk, Kurgan, Tyumen, Omsk and Novosibirsk oblasts, Altai "
                    "Krai and the Altai Republic (flag `border` in the region data). This is the "
                    "model's measure of the paper's \"about 50 %\" (Discussion and Conclusion)"
                ),
            ),
            Column(
                "shadow_share",
                "share (0–1)",
                "Unrecorded share of goods trade",
                (
                    'unrecorded share of Russia–Kazakhstan goods trade this year (ODD, "Shadow '
                    'trade")'
                ),
            ),
            Column(
                "jv_kz",
                "count (real)",
                "Joint ventures in Kazakhstan",
                (
                    "active joint ventures located in Kazakhstan at the end of the year, with "
                    "foreign capital from Russia or from third countries: `jv_kz_russian + "
                    "jv_kz_row`"
                ),
            ),
            Column(
                "jv_kz_russian",
                "count",
                "Joint ventures in Kazakhstan with Russian capital",
                "of those, ventures with Russian capital",
            ),
            Column(
                "jv_kz_row",
                "count",
                "Joint ventures in Kazakhstan with third-country capital",
                (
                    "of those, ventures with third-country capital (China, the EU and the rest of"
                    " the world pooled: the sources give no split)"
                ),
            ),
            Column(
                "jv_kz_russian_share",
                "share (0–1)",
                "Share of Kazakh joint ventures with Russian capital",
                (
                    "`jv_kz_russian / (jv_kz_russian + jv_kz_row)`, i.e. `jv_kz_russian / jv_kz`,"
                    " and 0 when `jv_kz` is 0. The paper's 85 % (1,790 of about 2,100)"
                ),
            ),
            Column(
                "jv_ru",
                "count",
                "Joint ventures in Russia with Kazakh capital",
                (
                    "active joint ventures located in Russia with Kazakh capital at the end of "
                    "the year. Russia's ventures with third-country capital are not modelled"
                ),
            ),
            Column(
                "jv_founded",
                "count",
                "Joint ventures founded",
                (
                    "ventures founded this year in both countries, with all capital origins: the "
                    "Poisson draws plus protocols of intent converted into ventures"
                ),
            ),
            Column(
                "jv_dissolved",
                "count",
                "Joint ventures ended",
                (
                    "ventures that ended this year, in both countries and with all capital "
                    "origins: those dissolved by the dissolution hazard, **plus** those closed "
                    "because their host firm exited (at the start of the year, in firm "
                    "demography). So stocks and flows add up: `jv_kz + jv_ru` of year *t* equals "
                    "that of *t* − 1 plus `jv_founded` minus `jv_dissolved` of *t* (every venture"
                    " is either in Kazakhstan with Russian or third-country capital, or in Russia"
                    " with Kazakh capital)"
                ),
            ),
            Column(
                "agreements",
                "count (real)",
                "Active interregional agreements",
                (
                    "active interregional cooperation agreements at the end of the year, summed "
                    "over all (Russian region, Kazakh region) pairs. A pair may hold several "
                    "agreements, so this can exceed the number of linked pairs. The paper's \"more"
                    ' than 250"'
                ),
            ),
            Column(
                "agreements_signed",
                "count",
                "Agreements signed",
                "agreements signed this year: every pair's Poisson draw, and those signed on "
                "border regions' own proposals (a scenario's `[[decisions]]`, ODD S18)",
            ),
            Column(
                "agreements_lapsed",
                "count",
                "Agreements lapsed",
                (
                    "agreements that lapsed this year (each agreement active at the start of the "
                    "year lapses with the lapse hazard). `agreements` of year *t* equals that of "
                    "*t* − 1 plus `agreements_signed` minus `agreements_lapsed`"
                ),
            ),
            Column(
                "linked_ru_regions",
                "count",
                "Russian regions with a Kazakh partner",
                (
                    "Russian regions with at least one active agreement with at least one Kazakh "
                    "region (the paper's 76 Russian regions)"
                ),
            ),
            Column(
                "linked_kz_regions",
                "count",
                "Kazakh regions with a Russian partner",
                "Kazakh regions with at least one active agreement with a Russian region",
            ),
            Column(
                "firms",
                "agents",
                "Active firm agents",
                (
                    "active Kazakh and Russian firm agents: those that sold in at least one "
                    "market this year (their own region included)"
                ),
            ),
            Column(
                "firms_entered",
                "agents",
                "Entrant firm agents",
                (
                    "entrant firm agents this year (weighted). The agent population is fixed, so "
                    "every exit is replaced by an entrant, but an entrant's weight is drawn "
                    "afresh, so this differs from `firms_exited` (equal at `tail_oversampling` = "
                    "0). 0 in the first year"
                ),
            ),
            Column(
                "firms_exited",
                "agents",
                "Exiting firm agents",
                (
                    "firm agents (weighted) that exited at the start of this year, either because"
                    " they sold nowhere last year or through the exogenous exit hazard"
                ),
            ),
            Column(
                "exporters_cross_border",
                "agents",
                "Firm agents selling across the border",
                (
                    "Kazakh and Russian firm agents that sell in at least one region of the "
                    "**other** country this year (through their own productivity or a "
                    "joint-venture tie). Sales to the partners do not count"
                ),
            ),
            Column(
                "exporter_share",
                "share (0–1)",
                "Share of firm agents selling across the border",
                "`exporters_cross_border / firms`, and 0 when `firms` is 0",
            ),
            Column(
                "forums",
                "count",
                "Forums held",
                (
                    "forums held this year in the scenario's forum schedule (meetings of heads "
                    "and business forums)"
                ),
            ),
            Column(
                "forum_participants",
                "persons",
                "Business forum participants",
                (
                    "business people attending this year's business forums (the scenario input "
                    "`participants`, summed over the business forums held; a forum whose "
                    "attending regions have no active firms allocates nobody and is left out)"
                ),
            ),
            Column(
                "forum_protocols",
                "count",
                "Protocols of intent signed at forums",
                (
                    "protocols of intent for joint ventures signed at this year's business forums"
                    " (the paper's 46 at Uralsk 2003)"
                ),
            ),
            Column(
                "lever_mutual_tariff",
                "fraction",
                "Mutual tariff",
                "tariff on Russia–Kazakhstan trade in force this year",
            ),
            Column(
                "lever_mutual_ntb",
                "fraction (ad-valorem equivalent)",
                "Non-tariff barriers on mutual trade",
                (
                    "non-tariff barriers on mutual trade (also paid by Kazakh trade that transits"
                    " Russia)"
                ),
            ),
            Column(
                "lever_border_formalities",
                "fraction (ad-valorem equivalent)",
                "Border formalities",
                (
                    "time and cost of customs formalities at the internal border (also paid in "
                    "transit)"
                ),
            ),
            Column(
                "lever_external_tariff_kz_cn",
                "fraction",
                "Kazakhstan's tariff on China",
                "Kazakhstan's average applied tariff on goods from China",
            ),
            Column(
                "lever_external_tariff_kz_eu",
                "fraction",
                "Kazakhstan's tariff on the EU",
                "Kazakhstan's average applied tariff on goods from the European Union",
            ),
            Column(
                "lever_external_tariff_kz_row",
                "fraction",
                "Kazakhstan's tariff on the rest of the world",
                "Kazakhstan's average applied tariff on goods from the rest of the world",
            ),
            Column(
                "lever_external_tariff_ru_cn",
                "fraction",
                "Russia's tariff on China",
                "Russia's average applied tariff on goods from China",
            ),
            Column(
                "lever_external_tariff_ru_eu",
                "fraction",
                "Russia's tariff on the EU",
                "Russia's average applied tariff on goods from the European Union",
            ),
            Column(
                "lever_external_tariff_ru_row",
                "fraction",
                "Russia's tariff on the rest of the world",
                "Russia's average applied tariff on goods from the rest of the world",
            ),
            Column(
                "lever_partner_tariff_cn",
                "fraction",
                "China's tariff on Kazakh and Russian goods",
                "average tariff China applies to Kazakh and Russian goods",
            ),
            Column(
                "lever_partner_tariff_eu",
                "fraction",
                "The EU's tariff on Kazakh and Russian goods",
                "average tariff the European Union applies to Kazakh and Russian goods",
            ),
            Column(
                "lever_partner_tariff_row",
                "fraction",
                "The rest of the world's tariff on Kazakh and Russian goods",
                "average tariff the rest of the world applies to Kazakh and Russian goods",
            ),
            Column(
                "lever_legal_framework",
                "index 0–1",
                "Legal framework",
                "quality of the legal framework for cross-border cooperation",
            ),
            Column(
                "lever_capital_mobility",
                "index 0–1",
                "Capital mobility",
                "freedom of capital movement between the two countries",
            ),
            Column(
                "lever_state_funding",
                "index (1 = reference)",
                "State funding",
                "state funding of cross-border programmes",
            ),
            Column(
                "lever_investment_attraction",
                "multiplier (1 = reference)",
                "Investment attraction",
                "attraction of foreign investment",
            ),
            Column(
                "lever_enforcement",
                "index 0–1",
                "Enforcement against unrecorded trade",
                "enforcement against unrecorded trade",
            ),
            Column(
                "lever_agreement_programme",
                "multiplier (1 = reference)",
                "Agreement programme",
                (
                    "push from national cooperation programmes toward signing interregional "
                    "agreements"
                ),
            ),
            Column(
                "lever_human_capital_exchange",
                "index 0–1",
                "Human capital exchange",
                (
                    "exchange of scientific, educational and human capital beyond its historical "
                    "level (0 in history)"
                ),
            ),
        ),
    ),
    "economy": Table(
        "economy",
        "one row per replicate, year and country",
        (
            YEAR,
            Column("country", "`KZ` / `RU` / `CN` / `EU` / `ROW`", "Country", "the country"),
            Column(
                "gdp_usd_bn",
                "US$ bn",
                "GDP",
                (
                    "Y: GDP, input data after any scenario adjustment (for `ROW`: the world less "
                    "the other four)"
                ),
            ),
            Column(
                "income_usd_bn",
                "US$ bn",
                "Income generated",
                (
                    "the income the model generates: `nontraded_usd_bn + commodity_exports_usd_bn"
                    " − commodity_inputs_usd_bn + goods_sales_usd_bn + tariff_revenue_usd_bn`"
                ),
            ),
            Column(
                "nontraded_usd_bn",
                "US$ bn",
                "Non-traded output",
                (
                    "N: output of the non-traded sector: services (WDI share of GDP) plus "
                    "construction, utilities and mining for home use where GDP leaves value added"
                    " for them (ODD S8)"
                ),
            ),
            Column(
                "commodity_exports_usd_bn",
                "US$ bn",
                "Commodity exports",
                (
                    "R: commodity exports. For `KZ` and `RU` the data (to all destinations); for "
                    "a partner, only its commodity sales to Kazakhstan and Russia (the partners' "
                    "commodity trade with each other is not separated from their goods)"
                ),
            ),
            Column(
                "commodity_imports_usd_bn",
                "US$ bn",
                "Commodity imports",
                (
                    "C: commodity imports. For `KZ` and `RU` the data; for a partner, only its "
                    "purchases from Kazakhstan and Russia"
                ),
            ),
            Column(
                "commodity_inputs_usd_bn",
                "US$ bn",
                "Commodity sector's goods inputs",
                (
                    "I: goods the commodity sector buys as inputs, where the gross value of "
                    "commodity exports exceeds the value added GDP leaves for them (ODD S8)"
                ),
            ),
            Column(
                "goods_spending_usd_bn",
                "US$ bn",
                "Spending on goods",
                (
                    "E = Y − B − N − C + I: spending on goods at buyers' prices (tariffs "
                    "included), shared among the country's markets by GDP share"
                ),
            ),
            Column(
                "goods_income_usd_bn",
                "US$ bn",
                "Goods value added",
                (
                    "Q: agriculture and manufacturing value added (WDI share of GDP), what the "
                    "country's goods firms must earn (their sales plus the tariffs collected at "
                    "home)"
                ),
            ),
            Column(
                "goods_sales_usd_bn",
                "US$ bn",
                "Goods firms' sales",
                (
                    "S: sales of the country's goods firms in every market, home included, at "
                    "producer prices, recorded or not"
                ),
            ),
            Column(
                "tariff_revenue_usd_bn",
                "US$ bn",
                "Tariff revenue",
                (
                    "TR: tariffs collected on the country's goods imports (tariff × flow at "
                    "producer prices)"
                ),
            ),
            Column(
                "exports_usd_bn",
                "US$ bn",
                "Exports (total)",
                "exports to the four other countries, goods and commodities, **total**",
            ),
            Column(
                "imports_usd_bn",
                "US$ bn",
                "Imports (total)",
                (
                    "imports from the four other countries, goods and commodities, total, at "
                    "producer prices"
                ),
            ),
            Column(
                "balance_target_usd_bn",
                "US$ bn",
                "Goods balance in the data",
                (
                    "B: the goods trade balance of the data (WDI merchandise exports less "
                    "imports; for `ROW` minus the sum of the other four, so the world's balances "
                    "add up to 0)"
                ),
            ),
            Column(
                "balance_usd_bn",
                "US$ bn",
                "Trade balance",
                "the model's balance: `exports_usd_bn − imports_usd_bn`",
            ),
            Column(
                "unit_cost",
                "US$ index",
                "Unit cost of goods",
                (
                    "w: the US$ unit cost of the country's goods, solved each year so that its "
                    "goods market clears (S13). `ROW`'s is its US$ price level (the numeraire)"
                ),
            ),
            Column(
                "price_level",
                "index (2010 = 1)",
                "Price level",
                (
                    "P: the US$ price level of GDP, nominal over real GDP (input data after any "
                    "scenario adjustment). Real goods output, and so the firm mass, is Q / P"
                ),
            ),
        ),
    ),
    "partners": Table(
        "partners",
        "one row per replicate, year, reporter and partner",
        (
            YEAR,
            Column("reporter", "`KZ` / `RU`", "Reporter", "the reporting country"),
            Column(
                "partner", "`KZ` / `RU` / `CN` / `EU` / `ROW`", "Partner", "the partner country"
            ),
            Column(
                "exports_usd_bn",
                "US$ bn",
                "Recorded exports",
                (
                    "recorded flows from the reporter's regions to the partner (its regions, or "
                    "its market)"
                ),
            ),
            Column(
                "imports_usd_bn",
                "US$ bn",
                "Recorded imports",
                "recorded flows from the partner to the reporter's regions",
            ),
            Column(
                "exports_commodities_usd_bn",
                "US$ bn",
                "Commodity exports",
                "the commodity part of `exports_usd_bn`",
            ),
            Column(
                "imports_commodities_usd_bn",
                "US$ bn",
                "Commodity imports",
                "the commodity part of `imports_usd_bn`",
            ),
        ),
    ),
    "regions": Table(
        "regions",
        "one row per replicate, year and region",
        (
            YEAR,
            Column("region_id", "id", "Region", "region key of the region data (`kz-…`, `ru-…`)"),
            Column("country", "`KZ` / `RU`", "Country", "country of the region"),
            Column(
                "border",
                "bool",
                "Border region",
                (
                    "True for the 7 Kazakh and 12 Russian regions with a land border with the "
                    "other country"
                ),
            ),
            Column(
                "gdp_usd_bn",
                "US$ bn, current",
                "Regional GDP",
                (
                    "the region's GDP this year: its country's GDP (input, after any scenario "
                    "adjustment) times the region's share of the country's 2010 economic size "
                    "(2010 GRP; Russian regions scaled so that they add up to Russia's GDP, see "
                    "the ODD, Input data). An input, not a model result"
                ),
            ),
            Column(
                "firms", "agents", "Active firm agents", "active firm agents based in the region"
            ),
            Column(
                "exporters_cross_border",
                "agents",
                "Firm agents selling across the border",
                (
                    "firm agents based in the region that sell in at least one region of the "
                    "other country"
                ),
            ),
            Column(
                "exports_cross_border_usd_bn",
                "US$ bn",
                "Recorded exports across the border",
                (
                    "**recorded** sales (goods and commodities) from this region to all regions "
                    "of the other country"
                ),
            ),
            Column(
                "imports_cross_border_usd_bn",
                "US$ bn",
                "Recorded imports across the border",
                "**recorded** purchases of this region from all regions of the other country",
            ),
            Column(
                "cross_border_turnover_usd_bn",
                "US$ bn",
                "Recorded cross-border turnover",
                (
                    "recorded cross-border turnover of the region: `exports_cross_border_usd_bn +"
                    " imports_cross_border_usd_bn`"
                ),
            ),
            Column(
                "exports_partners_usd_bn",
                "US$ bn",
                "Exports to the partners",
                (
                    "sales (goods and commodities) from this region to the three partners (all "
                    "recorded)"
                ),
            ),
            Column(
                "imports_partners_usd_bn",
                "US$ bn",
                "Imports from the partners",
                "purchases of this region from the three partners (all recorded)",
            ),
            Column(
                "agreements",
                "count",
                "Active agreements held",
                (
                    "active cooperation agreements this region holds at the end of the year: the "
                    "sum, over its pairs with the regions of the other country, of each pair's "
                    "number of agreements. A pair may hold several, so this is not the number of "
                    "partner regions"
                ),
            ),
            Column(
                "jv_hosted",
                "count",
                "Joint ventures hosted",
                "active joint ventures located in the region, with any capital origin",
            ),
        ),
    ),
    "flows": Table(
        "flows",
        "one row per replicate, year and ordered pair of markets",
        (
            YEAR,
            Column("origin", "id", "Origin", "selling market (a region id, or `cn`, `eu`, `row`)"),
            Column("destination", "id", "Destination", "buying market"),
            Column(
                "distance_km",
                "km",
                "Distance",
                (
                    "the distance the model uses for the pair (ODD, S6): great-circle distance "
                    "between regional centres; to or from a partner, the shortest route through "
                    "one of its gateway regions (plus `row_distance_km` for the rest of the "
                    "world); never below `internal_distance_km`"
                ),
            ),
            Column(
                "goods_usd_bn",
                "US$ bn",
                "Goods flow incl. unrecorded",
                "goods flow at producer prices, **including unrecorded** trade",
            ),
            Column(
                "commodities_usd_bn",
                "US$ bn",
                "Commodity flow",
                (
                    "commodity flow (fuels, ores and metals). Nonzero only from a Kazakh region "
                    "to a Russian region or a partner, from a Russian region to a Kazakh region "
                    "or a partner, and from a partner to a Kazakh or Russian region (ODD, S7)"
                ),
            ),
            Column("total_usd_bn", "US$ bn", "Total flow", "`goods_usd_bn + commodities_usd_bn`"),
            Column(
                "recorded_usd_bn",
                "US$ bn",
                "Recorded flow",
                (
                    "recorded part: `goods_usd_bn × (1 − shadow_share) + commodities_usd_bn` for "
                    "Russia–Kazakhstan pairs, equal to `total_usd_bn` for every other pair"
                ),
            ),
            Column(
                "agreement",
                "bool",
                "Linked by an agreement",
                (
                    "True if the two regions are a Russian and a Kazakh region linked by at least"
                    " one active cooperation agreement at the end of the year. It is the same in "
                    "both directions and always False for domestic pairs and pairs with a partner"
                ),
            ),
        ),
    ),
    "ventures": Table(
        "ventures",
        "one row per replicate, year, location and capital origin",
        (
            YEAR,
            Column(
                "location",
                "id",
                "Location",
                "region where the ventures operate (the host firm's region)",
            ),
            Column(
                "location_country", "`KZ` / `RU`", "Country of location", "country of the location"
            ),
            Column(
                "capital_origin",
                "`KZ` / `RU` / `ROW`",
                "Capital origin",
                (
                    "country of the foreign investor: `RU` or `ROW` for ventures in Kazakhstan, "
                    "`KZ` for ventures in Russia. `ROW` stands for all third countries (China, "
                    "the EU and the rest of the world, pooled)"
                ),
            ),
            Column(
                "active",
                "count",
                "Active joint ventures",
                "ventures active at the end of the year, including those founded this year",
            ),
            Column("founded", "count", "Founded", "ventures founded this year"),
            Column(
                "dissolved",
                "count",
                "Ended",
                (
                    "ventures that ended this year: dissolved by the dissolution hazard, or "
                    "closed because their host firm exited (see `model.jv_dissolved`)"
                ),
            ),
        ),
    ),
}

# The outcomes a run's summary and a comparison of scenarios report.
KEY_OUTCOMES = (
    "turnover_usd_bn",
    "kz_exports_to_ru_usd_bn",
    "kz_imports_from_ru_usd_bn",
    "kz_imports_usd_bn",
    "kz_imports_from_cn_usd_bn",
    "kz_imports_from_eu_usd_bn",
    "ru_share_of_kz_imports",
    "interregional_share",
    "border_region_share",
    "jv_kz",
    "jv_kz_russian_share",
    "agreements",
    "linked_ru_regions",
)


def column(name: str, table: str = "model") -> Column:
    """A column of a table (by default the `model` table)."""
    return TABLES[table].column(name)


def numeric_columns(table: str = "model") -> tuple[str, ...]:
    """The columns of a table that hold numbers to analyse (not ids, names, flags or years)."""
    keep = ("US$", "share", "count", "agents", "fraction", "index", "multiplier", "persons", "km")
    return tuple(c.name for c in TABLES[table].columns if c.unit.startswith(keep))


def axis_label(name: str, table: str = "model") -> str:
    """The unit of a column as an axis label (money columns say they are current US$)."""
    unit = column(name, table).unit
    return "US$ bn (current)" if unit == "US$ bn" else unit


def markdown(table: str) -> str:
    """The Markdown table of a table's columns, as docs/outputs.md prints it."""
    rows = ["| column | unit | definition |", "| --- | --- | --- |"]
    columns = RUN_COLUMNS if table == "run" else TABLES[table].columns
    rows += [f"| `{c.name}` | {c.unit} | {c.definition} |" for c in columns]
    return "\n".join(rows)


BLOCK = re.compile(r"(<!-- columns: (\w+) -->\n)(.*?)(\n<!-- end columns -->)", re.DOTALL)


def render(text: str) -> str:
    """`text` with every marked block of columns rewritten from the schema."""
    return BLOCK.sub(lambda m: m.group(1) + markdown(m.group(2)) + m.group(4), text)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        path = Path(arg)
        path.write_text(render(path.read_text()))
