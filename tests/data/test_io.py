"""read_table / write_table / atomic_write: round trips, refusals, atomicity, permissions."""

from __future__ import annotations

import os
import stat

import numpy as np
import pandas as pd
import pytest

from synthlearn.data import atomic_write, read_table, table_format, write_table
from synthlearn.errors import DataError, FileFormatError, SynthlearnError


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame({
        "x": [1.5, np.nan, -2.25, 4.0],
        "n": [1, 2, 3, 4],
        "label": pd.Series(["a", None, "b", "a"], dtype="str"),
    })


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def listing(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ------------------------------------------------------------------ round trips
@pytest.mark.parametrize("name", ["t.csv", "t.parquet", "t.pq", "T.CSV"])
def test_round_trip_csv_and_parquet(tmp_path, table, name):
    path = write_table(table, tmp_path / name)
    assert path == tmp_path / name
    back = read_table(path)
    pd.testing.assert_frame_equal(back, table)
    assert back["x"].isna().sum() == 1 and back["label"].isna().sum() == 1


def test_parquet_round_trip_keeps_every_dtype(tmp_path, mixed_frame):
    mixed_frame["color"] = mixed_frame["color"].astype("category")
    write_table(mixed_frame, tmp_path / "m.parquet")
    pd.testing.assert_frame_equal(read_table(tmp_path / "m.parquet"), mixed_frame)


def test_parquet_index_written_by_pandas(tmp_path):
    # a named index (df.set_index("island").to_parquet) was read back as the index and silently left out
    df = pd.DataFrame({"island": ["a", "b", "a"], "x": [1.0, 2.0, 3.0]})
    df.set_index("island").to_parquet(tmp_path / "named.parquet")
    pd.testing.assert_frame_equal(read_table(tmp_path / "named.parquet"), df)
    df.set_index(["island", "x"]).assign(y=1).to_parquet(tmp_path / "multi.parquet")
    assert list(read_table(tmp_path / "multi.parquet").columns) == ["island", "x", "y"]
    df.iloc[[2, 0]].to_parquet(tmp_path / "rows.parquet")  # unnamed row numbers: dropped, not a column
    pd.testing.assert_frame_equal(read_table(tmp_path / "rows.parquet"), df.iloc[[2, 0]].reset_index(drop=True))
    df.set_index(pd.Index([0, 1, 2], name="x")).to_parquet(tmp_path / "clash.parquet")
    with pytest.raises(DataError, match=r"duplicate column names.*\['x'\]"):
        read_table(tmp_path / "clash.parquet")


def test_table_format_by_extension():
    assert table_format("a/b.csv") == "csv"
    assert table_format("b.PARQUET") == "parquet"
    assert table_format("b.pq") == "parquet"


# ------------------------------------------------------------------ read errors
def test_missing_file_names_the_path(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(FileFormatError, match="nope.csv") as info:
        read_table(path)
    assert "check the path" in str(info.value)


@pytest.mark.parametrize("name", ["data.xlsx", "data", "data.json"])
def test_unsupported_extension(tmp_path, name):
    path = tmp_path / name
    path.write_text("a,b\n1,2\n")
    with pytest.raises(FileFormatError, match="unsupported table extension") as info:
        read_table(path)
    message = str(info.value)
    assert name in message and ".csv" in message and ".parquet" in message  # names the file and the fix


def test_unsupported_extension_is_checked_for_writes_too(tmp_path, table):
    with pytest.raises(FileFormatError, match="xlsx"):
        write_table(table, tmp_path / "out.xlsx")
    assert listing(tmp_path) == []


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(DataError, match="empty.csv") as info:
        read_table(path)
    assert "is empty" in str(info.value) and "header and rows" in str(info.value)


def test_empty_parquet_file(tmp_path):
    path = tmp_path / "empty.parquet"
    path.write_bytes(b"")
    with pytest.raises(DataError, match="empty.parquet"):
        read_table(path)


def test_header_only(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("a,b,c\n")
    with pytest.raises(DataError, match="header but no rows") as info:
        read_table(path)
    assert "header.csv" in str(info.value)


def test_header_only_parquet(tmp_path):
    path = tmp_path / "header.parquet"
    pd.DataFrame({"a": pd.Series([], dtype=float)}).to_parquet(path)
    with pytest.raises(DataError, match="no rows"):
        read_table(path)


def test_blank_first_line_is_not_a_header(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("\n1,2\n")
    with pytest.raises(DataError, match="no header row"):
        read_table(path)


def test_duplicate_csv_header_names_the_columns(tmp_path):
    path = tmp_path / "dupes.csv"
    path.write_text("a,b,a\n1,2,3\n4,5,6\n")
    with pytest.raises(DataError, match="duplicate column names") as info:
        read_table(path)
    message = str(info.value)
    assert "'a'" in message and "dupes.csv" in message and "rename" in message


def test_folder_is_not_a_table(tmp_path):
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(FileFormatError, match="is a folder"):
        read_table(tmp_path / "folder.csv")


def test_garbage_parquet_is_a_format_error(tmp_path):
    path = tmp_path / "junk.parquet"
    path.write_bytes(b"this is not parquet at all")
    with pytest.raises(FileFormatError, match="cannot read") as info:
        read_table(path)
    assert "junk.parquet" in str(info.value)


def test_errors_are_value_errors_and_synthlearn_errors(tmp_path):
    with pytest.raises(ValueError):
        read_table(tmp_path / "missing.csv")
    with pytest.raises(SynthlearnError):
        read_table(tmp_path / "missing.csv")


# ---------------------------------------------------------------- atomic writes
def test_failing_writer_leaves_no_file_and_no_temp_file(tmp_path):
    def writer(tmp):
        tmp.write_text("half a ta")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic_write(tmp_path / "out.csv", writer)
    assert listing(tmp_path) == []


def test_failing_writer_keeps_the_previous_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old content\n")

    def writer(tmp):
        tmp.write_text("new")
        raise KeyboardInterrupt  # an interrupted run

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, writer)
    assert target.read_text() == "old content\n"
    assert listing(tmp_path) == ["out.csv"]


def test_write_table_failure_leaves_nothing(tmp_path):
    # pyarrow cannot store a column of mixed ints and strings
    bad = pd.DataFrame({"mixed": pd.Series([1, "two", 3.5], dtype=object)})
    with pytest.raises(Exception):
        write_table(bad, tmp_path / "bad.parquet")
    assert listing(tmp_path) == []


def test_atomic_write_replaces_existing(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    atomic_write(target, lambda tmp: tmp.write_text("new"))
    assert target.read_text() == "new"
    assert listing(tmp_path) == ["out.txt"]


def test_atomic_folder_replaces_only_a_folder_it_may_and_never_one_holding_an_input(tmp_path, monkeypatch):
    from synthlearn.atomic import atomic_folder, holds_only

    def writer(tmp):
        (tmp / "model.json").write_text("new")

    own = holds_only("model.json")
    target = tmp_path / "m"
    atomic_folder(target, writer, may_replace=own)
    atomic_folder(target, writer, may_replace=own)  # an earlier model folder is replaced
    assert listing(target) == ["model.json"]
    (target / "notes.txt").write_text("mine")
    with pytest.raises(FileFormatError, match="non-empty folder"):
        atomic_folder(target, writer, may_replace=own)
    (target / "notes.txt").unlink()
    (target / "data.csv").write_text("a\n1\n")
    with pytest.raises(FileFormatError, match="holds the input"):
        atomic_folder(target, writer, may_replace=holds_only("*"), inputs=[target / "data.csv"])
    assert listing(target) == ["data.csv", "model.json"]
    with pytest.raises(FileFormatError, match="non-empty folder"):  # no may_replace: only an empty folder
        atomic_folder(target, writer)
    monkeypatch.chdir(target)
    with pytest.raises(FileFormatError, match="refusing to replace '.'"):  # not "has an empty name"
        atomic_folder(".", writer, may_replace=own)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_write_into_missing_folder(tmp_path, table):
    with pytest.raises(FileFormatError, match="does not exist"):
        write_table(table, tmp_path / "no" / "such" / "t.csv")
    assert listing(tmp_path) == []


# ------------------------------------------------------------- source and perms
def test_write_table_refuses_to_overwrite_its_source(tmp_path, table):
    src = tmp_path / "in.csv"
    write_table(table, src)
    before = src.read_bytes()
    with pytest.raises(FileFormatError, match="refusing to overwrite") as info:
        write_table(table.head(1), src, source=src)
    assert "in.csv" in str(info.value)
    assert src.read_bytes() == before
    assert listing(tmp_path) == ["in.csv"]


def test_write_table_refuses_source_under_another_spelling(tmp_path, table):
    (tmp_path / "sub").mkdir()
    src = tmp_path / "in.csv"
    write_table(table, src)
    with pytest.raises(FileFormatError, match="refusing to overwrite"):
        write_table(table.head(1), tmp_path / "sub" / ".." / "in.csv", source=str(src))
    os.link(src, tmp_path / "hardlink.csv")
    with pytest.raises(FileFormatError, match="refusing to overwrite"):
        write_table(table.head(1), tmp_path / "hardlink.csv", source=src)
    pd.testing.assert_frame_equal(read_table(src), table, check_dtype=False)


def test_write_table_with_a_different_source_is_fine(tmp_path, table):
    src = tmp_path / "in.csv"
    write_table(table, src)
    out = write_table(table, tmp_path / "out.parquet", source=src)
    assert out.exists()


@pytest.mark.parametrize("name", ["t.csv", "t.parquet"])
def test_written_files_have_normal_permissions(tmp_path, table, umask022, name):
    path = write_table(table, tmp_path / name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's 0600


def test_atomic_write_permissions_follow_umask(tmp_path):
    old = os.umask(0o027)
    try:
        atomic_write(tmp_path / "f.txt", lambda tmp: tmp.write_text("x"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f.txt").stat().st_mode) == 0o640


def test_csv_codes_with_leading_zeros_stay_text(tmp_path):
    """Zip codes (00501) read as numbers would lose their zeros and be synthesized as arbitrary numbers."""
    path = tmp_path / "codes.csv"
    path.write_text("zip,account,n,x\n00501,7,1,0.5\n10001,0012,2,1.0\n02134,,3,2.5\n,044,4,3.0\n")
    df = read_table(path)
    assert df["zip"].tolist()[:3] == ["00501", "10001", "02134"] and pd.isna(df["zip"].iloc[3])
    assert df["account"].tolist()[1:2] == ["0012"] and pd.isna(df["account"].iloc[2])  # one padded value suffices
    assert df["n"].dtype == np.int64 and df["x"].dtype == np.float64  # plain numbers stay numbers
    path.write_text("a,b\n0,1.0\n10,0.25\n-3,-0.5\n")
    assert read_table(path).dtypes.tolist() == [np.int64, np.float64]  # a lone 0 and 0.25 have no padding


def test_infinite_numbers_are_read_without_a_numpy_warning(tmp_path):
    """inf in a CSV column (refused later, by the schema) made the leading-zero probe warn 'invalid value'."""
    import warnings

    path = tmp_path / "inf.csv"
    path.write_text("x,y\n1,inf\n2,-inf\n3,4\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = read_table(path)
    assert np.isinf(df["y"]).sum() == 2
