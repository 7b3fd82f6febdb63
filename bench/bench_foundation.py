"""Foundation: `import workbench` against bare interpreters, corpus loading and saving a table."""

from __future__ import annotations

import tempfile
from pathlib import Path

from run import median_seconds, median_subprocess_seconds


def run() -> dict:
    bare = median_subprocess_seconds("pass")
    polars = median_subprocess_seconds("import polars")
    workbench = median_subprocess_seconds("import workbench")

    import polars as pl

    import workbench as wb

    corpus_load = median_seconds(wb.load_corpus)
    frame = pl.DataFrame({"year": list(range(2000, 2025)) * 40, "value": [float(i) for i in range(1000)]})
    with tempfile.TemporaryDirectory() as folder:
        save_table = median_seconds(lambda: wb.save(frame, "bench/table", data_dir=Path(folder)))
        baseline_write = median_seconds(lambda: (frame.write_parquet(Path(folder) / "raw.parquet"),
                                                 frame.write_csv(Path(folder) / "raw.csv")))
    return {
        "import_seconds_median": {"python_bare": round(bare, 4), "import_polars": round(polars, 4),
                                  "import_workbench": round(workbench, 4)},
        "import_workbench_over_bare_python": round(workbench / bare, 2),
        "import_workbench_over_import_polars": round(workbench / polars, 2),
        "load_corpus_seconds_median": round(corpus_load, 5),
        "save_table_1000_rows_seconds_median": round(save_table, 5),
        "baseline_plain_parquet_and_csv_write_seconds_median": round(baseline_write, 5),
        "save_table_over_plain_write": round(save_table / baseline_write, 2),
    }
