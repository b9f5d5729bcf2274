"""The dataset's manifest: one Parquet row per example, with a fixed, typed schema.

Workers write one part per chunk (``manifest_parts/chunk_000123.parquet``); the client streams
the parts, in chunk order, into ``manifest.parquet``, so memory stays bounded by one part whatever
the dataset size.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

#: Every column: name -> (Arrow type, meaning). The README's manifest table follows this.
COLUMNS: dict[str, tuple[pa.DataType, str]] = {
    # identity
    "index": (pa.int64(), "example number, 0 ... n-1"),
    "seed": (pa.int64(), "the dataset's seed (with index it fixes every draw)"),
    "chunk": (pa.int64(), "chunk that rendered the example"),
    "code_version": (pa.string(), "hash of the code that rendered it (lib science + pipeline writer)"),
    "sr": (pa.int64(), "sampling rate of every file, Hz"),
    # room
    "duration_s": (pa.float64(), "length of input and target, s"),
    "room_length_m": (pa.float64(), "room length, m"),
    "room_width_m": (pa.float64(), "room width, m"),
    "room_height_m": (pa.float64(), "room height, m"),
    "volume_m3": (pa.float64(), "room volume, m^3"),
    "absorption_mode": (pa.string(), "rt60 (uniform absorption from a drawn RT60) or materials"),
    "rt60_target_s": (pa.float64(), "drawn RT60 (rt60 mode; NaN otherwise), s"),
    "absorption": (pa.float64(), "uniform absorption from inverse Eyring (rt60 mode; NaN otherwise)"),
    "material_x0": (pa.string(), "material of the wall at x = 0 (materials mode)"),
    "material_x1": (pa.string(), "material of the wall at x = L"),
    "material_y0": (pa.string(), "material of the wall at y = 0"),
    "material_y1": (pa.string(), "material of the wall at y = W"),
    "material_floor": (pa.string(), "floor material"),
    "material_ceiling": (pa.string(), "ceiling material"),
    "rt60_sabine_s": (pa.float64(), "predicted RT60 by Sabine (500 Hz-1 kHz mean), s"),
    "rt60_eyring_s": (pa.float64(), "predicted RT60 by Eyring (500 Hz-1 kHz mean), s"),
    "model": (pa.string(), "hybrid or image-source"),
    "max_order": (pa.int64(), "image-order cap of the image-source model"),
    "image_order": (pa.int64(), "image order actually used"),
    "source_x_m": (pa.float64(), "source position x, m"),
    "source_y_m": (pa.float64(), "source position y, m"),
    "source_z_m": (pa.float64(), "source position z, m"),
    "mic_x_m": (pa.float64(), "microphone position x, m"),
    "mic_y_m": (pa.float64(), "microphone position y, m"),
    "mic_z_m": (pa.float64(), "microphone position z, m"),
    "distance_m": (pa.float64(), "source-microphone distance, m"),
    "rir_seed": (pa.int64(), "seed of the hybrid model's diffuse tail"),
    # measured on the impulse response
    "t20_s": (pa.float64(), "measured T20 of the RIR (NaN if the decay is too short), s"),
    "t30_s": (pa.float64(), "measured T30 of the RIR, s"),
    "edt_s": (pa.float64(), "measured early decay time, s"),
    "drr_db": (pa.float64(), "direct-to-reverberant ratio, dB"),
    "c50_db": (pa.float64(), "clarity C50, dB"),
    "rir_duration_s": (pa.float64(), "length of the RIR, s"),
    "direct_delay_samples": (pa.float64(), "direct-path delay distance/c * sr (target and input share it)"),
    # speech and noise
    "speech_path": (pa.string(), "clean speech file"),
    "speech_file_duration_s": (pa.float64(), "length of that file, s"),
    "speech_u": (pa.float64(), "draw in [0, 1) that picked the file"),
    "speech_offset_u": (pa.float64(), "draw in [0, 1) that placed the excerpt"),
    "speech_start_s": (pa.float64(), "start of the excerpt in the file, s"),
    "speech_activity": (pa.float64(), "fraction of active speech (ITU-T P.56) in the reverberant speech"),
    "noise_kind": (pa.string(), "white, pink, brown, hum, fan, babble or file"),
    "noise_path": (pa.string(), "noise file (kind 'file'; empty otherwise)"),
    "noise_u": (pa.float64(), "draw in [0, 1) that picked the noise file"),
    "noise_offset_u": (pa.float64(), "draw in [0, 1) that placed the noise excerpt"),
    "noise_start_s": (pa.float64(), "start of the noise excerpt, s"),
    "noise_seed": (pa.int64(), "seed of a synthetic noise"),
    "snr_db": (pa.float64(), "drawn SNR on active speech, dB"),
    "snr_achieved_db": (pa.float64(), "SNR measured on the mix before degradation, dB"),
    # level and degradations
    "level_dbfs": (pa.float64(), "drawn active speech level of the input, dBFS"),
    "input_level_dbfs": (pa.float64(), "achieved level (lower when the peak would have clipped), dBFS"),
    "gain_db": (pa.float64(), "gain applied to input and target, dB"),
    "input_peak_dbfs": (pa.float64(), "peak of the written input, dBFS"),
    "clip": (pa.bool_(), "clipping applied"),
    "clip_headroom_db": (pa.float64(), "clipping threshold below the peak, dB (NaN if none)"),
    "clipped_fraction": (pa.float64(), "fraction of input samples clipped on purpose"),
    "over_full_scale_fraction": (pa.float64(), "fraction of samples beyond full scale after the codec (limited)"),
    "band_limit": (pa.bool_(), "low-pass applied"),
    "cutoff_hz": (pa.float64(), "low-pass cutoff, Hz (NaN if none)"),
    "codec": (pa.string(), "opus, mp3, aac, mulaw8 or none"),
    "bitrate_kbps": (pa.float64(), "codec bitrate, kbps (NaN if none)"),
    # target
    "target": (pa.string(), "dry (direct path) or early (direct + early reflections)"),
    "early_ms": (pa.float64(), "end of the early part after the direct sound, ms (NaN for dry)"),
    # files
    "input_path": (pa.string(), "degraded input, relative to the output folder"),
    "target_path": (pa.string(), "training target, relative to the output folder"),
    "rir_path": (pa.string(), "impulse response (float32 WAV), relative to the output folder"),
    "input_bytes": (pa.int64(), "size of the input file"),
    "target_bytes": (pa.int64(), "size of the target file"),
    "rir_bytes": (pa.int64(), "size of the RIR file"),
}

SCHEMA = pa.schema([pa.field(name, typ) for name, (typ, _) in COLUMNS.items()])


def table(rows: list[dict]) -> pa.Table:
    """Rows (dicts with exactly the schema's columns) as an Arrow table of :data:`SCHEMA`."""
    for r in rows:
        missing, extra = set(COLUMNS) - set(r), set(r) - set(COLUMNS)
        if missing or extra:
            raise ValueError(f"manifest row {r.get('index')}: missing {sorted(missing)}, unexpected {sorted(extra)}")
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def write_atomic(tbl: pa.Table, path: str | Path) -> None:
    """Write a Parquet file under a temporary name, then rename it: readers never see half a file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex}")
    pq.write_table(tbl, tmp, compression="zstd")
    os.replace(tmp, path)


def read(path: str | Path) -> pa.Table:
    """A manifest or a part, checked against :data:`SCHEMA` (ValueError if it differs)."""
    tbl = pq.read_table(path)
    if not tbl.schema.equals(SCHEMA):
        raise ValueError(f"{path} does not have the manifest schema")
    return tbl


def assemble(parts: list[Path], out: str | Path) -> int:
    """Stream ``parts`` (in order) into one Parquet file, atomically; returns the row count."""
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp-{uuid.uuid4().hex}")
    rows = 0
    try:
        with pq.ParquetWriter(tmp, SCHEMA, compression="zstd") as writer:
            for part in parts:
                tbl = read(part)
                writer.write_table(tbl)
                rows += tbl.num_rows
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return rows
