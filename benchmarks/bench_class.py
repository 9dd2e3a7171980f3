"""Class mode under a full class: 40 simulated students deciding at once, the step's answer time.

Each run starts `transfrontier class` at the default size (20,000 firm agents) in a process of
its own, as a teacher would, and drives it over HTTP from this process: 40 students join (two or
three a region), and each year all 40 send their decisions at the same moment (proposals to two
regions across the border, acceptance of every proposal received, a delegation, a budget
split), then keep polling their page every two seconds, as the page does, while the teacher
presses Step. Measured: the step's response time as the teacher's page sees it (the class model
and its baseline stepping, the session saved), and how long the burst of 40 decisions takes to
be answered. Several runs, each a fresh server; the figures and their spread are printed.

    .venv/bin/python benchmarks/bench_class.py [--runs 3] [--years 5] [--students 40]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from sim.data import load_regions


class Client:
    """One browser: its own cookies, JSON in and out."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def call(self, path: str, body: dict | None = None) -> tuple[int, dict]:
        """GET `path`, or POST `body` to it; the status and the JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base + path, data=data, headers={"Content-Type": "application/json"}
        )
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())


def start_server(folder: Path) -> tuple[subprocess.Popen, str, str, str]:
    """`transfrontier class` on a free port; its students' URL, teacher's URL and join code."""
    command = [sys.executable, "-m", "sim", "class", "--port", "0", "--out", str(folder)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    lines = [server.stdout.readline() for _ in range(3)]
    found = re.search(r"session (\w+): students open (\S+)", lines[0])
    teacher = lines[1].split(": ", 1)[1].strip()
    if found is None:
        server.kill()
        raise RuntimeError(f"the class server did not start: {lines}")
    return server, found.group(2), teacher, found.group(1)


def decide_at_once(students: list[Client], decisions: list[dict]) -> float:
    """Every student sends their decision at the same moment; seconds until all are answered.

    Each then reads their page and accepts every proposal received, as a student would.
    """
    gate = threading.Barrier(len(students) + 1)
    answered: list[float] = []

    def decide(client: Client, decision: dict) -> None:
        gate.wait()
        status, state = client.call("api/decide", decision)
        answered.append(time.perf_counter())
        assert status == 200, state
        received = client.call("api/student")[1]["received"]
        client.call("api/decide", {**decision, "accepted": received})

    threads = [
        threading.Thread(target=decide, args=pair) for pair in zip(students, decisions, strict=True)
    ]
    for thread in threads:
        thread.start()
    gate.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return max(answered) - began


def step_while_polling(teacher: Client, students: list[Client], rng: random.Random) -> float:
    """The teacher's step, in seconds, while every student's page polls every two seconds."""
    stop = threading.Event()
    delays = [rng.uniform(0.0, 2.0) for _ in students]

    def poll(client: Client, delay: float) -> None:
        while not stop.wait(delay):
            client.call("api/student")

    pollers = [threading.Thread(target=poll, args=p) for p in zip(students, delays, strict=True)]
    for thread in pollers:
        thread.start()
    time.sleep(0.5)
    began = time.perf_counter()
    status, state = teacher.call("api/teacher/step", {})
    seconds = time.perf_counter() - began
    assert status == 200, state
    stop.set()
    for thread in pollers:
        thread.join()
    return seconds


def one_run(n_students: int, years: int, seed: int) -> tuple[list[float], list[float]]:
    """One class: the step times and the decision-burst times, in seconds."""
    regions = load_regions()
    border = regions[regions.border]
    across = {
        r.region_id: list(border.region_id[border.country != r.country])
        for r in border.itertuples()
    }
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        server, url, teacher_url, code = start_server(Path(folder))
        try:
            teacher = Client(url)
            teacher.opener.open(teacher_url, timeout=60).close()  # the key's cookie
            students = [Client(url) for _ in range(n_students)]
            places = [s.call("api/join", {"code": code, "name": f"S{i}"})[1]["region"]
                      for i, s in enumerate(students)]  # fmt: skip
            status, _ = teacher.call("api/teacher/start", {})
            assert status == 200, status
            steps, bursts = [], []
            for _ in range(years):
                year = teacher.call("api/teacher")[1]["year"]
                decisions = [
                    {
                        "year": year,
                        "proposals": rng.sample(across[place], 2),
                        "delegation": rng.random() < 0.8,
                        "funding_share": rng.choice([0.0, 0.25, 0.5, 0.75, 1.0]),
                    }
                    for place in places
                ]
                bursts.append(decide_at_once(students, decisions))
                steps.append(step_while_polling(teacher, students, rng))
            return steps, bursts
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--students", type=int, default=40)
    args = parser.parse_args()
    print(f"{args.students} students, 20,000 firm agents, {args.years} years a run")
    medians = []
    for run in range(args.runs):
        steps, bursts = one_run(args.students, args.years, seed=run)
        medians.append(statistics.median(steps))
        print(
            f"run {run + 1}: step {statistics.median(steps):.3f} s median "
            f"(min {min(steps):.3f}, max {max(steps):.3f}); "
            f"{args.students} decisions at once answered within "
            f"{statistics.median(bursts):.3f} s median (max {max(bursts):.3f})"
        )
    print(f"step median over runs: {min(medians):.3f}-{max(medians):.3f} s (target: about 1 s)")


if __name__ == "__main__":
    main()
