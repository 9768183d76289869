"""Where ccsi-dao keeps its files, and writing them so a crash never leaves a half-written one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ccsi_dao.errors import UserError


def ccsi_home() -> Path:
    """The ccsi-dao home folder: ``$CCSI_DAO_HOME``, or ``~/.ccsi-dao``."""
    return Path(os.environ.get("CCSI_DAO_HOME") or Path.home() / ".ccsi-dao").expanduser()


def check_writable(path: Path) -> None:
    """UserError unless ``path`` can be written: its folder exists and it is not itself a folder."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path} is a folder; give a file name")
    if not path.parent.is_dir():
        raise UserError(f"cannot write {path}: the folder {path.parent} does not exist")


def write_atomic(path: Path, data: bytes | str, *, mode: int | None = None, exclusive: bool = False) -> None:
    """Write ``data`` to ``path`` in one step: a temporary file in the same folder, fsync, then rename.

    ``mode`` sets the permissions before any byte is written (e.g. ``0o600``); otherwise an existing file keeps
    its mode and a new one gets the usual ``0o666 & ~umask``. With ``exclusive`` an existing ``path`` is never
    replaced: :class:`ccsi_dao.errors.UserError` is raised instead (checked atomically).
    """
    path = Path(path)
    check_writable(path)
    if isinstance(data, str):
        data = data.encode()
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise UserError(f"{path} already exists; it was left unchanged") from None
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
