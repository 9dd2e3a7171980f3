"""Command line: `transfrontier` with run, compare, scenarios, calibrate, report, sweeps, app.

And `class`, a class session (`python -m sim` works too).

A thin layer over `sim.runner`: it parses arguments, runs, writes and prints a summary. Every
bad input ends with one line naming the file, key and allowed range, and exit status 2.

The parser is built from the standard library, `sim.errors`, `sim.choices` and `sim.i18n`
alone: the model stack (NumPy, pandas, Mesa, dask, Optuna, Matplotlib, SALib) is imported by
each command's handler when it runs, so `--help` and argument errors answer at once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.choices import DESIGNS, FORMATS
from sim.errors import InputError
from sim.i18n import LANGUAGES


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse `KEY=VALUE` with a TOML value (number, boolean, string)."""
    import tomllib

    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise InputError(f"expected KEY=VALUE, got {text!r}", source="--set")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"value {value!r} is not a number", source="--set", key=key) from exc
    return key.strip(), parsed


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `transfrontier` command."""
    parser = argparse.ArgumentParser(
        prog="transfrontier",
        description="Agent-based simulation of Kazakhstan–Russia cross-border cooperation.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run_p = sub.add_parser("run", help="run a scenario and write its tables and plots")
    run_p.set_defaults(handler=cmd_run)
    run_p.add_argument(
        "scenario",
        nargs="?",
        default="historical",
        help="shipped scenario name or path to a TOML file (default: historical)",
    )
    run_p.add_argument("--seed", type=_non_negative, default=0, help="master seed (default 0)")
    run_p.add_argument("--replicates", type=_positive, default=1, help="number of replicates")
    run_p.add_argument(
        "--firms",
        type=_positive,
        default=None,
        help="number of firm agents (default: the scenario's n_firms)",
    )
    run_p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default results/<scenario>-s<seed>[x<replicates>])",
    )
    run_p.add_argument(
        "--format", choices=FORMATS, default="both", help="table format (default both)"
    )
    run_p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a structural parameter (repeatable)",
    )
    _posterior_option(run_p, "run")
    run_p.add_argument("--no-plots", action="store_true", help="skip the PNG figures")
    _language_option(run_p, "the figures' language")
    run_p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    _execution_options(run_p)

    cmp_p = sub.add_parser(
        "compare", help="run several scenarios over the same seeds and compare key outcomes"
    )
    cmp_p.set_defaults(handler=cmd_compare)
    cmp_p.add_argument("scenarios", nargs="+", help="names or paths; the first is the reference")
    cmp_p.add_argument("--replicates", type=_positive, default=20, help="replicates per scenario")
    cmp_p.add_argument("--seed", type=_non_negative, default=0, help="master seed (default 0)")
    cmp_p.add_argument(
        "--years",
        type=int,
        nargs="+",
        default=None,
        help="years to report (default 2009 2015 2030, where a scenario runs)",
    )
    cmp_p.add_argument("--firms", type=_positive, default=None, help="number of firm agents")
    _posterior_option(cmp_p, "run every scenario")
    cmp_p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a structural parameter in every scenario (repeatable)",
    )
    cmp_p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default results/compare-<names>-s<seed>x<replicates>)",
    )
    cmp_p.add_argument("--format", choices=FORMATS, default="both", help="table format")
    cmp_p.add_argument("--no-plots", action="store_true", help="skip the PNG figures")
    _language_option(cmp_p, "the figures' language")
    cmp_p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    _execution_options(cmp_p)

    sub.add_parser("scenarios", help="list the shipped scenarios").set_defaults(
        handler=cmd_scenarios
    )

    cal_p = sub.add_parser(
        "calibrate",
        help="fit the structural parameters to the paper's figures and the trade record",
        description="--method optuna (default) searches for one parameter set; --method "
        "posterior computes a posterior over the parameters with an emulator (sim.posterior) "
        "and writes calibration/posterior.parquet and its point summary.",
    )
    cal_p.set_defaults(handler=cmd_calibrate)
    cal_p.add_argument(
        "--method",
        choices=("optuna", "posterior"),
        default="optuna",
        help="optuna: a point estimate; posterior: draws from the posterior (default optuna)",
    )
    cal_p.add_argument("--trials", type=_positive, default=60, help="Optuna trials (default 60)")
    cal_p.add_argument(
        "--replicates", type=_positive, default=4, help="search seeds per trial, >= 2 (default 4)"
    )
    cal_p.add_argument(
        "--evaluation-seeds",
        type=_positive,
        default=20,
        help="fresh seeds for the best set's evaluation (default 20)",
    )
    cal_p.add_argument(
        "--profile-points",
        type=_non_negative,
        default=2,
        help="profile points each side of the optimum (default 2; 0 skips)",
    )
    cal_p.add_argument("--seed", type=_non_negative, default=0, help="master seed (default 0)")
    cal_p.add_argument(
        "--space",
        type=Path,
        default=None,
        help="search space file (default calibration/search.toml)",
    )
    cal_p.add_argument(
        "--only",
        default=None,
        metavar="NAMES",
        help="second stage: search only these comma-separated parameters of the space and "
        "hold the others at their values in calibration/calibrated.toml",
    )
    cal_p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="ledger and study folder (default results/calibration; with --method posterior, "
        "results/posterior)",
    )
    cal_p.add_argument(
        "--no-write",
        action="store_true",
        help="do not write calibration/calibrated.toml (nor, with --method posterior, "
        "calibration/posterior.parquet)",
    )
    cal_p.add_argument("--resume", action="store_true", help="continue the study in --out")
    post = cal_p.add_argument_group("--method posterior")
    post.add_argument(
        "--wave1", type=_positive, default=512, help="runs of the first design (power of 2)"
    )
    post.add_argument("--wave2", type=_positive, default=1024, help="runs of the second design")
    post.add_argument("--draws", type=_positive, default=1000, help="posterior draws written")
    post.add_argument(
        "--predictive", type=_non_negative, default=100, help="draws run through the model"
    )
    post.add_argument(
        "--recovery", type=_non_negative, default=3, help="known parameter sets recovered"
    )
    _execution_options(cal_p)

    rep_p = sub.add_parser("report", help="write the calibration report from the ledger")
    rep_p.set_defaults(handler=cmd_report)
    rep_p.add_argument(
        "--posterior",
        action="store_true",
        help="the posterior's report (posterior-report.md), from results/posterior by default",
    )
    rep_p.add_argument(
        "--ledger",
        type=Path,
        default=None,
        help="calibration folder (default results/calibration, or results/posterior)",
    )
    rep_p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="report folder (default <ledger>/report; with --posterior, <ledger>)",
    )

    _sweep_commands(sub)

    app_p = sub.add_parser("app", help="serve the teaching app in the browser (Ctrl-C to stop)")
    app_p.set_defaults(handler=cmd_app)
    app_p.add_argument("--host", default="127.0.0.1", help="address to serve on (default local)")
    app_p.add_argument("--port", type=_non_negative, default=8765, help="port; 0 picks a free one")
    _language_option(app_p, "the page's language when it opens (it has a switch)")

    class_p = sub.add_parser(
        "class",
        help="serve a class session: each student governs a border region (Ctrl-C to stop)",
    )
    class_p.set_defaults(handler=cmd_class)
    class_p.add_argument(
        "scenario", nargs="?", default="historical", help="shipped scenario name or TOML path"
    )
    class_p.add_argument("--seed", type=_non_negative, default=0, help="the run's seed (default 0)")
    class_p.add_argument("--firms", type=_positive, default=None, help="number of firm agents")
    class_p.add_argument(
        "--from-year", type=int, default=None, help="first year the class decides (default 2005)"
    )
    class_p.add_argument(
        "--host", default="127.0.0.1", help="address to serve on (default: this machine only)"
    )
    class_p.add_argument("--port", type=_non_negative, default=8800, help="port; 0 picks one")
    _language_option(class_p, "the pages' language when they open (they have a switch)")
    class_p.add_argument(
        "--max-students", type=_positive, default=60, help="how many may join (default 60)"
    )
    class_p.add_argument(
        "--out", type=Path, default=None, help="session folder (default results/class-<time>)"
    )
    class_p.add_argument(
        "--replay",
        type=Path,
        default=None,
        metavar="SESSION",
        help="run a saved class again (its session.json) and write its tables",
    )
    return parser


def _posterior_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--posterior",
        type=_positive,
        default=None,
        metavar="N",
        help=f"{what} over the first N posterior draws x the replicates "
        "(calibration/posterior.parquet): intervals then count parameter uncertainty",
    )


def _language_option(parser: argparse.ArgumentParser, what: str) -> None:
    # The choices are the catalogues present (sim.i18n), so a new one is offered at once.
    parser.add_argument(
        "--lang", choices=LANGUAGES, default=LANGUAGES[0], help=f"{what} (default en)"
    )


def _execution_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers",
        type=_positive,
        default=None,
        help="local worker processes (default: all cores for several runs)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:PORT",
        help="run on an existing dask scheduler instead of local processes",
    )


def _sweep_commands(sub: Any) -> None:
    """The `sweep` and `sweep-report` commands (`sim.sweeps` is imported only to run them)."""
    sw = sub.add_parser(
        "sweep", help="sensitivity sweep: a SALib design over PARAMS.toml (resumable)"
    )
    sw.add_argument("--design", choices=DESIGNS, required=True, help="experimental design")
    sw.add_argument(
        "--params",
        type=Path,
        required=True,
        metavar="PARAMS.toml",
        help="parameters and ranges to vary, outputs to analyse",
    )
    sw.add_argument(
        "--samples",
        type=_positive,
        required=True,
        help="morris: trajectories; sobol: base samples (a power of 2); lhs: points; "
        "grid: values per parameter",
    )
    sw.add_argument(
        "--replicates", type=_positive, required=True, help="seeds per design point (the same)"
    )
    sw.add_argument(
        "--scenario", default=None, help="scenario name or path (default: the file's, historical)"
    )
    sw.add_argument(
        "--seed", type=_non_negative, default=None, help="master seed (default: the file's, 0)"
    )
    sw.add_argument(
        "--out",
        type=Path,
        default=None,
        help="sweep folder (default results/sweep-<params stem>-<design>-s<seed>)",
    )
    sw.add_argument("--resume", action="store_true", help="continue the sweep in --out")
    _execution_options(sw)

    rep = sub.add_parser(
        "sweep-report", help="sensitivity indices, tables and plots from a sweep's ledger"
    )
    rep.add_argument("folder", type=Path, metavar="DIR", help="the sweep folder")
    rep.add_argument("--out", type=Path, default=None, help="report folder (default DIR/report)")
    sw.set_defaults(handler=cmd_sweep)
    rep.set_defaults(handler=cmd_sweep_report)


def cmd_sweep(args: argparse.Namespace) -> None:
    """Run or resume a sweep (the `sweep` command)."""
    from sim.sweeps.run import sweep
    from sim.sweeps.store import LEDGER_FILE, RUNS_FILE

    summary = sweep(
        args.params,
        design=args.design,
        samples=args.samples,
        replicates=args.replicates,
        scenario=args.scenario,
        seed=args.seed,
        workers=args.workers,
        scheduler=args.scheduler,
        out=args.out,
        resume=args.resume,
    )
    print(
        f"{args.design} sweep: {summary.points} design points, {summary.runs} runs "
        f"({summary.executed} executed now, {summary.failed} failed in all)"
    )
    print(f"Wrote {summary.folder / LEDGER_FILE} and {summary.folder / RUNS_FILE}")
    print(f"Indices and plots: transfrontier sweep-report {summary.folder}")


def cmd_sweep_report(args: argparse.Namespace) -> None:
    """Write the sweep report from the ledger (the `sweep-report` command)."""
    from sim.sweeps.report import build_report

    print(f"Wrote {build_report(args.folder, args.out)}")


def cmd_run(args: argparse.Namespace) -> None:
    """Run a scenario, write the results, print a summary."""
    import time

    import pandas as pd

    from sim.runner import default_out_dir, resolve_spec, run, write_results

    overrides = dict(parse_assignment(item) for item in args.set)
    spec = resolve_spec(args.scenario, overrides, args.firms)  # validates before any work
    out = args.out or default_out_dir(spec.name, args.seed, args.replicates, args.posterior)
    started = time.perf_counter()
    results = run(
        args.scenario if args.posterior else spec,
        parameters=overrides if args.posterior else None,
        n_firms=args.firms if args.posterior else None,
        posterior=args.posterior,
        seed=args.seed,
        replicates=args.replicates,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.quiet,
    )
    write_results(results, out, args.format, plots=not args.no_plots, lang=args.lang)
    if args.quiet:
        return
    elapsed = time.perf_counter() - started
    draws = f" x {args.posterior} posterior draws" if args.posterior else ""
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(
            f"{spec.title} — {args.replicates} replicate(s){draws}, seed {args.seed}, "
            f"{spec.parameters.n_firms} firm agents ({elapsed:.1f} s)"
        )
        print("Mean over runs (US$ bn; shares of recorded turnover):")
        print(results.summary().round(3).to_string())
    print(f"Wrote {out}")


def cmd_compare(args: argparse.Namespace) -> None:
    """Compare scenarios over replicates, write the tables and plots, print the summary."""
    from sim.compare import compare, format_summary
    from sim.plots import save_comparison_plots
    from sim.runner import resolve_spec, write_outputs

    overrides = dict(parse_assignment(item) for item in args.set)
    names = [resolve_spec(name, overrides, args.firms).name for name in args.scenarios]
    drawn = f"p{args.posterior}" if args.posterior else ""
    out = args.out or (
        Path("results") / f"compare-{'-'.join(names)}-s{args.seed}x{args.replicates}{drawn}"
    )
    result = compare(
        args.scenarios,
        replicates=args.replicates,
        seed=args.seed,
        years=args.years,
        n_firms=args.firms,
        parameters=overrides,
        posterior=args.posterior,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.quiet,
    )
    figures = None if args.no_plots else (
        lambda folder: save_comparison_plots(result.model, names, folder, args.lang)
    )  # fmt: skip
    write_outputs(
        {"summary": result.summary, "model": result.model}, result.meta, out, args.format, figures
    )
    if not args.quiet:
        draws = f" x {args.posterior} posterior draws" if args.posterior else ""
        print(f"{args.replicates} replicates{draws} per scenario, seed {args.seed}")
        print(format_summary(result.summary))
        print(f"Wrote {out}")


def cmd_calibrate(args: argparse.Namespace) -> None:
    """Run (or resume) a calibration and write the calibrated parameter set."""
    from sim.calibrate import CALIBRATED_FILE, DEFAULT_OUT, SearchSpace, calibrate

    space = SearchSpace.load(args.space) if args.space else SearchSpace.load()
    if args.only is not None:
        space = space.second_stage(n.strip() for n in args.only.split(","))
    if args.method == "posterior":
        _posterior(args, space)
        return
    result = calibrate(
        trials=args.trials,
        replicates=args.replicates,
        profile_points=args.profile_points,
        **_study_options(args, space, DEFAULT_OUT),
    )
    print(
        f"{result['trials']} trials; best search loss {result['search_loss']:.4g}, "
        f"evaluation loss {result['evaluation_loss']:.4g}"
    )
    print(f"runs executed now: {result['runs_executed']}; in the ledger: {result['runs_recorded']}")
    for name, value in sorted(result["params"].items()):
        print(f"  {name} = {value:.4g}")
    for name, value in sorted(result["held"].items()):
        print(f"  {name} = {value:.4g} (held)")
    if not args.no_write:
        print(f"Wrote {CALIBRATED_FILE.name}")


def _study_options(args: argparse.Namespace, space: Any, default_out: Path) -> dict[str, Any]:
    """What both calibration methods take from the command line alike."""
    from sim.calibrate import CALIBRATED_FILE

    return {
        "evaluation_seeds": args.evaluation_seeds,
        "workers": args.workers,
        "scheduler": args.scheduler,
        "resume": args.resume,
        "seed": args.seed,
        "out": args.out or default_out,
        "space": space,
        "write_calibrated": None if args.no_write else CALIBRATED_FILE,
    }


def _posterior(args: argparse.Namespace, space: Any) -> None:
    import pandas as pd

    from sim.calibrate import CALIBRATED_FILE
    from sim.draws import POSTERIOR_FILE
    from sim.posterior import DEFAULT_OUT, posterior

    result = posterior(
        wave1=args.wave1,
        wave2=args.wave2,
        draws=args.draws,
        predictive=args.predictive,
        recovery=args.recovery,
        posterior_file=None if args.no_write else POSTERIOR_FILE,
        **_study_options(args, space, DEFAULT_OUT),
    )
    print(f"runs executed now: {result['runs_executed']}; in the ledger: {result['runs_recorded']}")
    with pd.option_context("display.width", 160, "display.max_colwidth", 40):
        print(result["intervals"].to_string(index=False, float_format="{:.4g}".format))
    if not args.no_write:
        print(f"Wrote {POSTERIOR_FILE.name} and {CALIBRATED_FILE.name}")


def cmd_report(args: argparse.Namespace) -> None:
    """Write the calibration report from the ledger, without running anything."""
    if args.posterior:
        from sim.posterior import DEFAULT_OUT as POSTERIOR_OUT
        from sim.posterior_report import build_posterior_report

        path = build_posterior_report(args.ledger or POSTERIOR_OUT, args.out)
        print(f"Wrote {path}")
        return
    from sim.calibrate import DEFAULT_OUT
    from sim.calibration_report import build_report

    path = build_report(args.ledger or DEFAULT_OUT, args.out)
    print(f"Wrote {path}")


def cmd_app(args: argparse.Namespace) -> None:
    """Serve the teaching app; it prints its URL once it is up."""
    from sim.app import serve

    serve(args.host, args.port, lang=args.lang)


def cmd_class(args: argparse.Namespace) -> None:
    """Serve a class session, or replay a saved one (`--replay`) into its tables."""
    if args.replay is not None:
        from sim.classmode.session import replay
        from sim.runner import metadata_of, write_outputs

        spec, seed, tables = replay(args.replay)
        folder = args.replay if args.replay.is_dir() else args.replay.parent
        out = args.out or folder / "replay"
        write_outputs(tables, metadata_of(spec, seed, [seed]), out)
        print(f"Replayed {spec.name} ({spec.start_year}-{spec.end_year}, seed {seed}) into {out}")
        return
    import time

    from sim.classmode.server import ClassServer
    from sim.classmode.session import ClassSession

    out = args.out or Path("results") / f"class-{time.strftime('%Y%m%d-%H%M%S')}-s{args.seed}"
    session = ClassSession(
        args.scenario,
        seed=args.seed,
        n_firms=args.firms,
        first_year=args.from_year,
        out_dir=out,
        max_students=args.max_students,
    )
    server = ClassServer(session, args.host, args.port, args.lang)
    print(f"Class session {session.code}: students open {server.url}", flush=True)
    print(f"Teacher's page (keep it to yourself): {server.teacher_url}", flush=True)
    print(f"Decisions are saved in {out} (Ctrl-C to stop)", flush=True)
    server.run()


def cmd_scenarios(_: argparse.Namespace) -> None:
    """List the shipped scenarios with their period and question."""
    from sim.scenario import SCENARIO_DIR, available_scenarios, load_scenario

    rows = []
    for name in available_scenarios(SCENARIO_DIR):
        spec = load_scenario(name)
        rows.append((name, f"{spec.start_year}-{spec.end_year}", spec.question))
    width = max(len(r[0]) for r in rows)
    for name, period, question in rows:
        print(f"{name:<{width}}  {period}  {question}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `transfrontier` command."""
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except InputError as exc:
        print(f"transfrontier: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
