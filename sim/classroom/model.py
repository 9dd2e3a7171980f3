"""The model a class runs: the Transfrontier model built from the classroom's controls."""

from __future__ import annotations

from sim.classroom.controls import DEFAULT_SCENARIO, ClassSettings, class_spec, scenario_toml
from sim.model import TransfrontierModel
from sim.scenario import TransfrontierScenario


class ClassroomModel(TransfrontierModel):
    """The Transfrontier model built from the app's controls.

    Args:
        scenario: Ignored; accepted because SolaraViz's Reset passes an empty Mesa scenario.
        scenario_name: The shipped scenario the class starts from.
        customs_union_year: Start year of the Customs Union track (end year + 1: never).
        internal_controls_removed: Whether the July 2011 step happens.
        policy_year: First year in which moved lever sliders hold their levers.
        forums: One of `FORUM_CHOICES`.
        seed: Seed of the run.
        n_firms: Number of firm agents (default: the scenario's).
        mutual_ntb: Slider value of the lever of that name (likewise `border_formalities`,
            `legal_framework`, `state_funding`, `investment_attraction` and `enforcement`);
            None or the scenario's own final value leaves it unchanged.
        external_tariff_kz: Slider value of Kazakhstan's tariff on all three partners
            (`LEVER_GROUPS`); None or the mean of the three at the end of the scenario leaves
            them unchanged.
    """

    def __init__(
        self,
        scenario: TransfrontierScenario | None = None,
        *,
        scenario_name: str = DEFAULT_SCENARIO,
        customs_union_year: int | None = None,
        internal_controls_removed: bool | None = None,
        policy_year: int | None = None,
        forums: str = "as scheduled",
        seed: int = 0,
        n_firms: int | None = None,
        mutual_ntb: float | None = None,
        external_tariff_kz: float | None = None,
        border_formalities: float | None = None,
        legal_framework: float | None = None,
        state_funding: float | None = None,
        investment_attraction: float | None = None,
        enforcement: float | None = None,
    ):
        self.settings = ClassSettings.from_controls(
            scenario_name,
            customs_union_year=customs_union_year,
            internal_controls_removed=internal_controls_removed,
            policy_year=policy_year,
            forums=forums,
            seed=seed,
            n_firms=n_firms,
            mutual_ntb=mutual_ntb,
            external_tariff_kz=external_tariff_kz,
            border_formalities=border_formalities,
            legal_framework=legal_framework,
            state_funding=state_funding,
            investment_attraction=investment_attraction,
            enforcement=enforcement,
        )
        self.scenario_file = scenario_toml(self.settings)
        spec = class_spec(self.settings)
        super().__init__(TransfrontierScenario(spec=spec, rng=self.settings.seed))
