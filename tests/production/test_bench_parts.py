"""The bench's pieces that decide its numbers: CPU accounting and the MLflow operation table."""

from mlteam.site import bench, bench_mlflow


def test_cpu_between_counts_new_processes_and_never_goes_negative():
    before = {1: 10.0, 2: 5.0}
    after = {1: 12.5, 3: 0.75}  # 2 exited, 3 is new
    assert bench.cpu_between(before, after) == 2.5 + 0.75


def test_every_operation_has_its_mlflow_counterpart():
    ours = {op.name: op for op in bench.operations(2000, 5)}
    theirs = bench_mlflow.operations(2000)
    assert set(theirs) == set(ours)
    for name, op in theirs.items():
        assert op.method == ours[name].method, name
        assert op.path.startswith(f'"{bench_mlflow.API}'), name
        assert bool(op.lua_body) == (op.method == "POST"), name
