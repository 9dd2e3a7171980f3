"""The command line: outputs written, summaries printed, bad input refused cleanly."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import build_parser, main

TABLES = ("model", "regions", "flows", "ventures")


def test_run_writes_tables_meta_and_plots(tmp_path, capsys):
    """`transfrontier run` writes the four tables in both formats, meta.json and four PNGs."""
    out = tmp_path / "hist"
    code = main(["run", "--seed", "3", "--replicates", "2", "--firms", "800", "--out", str(out)])
    assert code == 0
    names = {p.name for p in out.iterdir()}
    for table in TABLES:
        assert {f"{table}.parquet", f"{table}.csv"} <= names
    assert {"turnover.png", "shares.png", "ventures.png", "agreements.png", "meta.json"} <= names
    meta = json.loads((out / "meta.json").read_text())
    assert meta["scenario"] == "historical"
    assert meta["master_seed"] == 3 and len(meta["replicate_seeds"]) == 2
    assert meta["parameters"]["n_firms"] == 800
    assert meta["resolved_scenario"]["regimes"][0]["name"] == "soviet_single_market"
    assert "package_version" in meta
    model = pd.read_parquet(out / "model.parquet")
    pd.testing.assert_frame_equal(model, pd.read_csv(out / "model.csv"), check_dtype=False)
    printed = capsys.readouterr().out
    assert "turnover_usd_bn" in printed and "2015" in printed


def test_format_choice_and_no_plots(tmp_path):
    """--format csv writes CSV only; --no-plots skips figures."""
    out = tmp_path / "csv"
    assert main(["run", "--firms", "500", "--format", "csv", "--no-plots", "--quiet",
                 "--out", str(out)]) == 0  # fmt: skip
    names = {p.name for p in out.iterdir()}
    assert "model.csv" in names and "model.parquet" not in names
    assert not any(n.endswith(".png") for n in names)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "nosuch"], "unknown scenario 'nosuch'"),
        (
            ["run", "--set", "sigma=99"],
            "[parameters.sigma]: value 99 out of range; allowed [1.5, 10]",
        ),
        (["run", "--set", "sigmaa=3"], "did you mean 'sigma'"),
        (["run", "--set", "sigma"], "expected KEY=VALUE"),
        (["run", "--set", "sigma=abc"], "is not a number"),
        (["run", "--firms", "50"], "[parameters.n_firms]: value 50 out of range"),
        (["calibrate", "--only", "sigma"], "[--only]: cannot search sigma; choose among"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, args, message):
    """A bad scenario, key or value: one clear line, exit 2, no output folder."""
    out = tmp_path / "out"
    assert main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_malformed_scenario_file_exits_2(tmp_path, capsys):
    """A malformed TOML file is named in the error."""
    bad = tmp_path / "bad.toml"
    bad.write_text("start_year = = 1991")
    out = tmp_path / "out"
    assert main(["run", str(bad), "--out", str(out)]) == 2
    assert "bad.toml: malformed TOML" in capsys.readouterr().err
    assert not out.exists()


def test_failure_while_writing_leaves_no_half_written_folder(tmp_path, monkeypatch):
    """If writing fails midway, neither the target nor a temporary folder is left."""
    import sim.plots

    def boom(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sim.plots, "save_plots", boom)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="disk full"):
        main(["run", "--firms", "500", "--quiet", "--out", str(out)])
    assert list(tmp_path.iterdir()) == []


def test_scenarios_lists_the_shipped_scenarios(capsys):
    """`transfrontier scenarios` prints name, period and question."""
    assert main(["scenarios"]) == 0
    assert re.search(r"^historical +1991-2015 +How did", capsys.readouterr().out, re.M)


def test_python_dash_m_sim_works():
    """`python -m sim --help` runs the same command line."""
    done = subprocess.run([sys.executable, "-m", "sim", "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    assert "transfrontier" in done.stdout and "run" in done.stdout


@pytest.mark.parametrize(
    "command",
    ["run", "compare", "scenarios", "calibrate", "report", "sweep", "sweep-report", "app"],
)
def test_every_command_has_its_help(command, capsys):
    """Each documented command is on the command line."""
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    assert "usage: transfrontier" in capsys.readouterr().out


# --- Start-up: the parser imports nothing of the model stack ------------------------------------

MODEL_STACK = ("numpy", "pandas", "mesa", "matplotlib", "dask", "optuna", "SALib", "solara")
PROBE = """
import json, sys
from sim.cli import main
try:
    main(sys.argv[1:])
finally:
    stack = {stack!r}
    print("LOADED " + json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in stack)))
"""


@pytest.mark.parametrize(
    ("args", "code", "error"),
    [
        (["--help"], 0, None),
        (["sweep", "--help"], 0, None),
        (["--bogus"], 2, "transfrontier: error: the following arguments are required: command"),
        (["run", "--verbose"], 2, "transfrontier: error: unrecognized arguments: --verbose"),
        (["run", "--seed", "x"], 2, "transfrontier run: error: argument --seed: invalid"),
        (["compare", "historical", "--format", "xls"], 2, "argument --format: invalid choice"),
        (["sweep", "--design", "fast"], 2, "argument --design: invalid choice: 'fast'"),
    ],
)
def test_help_and_argument_errors_import_no_model_stack(args, code, error):
    """`--help` and a bad option answer without importing NumPy, pandas, Mesa, dask, ..."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(stack=MODEL_STACK), *args],
        capture_output=True,
        text=True,
    )
    assert done.returncode == code, done.stderr
    loaded = next(line for line in done.stdout.splitlines() if line.startswith("LOADED "))
    assert json.loads(loaded.removeprefix("LOADED ")) == []
    if error is None:
        assert done.stdout.startswith("usage: transfrontier") and not done.stderr
    else:
        lines = done.stderr.strip().splitlines()
        assert lines[0].startswith("usage: transfrontier")
        assert error in lines[-1] and sum("error:" in line for line in lines) == 1


def test_the_sweep_commands_parse_with_the_execution_options():
    """`sweep` and `sweep-report` take their options and the CLI's execution options."""
    parser = build_parser()
    args = parser.parse_args(["sweep", "--design", "lhs", "--params", "p.toml", "--samples",
                              "4", "--replicates", "3", "--scheduler", "tcp://127.0.0.1:8786",
                              "--resume"])  # fmt: skip
    assert (args.design, args.samples, args.replicates) == ("lhs", 4, 3)
    assert args.scheduler == "tcp://127.0.0.1:8786" and args.resume and args.workers is None
    assert parser.parse_args(["sweep-report", "results/x"]).folder == Path("results/x")
    base = ["sweep", "--design", "morris", "--params", "p", "--samples", "2", "--replicates", "2"]
    for bad in (["--workers", "0"], ["--design", "fast"], ["--samples", "-1"]):
        with pytest.raises(SystemExit):
            parser.parse_args(base + bad)


def test_sim_run_is_looked_up_lazily():
    """`import sim` alone stays light; `sim.run` and friends are those of `sim.runner`."""
    probe = "import sys, sim; print(sorted(m for m in {s!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", probe.format(s=("sim.runner", *MODEL_STACK))],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr
    import sim
    from sim import runner

    assert (sim.run, sim.run_one, sim.Results) == (runner.run, runner.run_one, runner.Results)
    assert {"run", "run_one", "Results"} <= set(dir(sim))
    with pytest.raises(AttributeError, match="no attribute 'nosuch'"):
        sim.nosuch  # noqa: B018
