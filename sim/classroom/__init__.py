"""The classroom: a class's "what if" on a shipped scenario, the model it runs, what it shows.

- `sim.classroom.controls`: the controls and the scenario a setting of them makes (`what_if`);
- `sim.classroom.model`: `ClassroomModel`, the model built from the controls;
- `sim.classroom.tables`: the run so far beside the paper and the trade record;
- `sim.classroom.figures`: the live time-path chart and the map.

Nothing here imports Solara or the widgets; the page that shows all of it is `sim.app`.
"""
