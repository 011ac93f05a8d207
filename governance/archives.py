"""Unpacking a tar archive without letting it write outside its folder.

Every member is checked before anything is written, on any Python: a name made relative
(a leading slash dropped, as tarfile's "data" filter does), nothing that lands outside
the folder, only files and folders (no links of any kind, devices or pipes), a sane
modification time, and the folder's own entry (".", which every backup has) left out so
the folder keeps its owner and mode. Then the members are extracted with tarfile's
"data" filter where this Python has it (3.11.4 on); Debian 12's Python 3.11.2, the
interpreter scripts/python-choice.sh prefers, has no filters, so there the members are
given the filter's modes and ownership here: no setuid/setgid/sticky or group/other-write
bits, folders their owner can enter, files owned by whoever extracts them.

Links are refused even where the filter would allow one pointing inside: none of our
archives has one, and before Python 3.11.13 the filter's link check can be defeated by a
symlink chain longer than PATH_MAX (CVE-2025-4517)."""

from __future__ import annotations

import copy
import math
import os
import stat
import tarfile
from pathlib import Path


class UnsafeArchive(tarfile.TarError):
    """A member that is not unpacked, and so nothing is."""


def extract_all(tar: tarfile.TarFile, dest, *, native: bool | None = None) -> None:
    """Every member of `tar` into `dest`, or nothing if any member is unsafe.

    `native`: extract with tarfile's own filter (default: when this Python has it)."""
    if native is None:
        native = hasattr(tarfile, "data_filter")
    dest = Path(dest).resolve()
    checked = check_all(tar, dest)
    if native:
        tar.extractall(dest, members=checked, filter="data")
    else:
        tar.extractall(dest, members=checked, numeric_owner=True)


def check_all(tar: tarfile.TarFile, dest) -> list[tarfile.TarInfo]:
    """The members as they will be extracted into `dest`; UnsafeArchive if any is unsafe
    (so a caller can refuse an archive before doing anything else)."""
    dest = Path(dest).resolve()
    return [m for m in (_checked(m, dest) for m in tar.getmembers()) if m is not None]


def _checked(member: tarfile.TarInfo, dest: Path) -> tarfile.TarInfo | None:
    name = member.name.lstrip("/" + os.sep)
    try:
        target = (dest / name).resolve()
    except (OSError, ValueError, RuntimeError) as exc:  # a NUL byte, a symlink loop
        raise UnsafeArchive(f"归档成员名称无效 / bad name in the archive: {name!r}") from exc
    if target != dest and dest not in target.parents:
        raise UnsafeArchive(f"归档成员指向目录之外 / member outside the folder: {name!r}")
    if not (member.isreg() or member.isdir()):
        raise UnsafeArchive(f"归档成员不是普通文件或目录 / not a file or folder: {name!r}")
    mtime = member.mtime
    if not (isinstance(mtime, int) or math.isfinite(mtime)) or not 0 <= mtime < 2**40:
        # tarfile lets utime's ValueError/OverflowError through half-way: refused up front.
        raise UnsafeArchive(f"归档成员时间无效 / bad modification time: {name!r}")
    if target == dest:
        if member.isdir():  # "." : the folder keeps its own owner, mode and time
            return None
        raise UnsafeArchive(f"归档成员是目录本身 / the folder itself: {name!r}")
    safe = copy.copy(member)
    safe.name = name
    mode = member.mode & ~(stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX | stat.S_IWGRP | stat.S_IWOTH)
    if member.isreg():
        mode |= stat.S_IRUSR | stat.S_IWUSR
        if not mode & stat.S_IXUSR:
            mode &= ~(stat.S_IXGRP | stat.S_IXOTH)
    else:
        mode |= stat.S_IRWXU  # never a folder its owner cannot enter
    safe.mode = mode
    # chown(-1, -1) changes nothing: the files stay owned by whoever extracts them.
    safe.uid, safe.gid, safe.uname, safe.gname = -1, -1, "", ""
    return safe
