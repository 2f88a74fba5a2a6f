"""MARC as a Spark DataFrame, through a Python Data Source (pyspark 4).

.. code-block:: python

    import marcarrow.spark
    spark.dataSource.register(marcarrow.spark.MarcDataSource)
    df = (spark.read.format("marc")
          .option("blocksize", "256MiB")
          .option("columns", '{"id": "001", "title": "245$a"}')
          .load("s3://bucket/catalogue/*.mrc"))

Input partitions are the record-aligned byte ranges of
:func:`marcarrow.splits`; each is read by marcarrow in a Python worker and
handed to Spark as Arrow record batches. The schema is declared from the
options, not inferred by reading. Options (all strings, as Spark passes
them): ``blocksize``; ``layout``; ``columns`` (a JSON object of name to
path); ``tags`` (comma-separated); ``where``; ``errors``; ``encoding``;
``encoding_errors``; ``format``; ``provenance`` (``true``/``false``);
``storage_options`` (a JSON object); ``threads`` (per partition, default
1: Spark already runs a task per core). See ``docs/scale-out.md``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from pyspark.sql.datasource import DataSource, DataSourceReader, InputPartition
from pyspark.sql.types import StructType

__all__ = ["MarcDataSource"]

_TEXT = ("layout", "where", "errors", "encoding", "encoding_errors", "format", "string_type")


def _options(spark_options: Mapping[str, str]) -> tuple[dict[str, Any], str, Any, int | str]:
    """marcarrow's reading options, the path, the storage options and the
    block size from Spark's string options."""
    o = {k.lower(): v for k, v in spark_options.items()}
    opts: dict[str, Any] = {k: o[k] for k in _TEXT if k in o}
    if "columns" in o:
        opts["columns"] = json.loads(o["columns"])
    if "tags" in o:
        opts["tags"] = [t.strip() for t in o["tags"].split(",") if t.strip()]
    if "provenance" in o:
        opts["provenance"] = o["provenance"].lower() == "true"
    # Spark runs a task per core: one thread per partition unless asked.
    opts["threads"] = int(o.get("threads", "1"))
    storage = json.loads(o["storage_options"]) if "storage_options" in o else None
    if storage:
        opts["storage_options"] = storage
    path: Any = o.get("path")
    if path is None and "paths" in o:
        path = json.loads(o["paths"])
    if path is None:
        raise ValueError('the "marc" data source needs a path: .load(path)')
    return opts, path, storage, o.get("blocksize", "256MiB")


class _Range(InputPartition):  # type: ignore[misc]
    def __init__(self, source: str, start: int, end: int) -> None:
        super().__init__((source, start, end))
        self.source = source
        self.start = start
        self.end = end


class MarcDataSource(DataSource):  # type: ignore[misc]
    """``spark.read.format("marc")``: MARC files and objects, any format
    marcarrow reads, split into record-aligned byte ranges."""

    @classmethod
    def name(cls) -> str:
        return "marc"

    def _plan(self) -> tuple[dict[str, Any], list[tuple[str, tuple[int, int]]], bool]:
        from marcarrow._partitions import parts

        opts, path, storage, blocksize = _options(self.options)
        todo, many = parts(path, blocksize, storage, opts.get("format"))
        return opts, todo, many

    def schema(self) -> StructType:
        from pyspark.sql.pandas.types import from_arrow_schema

        from marcarrow import _remote
        from marcarrow._partitions import schema

        opts, path, storage, _ = _options(self.options)
        many = _remote.expand(path, storage) is not None
        return from_arrow_schema(schema(opts, many))

    def reader(self, schema: StructType) -> DataSourceReader:
        opts, todo, many = self._plan()
        return _Reader(opts, todo, many)


class _Reader(DataSourceReader):  # type: ignore[misc]
    def __init__(
        self, options: dict[str, Any], todo: list[tuple[str, tuple[int, int]]], many: bool
    ) -> None:
        self.options = options
        self.todo = todo
        self.many = many

    def partitions(self) -> list[InputPartition]:
        return [_Range(s, a, b) for s, (a, b) in self.todo]

    def read(self, partition: InputPartition) -> Iterator[Any]:
        import pyarrow as pa

        import marcarrow

        assert isinstance(partition, _Range)
        reader = marcarrow.read_batches(
            partition.source, byte_range=(partition.start, partition.end), **self.options
        )
        for b in reader:
            batch = pa.record_batch(b)
            if self.many:
                names = pa.array([partition.source] * batch.num_rows, pa.string())
                batch = pa.RecordBatch.from_arrays(
                    [names, *batch.columns],
                    schema=batch.schema.insert(0, pa.field("source", pa.string(), False)),
                )
            yield batch
        raised = marcarrow._raised(reader)
        if raised is not None:
            raise raised
