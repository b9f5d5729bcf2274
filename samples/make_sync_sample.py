"""Generate the lip-sync page's built-in video: samples/talking_face_offset.mp4.

A drawn, frontal cartoon face (OpenCV drawing) "says" the built-in espeak-ng
sentence samples/speech_fricatives.flac: on every 25 fps frame its mouth opens
in proportion to the speech-band (300-3000 Hz) energy of the audio at that
instant. The audio track is then advanced by a known offset (default +4
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

from lib.audio import load_audio  # noqa: E402
from lib.talking_face import talking_face  # noqa: E402
from lib.video import FPS, SR, write_av  # noqa: E402

#: The offset baked into the built-in sample (frames; positive = audio leads).
SAMPLE_OFFSET_FRAMES = 4
SAMPLE_NAME = "talking_face_offset.mp4"


def make_sample(out: Path, offset_frames: int = SAMPLE_OFFSET_FRAMES, *, width: int = 320, height: int = 240) -> Path:
    """Write the drawn talking face with its audio leading by ``offset_frames`` frames."""
    speech = load_audio(ROOT / "samples" / "speech_fricatives.flac", sr=SR, name="speech").samples
    frames, audio = talking_face(speech, offset_frames, width=width, height=height)
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
