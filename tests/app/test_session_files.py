"""components.session_files: private per-session folders for uploads, removed when the session ends, capped."""

from __future__ import annotations

import gc
import os
import stat
import time

import pytest

from components.session_files import PREFIX, SessionFolder, sweep_stale


def test_folder_is_private_and_files_are_created_fresh(tmp_path):
    folder = SessionFolder(parent=tmp_path)
    assert folder.path.name.startswith(PREFIX) and len(folder.path.name) > len(PREFIX) + 6  # random part
    assert stat.S_IMODE(os.stat(folder.path).st_mode) == 0o700
    p = folder.save(b"video bytes", ".MP4")
    assert p.parent == folder.path and p.suffix == ".mp4"
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    assert folder.save(b"video bytes", ".mp4") == p  # same content: the same (own) file
    # Whatever sits under the name and is not our file is replaced, never followed.
    target = tmp_path / "elsewhere.txt"
    target.write_text("do not touch")
    p.unlink()
    p.symlink_to(target)
    assert folder.save(b"video bytes", ".mp4") == p
    assert not p.is_symlink() and p.read_bytes() == b"video bytes" and target.read_text() == "do not touch"
    # Odd suffixes from an upload name are reduced to letters and digits.
    assert folder.save(b"x", "../../etc/passwd").parent == folder.path


def test_folder_is_removed_when_the_session_lets_go_of_it(tmp_path):
    folder = SessionFolder(parent=tmp_path)
    path = folder.path
    folder.save(b"abc", ".mp4")
    state = {"_ave_session_folder": folder}  # what Streamlit's session state holds
    del folder
    assert path.exists()
    state.clear()  # the session ends: Streamlit drops its state
    gc.collect()
    assert not path.exists()


def test_cap_keeps_the_newest_files(tmp_path):
    folder = SessionFolder(parent=tmp_path)
    paths = []
    for i in range(6):
        paths.append(folder.save(bytes([i]) * 100, ".mp4"))
        os.utime(paths[-1], (time.time() + i, time.time() + i))
    assert sorted(folder.path.iterdir()) == sorted(paths[2:])  # MAX_FILES = 4
    removed = folder.enforce_cap(max_files=10, max_bytes=250)
    assert removed == paths[2:4] and sorted(folder.path.iterdir()) == sorted(paths[4:])


def test_stale_sweep_removes_only_our_old_folders(tmp_path):
    old, fresh = SessionFolder(parent=tmp_path), SessionFolder(parent=tmp_path)
    long_ago = time.time() - 3 * 24 * 3600
    os.utime(old.path, (long_ago, long_ago))
    outside = tmp_path / "keep_me"
    outside.mkdir()
    link = tmp_path / (PREFIX + "link")
    link.symlink_to(outside)
    os.utime(link, (long_ago, long_ago), follow_symlinks=False)
    removed = sweep_stale(tmp_path)
    assert removed == [old.path]
    assert fresh.path.exists() and outside.exists() and link.is_symlink()


@pytest.mark.parametrize("suffix", ["", ".mpg", ".webm"])
def test_new_path_is_unused(tmp_path, suffix):
    folder = SessionFolder(parent=tmp_path)
    a, b = folder.new_path(suffix), folder.new_path(suffix)
    assert a != b and a.parent == folder.path and a.name.endswith(suffix)
