"""The executor: how runs are grouped into tasks, and that every run comes back once."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sim.executor import Executor, Task


def _square(x: int) -> int:
    if x == 13:
        raise ValueError("unlucky")
    return x * x


@given(
    n=st.integers(1, 500),
    workers=st.integers(1, 16),
    cap=st.integers(1, 20),
)
def test_batches_cover_every_task_once_and_shrink_to_single_runs(n, workers, cap):
    tasks = [Task(i, (i,)) for i in range(n)]
    batches = Executor(workers=workers, batch_size=cap)._batches(tasks)
    assert [t for b in batches for t in b] == tasks  # each once, in order
    sizes = [len(b) for b in batches]
    assert all(s >= 1 for s in sizes)
    assert sizes == sorted(sizes, reverse=True)  # large first, small at the end
    assert max(sizes) <= cap
    # the last runs go one at a time, so no worker waits long for another's batch at the end
    assert sizes[-min(len(sizes), workers) :] == [1] * min(len(sizes), workers)


def test_embedded_cluster_returns_every_run_once_and_failures_as_data():
    tasks = [Task(i, (i,)) for i in range(20)]
    with Executor(workers=2) as executor:
        outcomes = {o.key: o for o in executor.run(_square, tasks)}
    assert sorted(outcomes) == list(range(20))
    assert all(outcomes[i].value == i * i for i in range(20) if i != 13)
    assert not outcomes[13].ok and "unlucky" in outcomes[13].error
