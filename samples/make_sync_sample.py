"""Generate the lip-sync page's built-in video: samples/talking_face_offset.mp4.

A drawn, frontal cartoon face (OpenCV drawing) "says" the built-in espeak-ng
sentence samples/speech_fricatives.flac: its mouth follows the phoneme timing
espeak-ng reported for that sentence (samples/speech_fricatives.phonemes.tsv,
made by samples/make_talker_speech.py): shut for /p b m/, wide for open
vowels, at rest in pauses, smoothed like a jaw with inertia
(lib.talking_face.articulation). It is never driven by the sound's energy,
which the weight-free estimator measures. The audio track is then advanced by a known offset (default +4
frames = the audio leads the picture by 160 ms, SyncNet's positive sign) and
the result is written with PyAV as H.264 (yuv420p) + AAC in MP4, so browsers
play it.

Run:  .venv/bin/python samples/make_sync_sample.py [--offset-frames 4] [--out PATH]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib.talking_face import load_utterance, talking_face  # noqa: E402
from lib.video import FPS, SR, write_av  # noqa: E402

#: The offset baked into the built-in sample (frames; positive = audio leads).
SAMPLE_OFFSET_FRAMES = 4
SAMPLE_NAME = "talking_face_offset.mp4"


def make_sample(out: Path, offset_frames: int = SAMPLE_OFFSET_FRAMES, *, width: int = 320, height: int = 240) -> Path:
    """Write the drawn talking face with its audio leading by ``offset_frames`` frames."""
    speech, phonemes = load_utterance("speech_fricatives")
    frames, audio = talking_face(speech, offset_frames, phonemes=phonemes, width=width, height=height)
    return write_av(out, frames, audio, fps=FPS, sr=SR, crf=26, audio_bitrate=64000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offset-frames", type=int, default=SAMPLE_OFFSET_FRAMES)
    parser.add_argument("--out", type=Path, default=ROOT / "samples" / SAMPLE_NAME)
    args = parser.parse_args()
    path = make_sample(args.out, args.offset_frames)
    print(f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB, audio leads by {args.offset_frames} frames "
          f"= {1000 * args.offset_frames / FPS:.0f} ms)")


if __name__ == "__main__":
    main()
