# SPDX-FileCopyrightText: 2026-present The aimlapi-haystack authors
#
# SPDX-License-Identifier: Apache-2.0
"""
Reading columns from a Ray Data batch and adding columns to it, in whichever format Ray hands it over: a pandas
`DataFrame` (`batch_format="pandas"`), a dict of numpy arrays (Ray's default) or a pyarrow `Table`. Nothing here
imports Ray, pandas or pyarrow until a batch of that kind arrives.
"""

import math
from collections.abc import Mapping, Sequence
from typing import Any


def _kind(batch: Any) -> str:
    module = type(batch).__module__
    if module.startswith("pandas"):
        return "pandas"
    if module.startswith("pyarrow"):
        return "arrow"
    if isinstance(batch, Mapping):
        return "dict"
    raise TypeError(
        f"A batch must be a pandas DataFrame, a dict of columns or a pyarrow Table, got {type(batch).__name__}. "
        'Pass batch_format="pandas" (or leave Ray\'s default) to map_batches.'
    )


def column_names(batch: Any) -> list[str]:
    """The names of the batch's columns."""
    kind = _kind(batch)
    if kind == "dict":
        return list(batch)
    return [str(name) for name in (batch.columns if kind == "pandas" else batch.column_names)]


def read_column(batch: Any, name: str) -> list[Any]:
    """A column's values as plain Python objects.

    :raises KeyError: The batch has no such column; the message lists those it has.
    """
    if name not in column_names(batch):
        raise KeyError(f"The batch has no column {name!r}; its columns are {column_names(batch)}.")
    kind = _kind(batch)
    if kind == "arrow":
        return list(batch.column(name).to_pylist())
    values = batch[name]
    return [_plain(value) for value in (values.tolist() if hasattr(values, "tolist") else list(values))]


def batch_length(batch: Any) -> int:
    """The number of rows."""
    kind = _kind(batch)
    if kind == "pandas":
        return len(batch.index)
    if kind == "arrow":
        return int(batch.num_rows)
    return len(next(iter(batch.values()))) if batch else 0


def _plain(value: Any) -> Any:
    """A value from a column as Python sees it: numpy scalars and arrays become numbers and lists; NaN None."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def with_columns(batch: Any, columns: Mapping[str, Sequence[Any]]) -> Any:
    """A batch of the same kind with `columns` added (or replaced); the one given is not changed."""
    kind = _kind(batch)
    if kind == "pandas":
        result = batch.copy(deep=False)
        for name, values in columns.items():
            result[name] = list(values)
        return result
    if kind == "arrow":
        import pyarrow as pa  # noqa: PLC0415  # only here when Ray hands over pyarrow batches

        result = batch
        for name, values in columns.items():
            array = pa.array(list(values))
            if name in result.column_names:
                result = result.set_column(result.column_names.index(name), name, array)
            else:
                result = result.append_column(name, array)
        return result
    import numpy as np  # noqa: PLC0415  # a dict batch from Ray is a dict of numpy arrays

    result = dict(batch)
    for name, values in columns.items():
        array = np.empty(len(values), dtype=object)
        array[:] = list(values)
        result[name] = array
    return result


def describe_error(error: BaseException) -> str:
    """The text an `error` column holds: the exception's type and message (which never hold the API key)."""
    return f"{type(error).__name__}: {error}"


def check_column_name(name: str, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} must be a column name (a non-empty str), got {value!r}.")
