"""Private, per-session temporary folders for files a page must keep on disk (uploaded videos).

Some libraries only read files (FFmpeg through PyAV), so an uploaded video has to be
written somewhere. Rules, because the machine may be shared:

* each browser session gets its own folder from :func:`tempfile.mkdtemp`: an
  unpredictable name, created atomically, mode 0700 (no other local user can
  list, read or pre-plant anything in it); files are created with ``O_EXCL``
  and mode 0600, so an existing file is never reused or followed;
* the folder is removed when the session ends: it belongs to an object kept in
  the session's state, and a :func:`weakref.finalize` deletes it when Streamlit
  drops the session (a disconnected session is kept about two minutes for a
  reconnect first) and, at the latest, when the server process exits;
* a cap: at most :data:`MAX_FILES` files and :data:`MAX_BYTES` per session; the
  oldest go first;
* folders left behind by a server that was killed are swept when a new session
  folder is made (only ours, only folders, only after :data:`STALE_AFTER_S`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import time
import weakref
from pathlib import Path

import streamlit as st

PREFIX = "ave_session_"
STATE_KEY = "_ave_session_folder"
#: Per-session cap: files kept and their total size.
MAX_FILES = 4
MAX_BYTES = 450 * 1024 * 1024
#: A session folder untouched this long (seconds) belongs to a dead server.
STALE_AFTER_S = 24 * 3600
_SUFFIX_OK = set("abcdefghijklmnopqrstuvwxyz0123456789")


class SessionFolder:
    """A private temporary folder that deletes itself when this object is garbage-collected."""

    def __init__(self, parent: str | os.PathLike | None = None):
        self.path = Path(tempfile.mkdtemp(prefix=PREFIX, dir=parent))
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.path), ignore_errors=True)

    def cleanup(self) -> None:
        """Delete the folder now (idempotent)."""
        self._finalizer()

    @property
    def alive(self) -> bool:
        return self._finalizer.alive and self.path.is_dir()

    def save(self, data: bytes, suffix: str = "", *, stem: str = "upload") -> Path:
        """Write ``data`` to a new 0600 file named by its content digest; return its path.

        The same content saved twice in one session returns the existing file (it can
        only be ours: nobody else can write in the folder). Then the cap is applied.
        """
        suffix = "." + "".join(ch for ch in suffix.lower().lstrip(".") if ch in _SUFFIX_OK)[:8] if suffix else ""
        digest = hashlib.sha256(data).hexdigest()[:20]
        path = self.path / f"{stem}_{digest}{suffix if suffix != '.' else ''}"
        if path.is_file() and not path.is_symlink() and path.stat().st_size == len(data):
            os.utime(path)
            return path
        if os.path.lexists(path):  # anything else under that name (a link, a partial file) goes
            path.unlink()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        self.enforce_cap(keep=path)
        return path

    def new_path(self, suffix: str = "", *, stem: str = "out") -> Path:
        """A fresh, unused file name in the folder (for a library that writes its own output)."""
        fd, name = tempfile.mkstemp(prefix=f"{stem}_", suffix=suffix, dir=self.path)
        os.close(fd)
        return Path(name)

    def enforce_cap(self, *, keep: Path | None = None, max_files: int = MAX_FILES, max_bytes: int = MAX_BYTES) -> list[Path]:
        """Delete the oldest files until at most ``max_files`` and ``max_bytes`` remain; return what went."""
        files = sorted((p for p in self.path.iterdir() if p.is_file()), key=lambda p: p.stat().st_mtime)
        removed = []
        total = sum(p.stat().st_size for p in files)
        for p in files:
            if len(files) - len(removed) <= max_files and total <= max_bytes:
                break
            if keep is not None and p == keep:
                continue
            total -= p.stat().st_size
            p.unlink(missing_ok=True)
            removed.append(p)
        return removed


def sweep_stale(parent: str | os.PathLike | None = None, *, older_than_s: float = STALE_AFTER_S) -> list[Path]:
    """Remove session folders of ours (this user's, real folders, not links) untouched for ``older_than_s``."""
    parent = Path(parent or tempfile.gettempdir())
    now = time.time()
    removed = []
    try:
        candidates = list(parent.glob(PREFIX + "*"))
    except OSError:
        return removed
    for p in candidates:
        try:
            st_ = os.lstat(p)
        except OSError:
            continue
        if not stat.S_ISDIR(st_.st_mode) or st_.st_uid != os.getuid() or now - st_.st_mtime < older_than_s:
            continue
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p)
    return removed


def session_folder() -> SessionFolder:
    """This browser session's private folder (made on first use, removed when the session ends)."""
    holder = st.session_state.get(STATE_KEY)
    if not isinstance(holder, SessionFolder) or not holder.alive:
        sweep_stale()
        holder = SessionFolder()
        st.session_state[STATE_KEY] = holder
    return holder
