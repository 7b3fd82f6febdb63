"""Reading a whole corpus: one command on a laptop, the same command on a Dask cluster.

`workbench corpus analyze SOURCE --out DIR` (or `analyze_source`) cuts a folder of articles or a Parquet/JSONL
table into partitions (`sources`), analyses each with the one pure step `run_partition` (`partition`), on this
machine or on Dask workers (`engines`), and writes partitioned Parquet with a manifest. Runs resume; bad documents
are listed, never fatal.
"""

from __future__ import annotations

from workbench.batch.engines import ENGINES, analyze_source

__all__ = ["ENGINES", "analyze_source"]
