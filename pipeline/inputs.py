"""Input audio for the generator: folders of speech and noise, and the espeak-ng demo speech."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

from lib.errors import InputError

#: File types read from the speech and noise folders (libsndfile decodes them all).
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg")

#: Harvard sentences (IEEE Recommended Practice for Speech Quality Measurements, 1969), lists 1-2.
DEMO_SENTENCES = (
    "The birch canoe slid on the smooth planks.",
    "Glue the sheet to the dark blue background.",
    "It's easy to tell the depth of a well.",
    "These days a chicken leg is a rare dish.",
    "Rice is often served in round bowls.",
    "The juice of lemons makes fine punch.",
    "The box was thrown beside the parked truck.",
    "The hogs were fed chopped corn and garbage.",
    "Four hours of steady work faced us.",
    "A large size in stockings is hard to sell.",
    "The boy was there when the sun rose.",
    "A rod is used to catch pink salmon.",
    "The source of the huge river is the clear spring.",
    "Kick the ball straight and follow through.",
    "Help the woman get back to her feet.",
    "A pot of tea helps to pass the evening.",
    "Smoky fires lack flame and heat.",
    "The soft cushion broke the man's fall.",
    "The salt breeze came across from the sea.",
    "The girl at the booth sold fifty bonds.",
)
#: espeak-ng voices (with variants) the demo speech cycles through: accents, male and female.
DEMO_VOICES = ("en-gb", "en-us+f3", "en-gb-scotland", "en-029+f2", "en-gb-x-rp+m3", "en-us-nyc+f4")


def list_audio(folder: str | Path) -> list[str]:
    """Audio files under ``folder`` (recursively), as sorted absolute paths.

    Sorting makes the list, and so every ``int(u * n)`` pick of a file, independent of the
    order the file system lists them in.

    Raises
    ------
    InputError
        If the folder does not exist or holds no WAV/FLAC/OGG file.
    """
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise InputError(f"{root} is not a folder.")
    files = sorted(str(p.resolve()) for p in root.rglob("*")
                   if p.suffix.lower() in AUDIO_EXTENSIONS and p.is_file() and not p.name.startswith("."))
    if not files:
        raise InputError(f"No {'/'.join(e[1:].upper() for e in AUDIO_EXTENSIONS)} files under {root}.")
    return files


def check_readable(files: list[str], what: str) -> None:
    """Read every file's header (not its samples): a corrupt file is reported before hours of work,
    not when a worker first draws it.

    Raises
    ------
    InputError
        Naming up to five unreadable or empty files.
    """
    import soundfile as sf

    bad = []
    for f in files:
        try:
            info = sf.info(f)
            if info.frames == 0 or info.samplerate <= 0:
                bad.append(f"{f} (empty)")
        except Exception as exc:  # libsndfile raises several types for a bad header
            bad.append(f"{f} ({str(exc).strip()[:60]})")
        if len(bad) >= 5:
            break
    if bad:
        raise InputError(f"Some {what} files cannot be read: " + "; ".join(bad)
                         + ". Remove or repair them and run again.")


def files_digest(files: list[str]) -> str:
    """Hash of the file list with each file's size: a rerun with other inputs is noticed."""
    h = hashlib.sha1()
    for f in files:
        h.update(f.encode())
        h.update(str(Path(f).stat().st_size).encode())
    return h.hexdigest()[:16]


#: Decoded files a worker keeps (many examples reuse a file), bounded in bytes, not in files:
#: a corpus of hour-long recordings must not fill a worker's memory.
CACHE_BYTES = 256 * 2**20
_cache: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()


def load(path: str, sr: int) -> np.ndarray:
    """A whole file, mono float32, resampled to ``sr`` (least-recently-used cache of :data:`CACHE_BYTES`)."""
    from lib.audio import load_audio

    key = (path, int(sr))
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    try:
        y = load_audio(path, sr=sr, max_duration_s=None).samples
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    _cache[key] = y
    while len(_cache) > 1 and sum(a.nbytes for a in _cache.values()) > CACHE_BYTES:
        _cache.popitem(last=False)
    return y


def speak(text: str, sr: int, *, voice: str = "en-gb", wpm: int = 150) -> np.ndarray:
    """Speech from espeak-ng, resampled to ``sr``, peak 0.7 (float32).

    Raises
    ------
    InputError
        If espeak-ng is not installed (Debian package ``espeak-ng``).
    """
    import soundfile as sf

    from lib.audio import resample

    exe = shutil.which("espeak-ng")
    if exe is None:
        raise InputError("espeak-ng is not installed (apt-get install espeak-ng); it speaks the demo sentences.")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        subprocess.run([exe, "-v", voice, "-s", str(int(wpm)), "-w", str(wav), text], check=True,
                       capture_output=True)
        y, file_sr = sf.read(wav, dtype="float32")
    y = resample(y, file_sr, sr)
    return (0.7 * y / np.max(np.abs(y))).astype(np.float32)


def demo_text(i: int) -> str:
    """Words of demo utterance ``i``: two consecutive Harvard sentences (about 5 s, longer than an example)."""
    n = len(DEMO_SENTENCES)
    return f"{DEMO_SENTENCES[i % n]} {DEMO_SENTENCES[(i + 1) % n]}"


def demo_utterance(i: int, sr: int) -> np.ndarray:
    """Demo utterance ``i`` (cycling voices and speeds) exactly as :func:`write_demo_speech` stores it
    (16-bit), so a page previewing it renders the same examples as the command line."""
    y = speak(demo_text(i), sr, voice=DEMO_VOICES[i % len(DEMO_VOICES)], wpm=(140, 160, 175)[i % 3])
    return (np.round(np.clip(y, -1, 1 - 2**-15) * 32768) / 32768).astype(np.float32)


def write_demo_speech(folder: str | Path, *, n: int = len(DEMO_SENTENCES), sr: int = 16000) -> list[str]:
    """Speak ``n`` demo utterances into ``folder`` as 16-bit FLAC files (see :func:`demo_utterance`).

    Files that already exist are kept, so a rerun reuses them; espeak-ng is deterministic, so the
    same sentences give the same samples.
    """
    import soundfile as sf

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = out / f"demo_{i:03d}.flac"
        if not path.exists():
            tmp = path.with_name(f".{path.name}.tmp")
            sf.write(tmp, demo_utterance(i, sr), sr, format="FLAC", subtype="PCM_16")
            tmp.replace(path)
        paths.append(str(path.resolve()))
    return paths
