"""The peer in `cargo run --release -p vectis-bench -- store`: dlt loads the
bench's Datto RMM device records (one JSON object per line, exactly as the
bench server serves them) with a merge on the primary key, twice.

    pip install "dlt[duckdb,sqlalchemy]"
    python dlt_load.py --jsonl devices.jsonl --destination duckdb|sqlite --dir DIR

`duckdb` is dlt's default destination (a file in DIR); `sqlite` is dlt's
sqlalchemy destination on a SQLite file in DIR. The first load goes into an
empty destination, the second loads the same records again (what an
unchanged tenant's second sync is). Prints one JSON line: the seconds of
each load (extract + normalize + load), the first load's steps, the rows in
the destination table afterwards, the rows the second load wrote, and the
process's peak resident memory — once after the first load (second still
null) and again after the second. Nothing is fetched at run time.
"""

import argparse
import json
import os
import resource
import sys
import time

# No telemetry (and no network): set before dlt is imported.
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jsonl", required=True)
    p.add_argument("--destination", choices=["duckdb", "sqlite"], required=True)
    p.add_argument("--dir", required=True)
    a = p.parse_args()

    import dlt

    os.makedirs(a.dir, exist_ok=True)
    if a.destination == "duckdb":
        destination = dlt.destinations.duckdb(os.path.join(a.dir, "dlt.duckdb"))
    else:
        path = os.path.join(a.dir, "dlt.sqlite")
        # A primary key on `uid` (off by default in dlt's sqlalchemy destination):
        # without it the merge's `DELETE … WHERE EXISTS (SELECT … staging)` scans
        # the staging table once per row, quadratic in the tenant.
        destination = dlt.destinations.sqlalchemy(
            credentials=f"sqlite:///{path}", create_primary_keys=True
        )

    @dlt.resource(name="devices", primary_key="uid", write_disposition="merge")
    def devices():
        with open(a.jsonl, "rb") as f:
            for line in f:
                yield json.loads(line)

    pipeline = dlt.pipeline(
        pipeline_name=f"vectis_bench_{a.destination}",
        destination=destination,
        dataset_name="vectis_bench",
        pipelines_dir=os.path.join(a.dir, "pipelines"),
    )

    def load():
        t0 = time.perf_counter()
        pipeline.extract(devices())
        t1 = time.perf_counter()
        normalized = pipeline.normalize()
        t2 = time.perf_counter()
        info = pipeline.load()
        t3 = time.perf_counter()
        info.raise_on_failed_jobs()
        rows = normalized.row_counts.get("devices", 0)
        return t3 - t0, [t1 - t0, t2 - t1, t3 - t2], rows

    def count():
        with pipeline.sql_client() as c:
            table = c.make_qualified_table_name("devices")
            return int(c.execute_sql(f"SELECT COUNT(*) FROM {table}")[0][0])

    out = {
        "destination": a.destination,
        "dlt_version": dlt.__version__,
        "rows": 0,
        "second_rows_loaded": None,
        "first_secs": 0.0,
        "second_secs": None,
        "first_steps": [0.0, 0.0, 0.0],
        "peak_kib": 0,
    }

    def report():
        out["peak_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps(out), flush=True)

    out["first_secs"], out["first_steps"], _ = load()
    out["rows"] = count()
    # A line after each load: a caller that stops a slow second load still
    # has the first.
    report()
    out["second_secs"], _, out["second_rows_loaded"] = load()
    out["rows"] = count()
    report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
