"""Archives unpacked only inside their folder (governance/archives.py), with tarfile's
own "data" filter where this Python has it and with the same checks where it does not
(Debian 12's Python 3.11.2): both paths are run whatever this interpreter is."""

import io
import os
import stat
import tarfile

import pytest

from governance.archives import UnsafeArchive, extract_all

NATIVE = hasattr(tarfile, "data_filter")
WAYS = [pytest.param(False, id="checked-here")] + (
    [pytest.param(True, id="tarfile-filter")] if NATIVE else []
)
REFUSED = (UnsafeArchive, tarfile.TarError)  # tarfile's FilterError is a TarError


def archive(*members) -> tarfile.TarFile:
    """A gzip archive in memory of (TarInfo, bytes or None)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    buf.seek(0)
    return tarfile.open(fileobj=buf, mode="r:gz")


def file(name, data=b"x", mode=0o644, mtime=1_700_000_000):
    info = tarfile.TarInfo(name)
    info.mode = mode
    info.mtime = mtime
    info.uid = info.gid = 4242
    return info, data


def folder(name, mode=0o755):
    info = tarfile.TarInfo(name)
    info.type, info.mode = tarfile.DIRTYPE, mode
    return info, None


def link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, None


@pytest.mark.parametrize("native", WAYS)
def test_files_and_folders_are_extracted(tmp_path, native):
    folder = tarfile.TarInfo("a/b")
    folder.type = tarfile.DIRTYPE
    folder.mode = 0o755
    extract_all(
        archive((folder, None), file("a/b/c.txt", b"hello"), file("top.bin", b"\x00\x01")),
        tmp_path,
        native=native,
    )
    assert (tmp_path / "a" / "b" / "c.txt").read_bytes() == b"hello"
    assert (tmp_path / "top.bin").read_bytes() == b"\x00\x01"


@pytest.mark.parametrize("native", WAYS)
@pytest.mark.parametrize(
    "member",
    [
        file("../escaped.txt"),
        file("a/../../escaped.txt"),
        link("evil", "/etc/passwd"),
        link("hard", "/etc/passwd", kind=tarfile.LNKTYPE),
    ],
    ids=["parent", "parent-inside", "symlink-out", "hardlink-out"],
)
def test_a_member_that_would_leave_the_folder_stops_everything(tmp_path, native, member):
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(REFUSED):
        extract_all(archive(file("first.txt"), member), dest, native=native)
    assert not (tmp_path / "escaped.txt").exists()
    assert not (dest / "evil").exists()
    assert list(dest.iterdir()) == []  # checked before anything is written


@pytest.mark.parametrize("native", WAYS)
def test_an_absolute_name_lands_inside_the_folder(tmp_path, native):
    outside = tmp_path / "outside" / "abs.txt"
    dest = tmp_path / "dest"
    dest.mkdir()
    extract_all(archive(file(str(outside), b"in")), dest, native=native)
    assert not outside.exists()
    assert (dest / str(outside).lstrip("/")).read_bytes() == b"in"


def test_devices_and_pipes_are_refused(tmp_path):
    fifo = tarfile.TarInfo("pipe")
    fifo.type = tarfile.FIFOTYPE
    with pytest.raises(UnsafeArchive):
        extract_all(archive((fifo, None)), tmp_path, native=False)


@pytest.mark.parametrize("native", WAYS)
def test_special_bits_and_foreign_owners_are_dropped(tmp_path, native):
    extract_all(archive(file("suid", mode=0o6777)), tmp_path, native=native)
    st = (tmp_path / "suid").stat()
    assert not st.st_mode & (stat.S_ISUID | stat.S_ISGID | stat.S_IWGRP | stat.S_IWOTH)
    assert st.st_uid != 4242  # the archive's owner is not applied


@pytest.mark.parametrize("native", WAYS)
def test_the_folders_own_entry_leaves_it_as_it_was(tmp_path, native):
    """Every backup's archive starts with "." (tar.add(media, arcname=".")): the restored
    folder keeps its own mode, not the archive's."""
    dest = tmp_path / "media"
    dest.mkdir(mode=0o750)
    extract_all(archive(folder(".", mode=0o000), file("./a.txt")), dest, native=native)
    assert stat.S_IMODE(dest.stat().st_mode) == 0o750
    assert (dest / "a.txt").exists()


@pytest.mark.parametrize("native", WAYS)
def test_a_folder_stays_enterable_by_its_owner(tmp_path, native):
    extract_all(archive(folder("locked", mode=0o000), file("locked/x")), tmp_path, native=native)
    assert (tmp_path / "locked" / "x").exists()
    assert (tmp_path / "locked").stat().st_mode & stat.S_IRWXU == stat.S_IRWXU


@pytest.mark.parametrize("native", WAYS)
@pytest.mark.parametrize("mtime", ["nan", "inf", "1" + "0" * 30])
def test_a_bad_time_is_refused_before_anything_is_written(tmp_path, native, mtime):
    """tarfile lets utime's ValueError/OverflowError through after writing the file."""
    bad = tarfile.TarInfo("b")
    bad.size, bad.pax_headers = 1, {"mtime": mtime}  # read back as that time
    with pytest.raises(UnsafeArchive):
        extract_all(archive(file("first"), (bad, b"y")), tmp_path, native=native)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("native", WAYS)
def test_a_symlink_chain_longer_than_path_max_is_refused(tmp_path, native):
    """CPython's own attack on the data filter's link check (CVE-2025-4517, fixed in
    3.11.13): links are refused here whatever the filter would say."""
    outer = tmp_path / "outer"
    dest = outer / "dest"
    dest.mkdir(parents=True)
    (outer / "flag").write_text("original")
    steps = "abcdefghijklmnop"
    component = "d" * ((os.pathconf(outer, "PC_PATH_MAX") - len(str(dest)) - 1) // 17)
    members, path = [], ""
    for step in steps:
        members += [
            folder(os.path.join(path, component)),
            link(os.path.join(path, step), component),
        ]
        path = os.path.join(path, component)
    long_link = os.path.join(*steps, "l" * 254)
    members += [
        link(long_link, os.path.join(*[".."] * len(steps))),
        link("escape", os.path.join(long_link, "..")),
        link("flaglink", os.path.join("escape", "flag"), kind=tarfile.LNKTYPE),
        file("flaglink", b"overwrite"),
        file("escape/newfile", b"new"),
    ]
    with pytest.raises(REFUSED):
        extract_all(archive(*members), dest, native=native)
    assert (outer / "flag").read_text() == "original"
    assert not (outer / "newfile").exists()
    assert list(dest.iterdir()) == []


def test_a_name_that_cannot_be_resolved_is_refused(tmp_path):
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    with pytest.raises(UnsafeArchive):
        extract_all(archive(file("loop/x")), tmp_path, native=False)
