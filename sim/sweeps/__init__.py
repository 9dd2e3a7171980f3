"""Sensitivity sweeps: SALib designs run on the executor, recorded in a resumable run ledger.

A sweep varies some parameters of a scenario over the ranges of a parameters file, runs every
design point over the same replicate seeds and records every run in the ledger; the analysis
reads the ledger alone. One module per verb, as in SALib (sample / analyze / plotting):

- `sim.sweeps.spec`: the parameters file (what to vary, the outputs to analyse), checked;
- `sim.sweeps.design`: the SALib designs (``morris``, ``sobol``, ``lhs``, ``grid``);
- `sim.sweeps.run`: plan every run and execute what the ledger lacks (`sweep`, `plan_sweep`);
- `sim.sweeps.store`: the sweep's folder: the ledger, `runs.parquet` and each run's series;
- `sim.sweeps.analyse`: Morris and Sobol indices and the seed-to-seed noise;
- `sim.sweeps.report`: the figures and `report.md` (`build_report`).

`transfrontier sweep` runs `sim.sweeps.run.sweep` and `transfrontier sweep-report`
`sim.sweeps.report.build_report`. Nothing is imported here, so that running a sweep does not
load the report's plotting library.
"""
