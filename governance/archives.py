"""Unpacking a tar archive without letting it write outside its folder.

tarfile's "data" filter (PEP 706) does this from Python 3.11.4 on; the distribution's
Python 3.11.2 (Debian 12, the interpreter scripts/python-choice.sh prefers) has no
filters, so there the same rules are applied here before extracting: absolute names made
relative, nothing that lands outside the folder, no links (the filter allows those that
stay inside; none of our archives has one), devices or pipes, no setuid/setgid/
sticky or group/other-write bits, and the files owned by whoever extracts them."""

from __future__ import annotations

import copy
import os
import stat
import tarfile
from pathlib import Path


class UnsafeArchive(tarfile.TarError):
    """A member that the "data" filter would refuse."""


def extract_all(tar: tarfile.TarFile, dest, *, native: bool | None = None) -> None:
    """Every member of `tar` into `dest`, or nothing if any member is unsafe.

    `native`: use tarfile's own filter (default: when this Python has it)."""
    dest = Path(dest).resolve()
    if native is None:
        native = hasattr(tarfile, "data_filter")
    if native:
        tar.extractall(dest, filter="data")
        return
    members = [_checked(m, dest) for m in tar.getmembers()]  # all checked before any write
    tar.extractall(dest, members=members, numeric_owner=True)


def _checked(member: tarfile.TarInfo, dest: Path) -> tarfile.TarInfo:
    # As the filter does: a leading slash is dropped (the member lands inside the folder).
    name = member.name.lstrip("/" + os.sep)
    target = (dest / name).resolve()
    if target != dest and dest not in target.parents:
        raise UnsafeArchive(f"归档成员指向目录之外 / member outside the folder: {name!r}")
    if not (member.isreg() or member.isdir()):
        raise UnsafeArchive(f"归档成员不是普通文件或目录 / not a file or folder: {name!r}")
    safe = copy.copy(member)
    safe.name = name
    mode = member.mode & ~(stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX | stat.S_IWGRP | stat.S_IWOTH)
    if member.isreg():
        mode |= stat.S_IRUSR | stat.S_IWUSR
        if not mode & stat.S_IXUSR:
            mode &= ~(stat.S_IXGRP | stat.S_IXOTH)
    safe.mode = mode
    # Owned by the process that extracts (as the filter leaves ownership alone).
    safe.uid, safe.gid, safe.uname, safe.gname = os.getuid(), os.getgid(), "", ""
    return safe
