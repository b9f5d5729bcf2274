"""Reverberant, noisy speech examples for training speech enhancement: the per-example science.

One example = clean speech, convolved with a simulated room, plus noise at an SNR measured on
active speech, then (optionally) level, clipping, band-limiting and a classic codec. The training
target is the same speech as it reaches the microphone by the direct path alone (``"dry"``) or by
the direct path plus the early reflections (``"early"``), so it lines up sample for sample with the
input. Everything here is pure: numbers in, arrays out; the batch runner lives in ``pipeline/``.

The spec
--------
A nested dict (the same shape as the TOML file ``pipeline.generate --spec`` reads). Every leaf that
is drawn per example is either a constant (``4.0``, ``"hybrid"``) or a distribution table::

    {"dist": "uniform", "low": 0.2, "high": 1.2}
    {"dist": "log-uniform", "low": 2000, "high": 7000}     # uniform in log(value)
    {"dist": "choice", "values": ["opus", "mp3"], "weights": [1, 1]}   # weights optional

``spec=None`` means :data:`DEFAULT_SPEC`; a partial spec is merged into it (:func:`resolve_spec`).

Randomness
----------
Parameter ``name`` of example ``index`` is drawn from its own generator,
``np.random.default_rng([seed, index, crc32(name)])``: one seed fixes the whole dataset, any example
can be drawn alone (no need to replay the ones before it), and changing one distribution leaves
every other parameter of every example as it was.
"""

from __future__ import annotations

import copy
import difflib
import json
import math
import zlib
from typing import Any

import numpy as np

from lib.errors import MAX_AMPLITUDE, InputError, check_int, check_number, check_signal, check_sr

#: Distributions a spec leaf can name.
DISTRIBUTIONS = ("uniform", "log-uniform", "choice")
#: Noises :func:`synth_noise` makes; ``"file"`` takes the noise array the caller passes instead.
NOISE_KINDS = {
    "white": "Gaussian white noise (flat spectrum)",
    "pink": "1/f noise (-3 dB per octave), like rain or a waterfall",
    "brown": "1/f^2 noise (-6 dB per octave), a low rumble",
    "hum": "mains hum at 50 or 60 Hz with harmonics, over a faint hiss",
    "fan": "a fan or air conditioner: low-pass noise plus a blade-pass tone and its harmonics",
    "babble": "speech-shaped noise with syllable-rate modulation from several talkers (a stand-in for babble)",
    "file": "a recording from the noise folder (a random stretch, looped if short)",
}
#: Training targets.
TARGETS = {
    "dry": "the direct path only: the dry speech delayed and attenuated as it reaches the microphone",
    "early": "the direct path plus the early reflections up to early_ms after it",
}
#: Room models.
MODELS = ("hybrid", "image-source")
#: How surfaces get their absorption.
ABSORPTION_MODES = ("rt60", "materials")
#: Codecs the degradation stage accepts (a subset of lib.codec.CLASSIC_CODECS).
CODECS = ("opus", "mp3", "aac", "mulaw8")
#: ITU-T P.56 constants: envelope time constant, hangover, margin between active level and threshold.
P56_TIME_CONSTANT_S = 0.03
P56_HANGOVER_S = 0.2
P56_MARGIN_DB = 15.9
#: Length of the fade that ends the early-reflection target, in ms (a hard cut would click).
EARLY_FADE_MS = 5.0
#: Longest example (s) and the sampling rates (Hz) the renderers accept.
MAX_EXAMPLE_S = 120.0
MIN_SR, MAX_SR = 1000, 192000

_WALLS = ["Hard surface (average)", "Rendered brickwork", "Rough concrete", "Plasterboard on frame",
          "Wooden lining", "Glass window", "Curtains, cotton draped"]
_FLOORS = ["Concrete floor", "Linoleum on concrete", "Stage floor (wood)", "Carpet, cotton",
           "Carpet, tufted 9 mm on felt"]
_CEILINGS = ["Plasterboard ceiling", "Fissured ceiling tile", "Acoustic plaster 25 mm", "Rough concrete"]


def _u(low, high):
    return {"dist": "uniform", "low": low, "high": high}


def _logu(low, high):
    return {"dist": "log-uniform", "low": low, "high": high}


def _choice(values, weights=None):
    d = {"dist": "choice", "values": list(values)}
    if weights is not None:
        d["weights"] = list(weights)
    return d


#: The documented defaults (README, "Speech data generator"): 4-s examples at 16 kHz in living-room
#: to classroom sized rooms with RT60 0.2-1.2 s, SNR 0-30 dB on active speech, mild degradations.
DEFAULT_SPEC: dict[str, Any] = {
    "sr": 16000,
    "duration_s": 4.0,
    "room": {
        "length_m": _u(3.0, 10.0),
        "width_m": _u(3.0, 8.0),
        "height_m": _u(2.4, 4.0),
        "absorption": "rt60",
        "rt60_s": _u(0.2, 1.2),
        "wall_material": _choice(_WALLS),
        "floor_material": _choice(_FLOORS),
        "ceiling_material": _choice(_CEILINGS),
        "model": "hybrid",
        "max_order": 30,
    },
    "positions": {
        "min_wall_m": 0.5,
        "min_distance_m": 0.75,
        "max_distance_m": 0.0,
        "source_height_m": _u(1.2, 1.9),
        "mic_height_m": _u(0.7, 1.6),
    },
    "noise": {
        "kind": _choice(["pink", "white", "brown", "hum", "fan", "babble"]),
        "snr_db": _u(0.0, 30.0),
    },
    "degrade": {
        "level_dbfs": _u(-35.0, -15.0),
        "clip_probability": 0.05,
        "clip_headroom_db": _u(1.0, 12.0),
        "band_limit_probability": 0.2,
        "cutoff_hz": _logu(2000.0, 7000.0),
        "codec_probability": 0.2,
        "codec": _choice(["opus", "mp3"]),
        "bitrate_kbps": _logu(8.0, 32.0),
    },
    "target": {
        "kind": "early",
        "early_ms": 50.0,
    },
    "output": {
        "format": "flac",
    },
}

#: Leaves drawn per example (may be distributions), with what kind of value they take.
_DRAWN = {
    "duration_s": "positive",
    "room.length_m": "positive", "room.width_m": "positive", "room.height_m": "positive",
    "room.absorption": ABSORPTION_MODES, "room.rt60_s": "positive",
    "room.wall_material": "material", "room.floor_material": "material", "room.ceiling_material": "material",
    "room.model": MODELS,
    "positions.source_height_m": "positive", "positions.mic_height_m": "positive",
    "noise.kind": tuple(NOISE_KINDS), "noise.snr_db": "number",
    "degrade.level_dbfs": "level", "degrade.clip_headroom_db": "positive", "degrade.cutoff_hz": "positive",
    "degrade.codec": CODECS, "degrade.bitrate_kbps": "positive",
    "target.kind": tuple(TARGETS), "target.early_ms": "positive",
}
_PROBABILITIES = ("degrade.clip_probability", "degrade.band_limit_probability", "degrade.codec_probability")
_OUTPUT_FORMATS = ("flac", "wav")


# --------------------------------------------------------------------------------------
# the spec
# --------------------------------------------------------------------------------------

def _leaf_paths(tree: dict, prefix: str = "") -> list[str]:
    out = []
    for k, v in tree.items():
        path = f"{prefix}{k}"
        if isinstance(v, dict) and "dist" not in v:
            out += _leaf_paths(v, path + ".")
        else:
            out.append(path)
    return out


def _get(spec: dict, path: str):
    node = spec
    for part in path.split("."):
        node = node[part]
    return node


def _merge(base: dict, override: dict, prefix: str = "") -> dict:
    out = copy.deepcopy(base)
    for k, v in override.items():
        path = f"{prefix}{k}"
        if k not in base:
            close = difflib.get_close_matches(k, list(base), n=1)
            hint = f" Did you mean {prefix}{close[0]}?" if close else f" Known here: {', '.join(base)}."
            raise InputError(f"Unknown setting '{path}' in the spec.{hint}")
        if isinstance(base[k], dict) and "dist" not in base[k]:
            if not isinstance(v, dict):
                raise InputError(f"'{path}' is a section of settings ({', '.join(base[k])}); got {v!r}.")
            out[k] = _merge(base[k], v, path + ".")
        else:
            out[k] = copy.deepcopy(v)
    return out


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and math.isfinite(v)


def _check_value(path: str, v, kind) -> None:
    if isinstance(kind, tuple):
        if v not in kind:
            raise InputError(f"{path}: {v!r} is not one of {', '.join(map(str, kind))}.")
        return
    if kind == "scalar":  # any constant a spec can hold: text, a flag or a finite number
        if not (isinstance(v, (str, bool)) or _is_number(v)):
            raise InputError(f"{path}: expected text, true/false or a finite number; got {v!r:.40}.")
        return
    if kind == "material":
        from lib.materials import MATERIALS

        if v not in MATERIALS:
            close = difflib.get_close_matches(str(v), list(MATERIALS), n=1)
            raise InputError(f"{path}: unknown material {v!r}." + (f" Did you mean {close[0]!r}?" if close else ""))
        return
    if not _is_number(v):
        raise InputError(f"{path}: expected a number; got {v!r}.")
    if kind == "positive" and v <= 0:
        raise InputError(f"{path}: must be positive; got {v}.")
    if kind == "level" and v > 0:
        raise InputError(f"{path}: a level in dBFS is at most 0 (full scale); got {v}.")


def _check_leaf(path: str, leaf, kind) -> None:
    if not isinstance(leaf, dict):
        _check_value(path, leaf, kind)
        return
    dist = leaf.get("dist")
    if dist not in DISTRIBUTIONS:
        raise InputError(f"{path}: dist must be one of {', '.join(DISTRIBUTIONS)}; got {dist!r}.")
    allowed = {"dist", "values", "weights"} if dist == "choice" else {"dist", "low", "high"}
    extra = set(leaf) - allowed
    if extra:
        raise InputError(f"{path}: a {dist} distribution takes {', '.join(sorted(allowed - {'dist'}))}; "
                         f"unexpected {', '.join(sorted(extra))}.")
    if dist == "choice":
        values = leaf.get("values")
        if not isinstance(values, (list, tuple)) or not values:
            raise InputError(f"{path}: a choice needs a non-empty list of values.")
        for v in values:
            _check_value(path, v, kind)
        w = leaf.get("weights")
        if w is not None:
            if not isinstance(w, (list, tuple)) or len(w) != len(values) or not all(_is_number(x) and x >= 0 for x in w):
                raise InputError(f"{path}: weights must be {len(values)} non-negative numbers, one per value.")
            if sum(w) <= 0:
                raise InputError(f"{path}: the weights add up to zero; at least one value must be possible.")
        return
    if isinstance(kind, tuple) or kind == "material":
        raise InputError(f"{path}: takes a value or a choice, not a {dist} range.")
    for side in ("low", "high"):
        if side not in leaf:
            raise InputError(f"{path}: a {dist} distribution needs both low and high.")
        _check_value(f"{path}.{side}", leaf[side], kind)
    if not leaf["low"] <= leaf["high"]:
        raise InputError(f"{path}: low ({leaf['low']}) must not exceed high ({leaf['high']}).")
    if dist == "log-uniform" and leaf["low"] <= 0:
        raise InputError(f"{path}: a log-uniform range needs low > 0; got {leaf['low']}.")


def _check_any_leaf(leaf, numeric: bool) -> None:
    """A constant or a distribution table as the module docstring describes, else :class:`InputError`."""
    if isinstance(leaf, dict) and leaf.get("dist") == "choice" and not numeric:
        _check_leaf("The leaf", leaf, "scalar")
    else:
        _check_leaf("The leaf", leaf, "number" if numeric or isinstance(leaf, dict) else "scalar")


def bounds(leaf) -> tuple:
    """Smallest and largest value a numeric leaf can take: ``(low, high)``."""
    _check_any_leaf(leaf, numeric=True)
    if not isinstance(leaf, dict):
        return leaf, leaf
    if leaf["dist"] == "choice":
        return min(leaf["values"]), max(leaf["values"])
    return leaf["low"], leaf["high"]


def possible_values(leaf) -> list:
    """Values a categorical leaf can take (those with a non-zero weight)."""
    _check_any_leaf(leaf, numeric=False)
    if isinstance(leaf, dict) and leaf["dist"] != "choice":
        raise InputError(f"A {leaf['dist']} range is not categorical: it takes a range of numbers, not a list of values.")
    if not isinstance(leaf, dict):
        return [leaf]
    w = leaf.get("weights") or [1] * len(leaf["values"])
    return [v for v, wi in zip(leaf["values"], w) if wi > 0]


def resolve_spec(spec: dict | None = None) -> dict:
    """Merge ``spec`` into :data:`DEFAULT_SPEC` and check every setting.

    Raises
    ------
    InputError
        Naming the setting (``room.rt60_s: low (1.5) must not exceed high (1.2).``) for an unknown
        key, a bad distribution, an impossible value, or rooms too small for the position rules.
    """
    if spec is None:
        full = copy.deepcopy(DEFAULT_SPEC)
    else:
        if not isinstance(spec, dict):
            raise InputError(f"The spec must be a table of settings; got {type(spec).__name__}.")
        full = _merge(DEFAULT_SPEC, spec)
    sr = full["sr"]
    if not _is_number(sr) or int(sr) != sr or not 4000 <= sr <= 96000:
        raise InputError(f"sr: the sampling rate must be a whole number of Hz between 4000 and 96000; got {sr!r}.")
    for path, kind in _DRAWN.items():
        _check_leaf(path, _get(full, path), kind)
    for path in _PROBABILITIES:
        p = _get(full, path)
        if not _is_number(p) or not 0 <= p <= 1:
            raise InputError(f"{path}: a probability between 0 and 1; got {p!r}.")
    pos = full["positions"]
    for key in ("min_wall_m", "min_distance_m", "max_distance_m"):
        if not _is_number(pos[key]) or pos[key] < 0:
            raise InputError(f"positions.{key}: a distance in metres >= 0; got {pos[key]!r}.")
    if pos["min_distance_m"] < 0.1:
        raise InputError("positions.min_distance_m: keep source and microphone at least 0.1 m apart "
                         "(closer, the point-source model and the 1/r law break down).")
    if pos["max_distance_m"] and pos["max_distance_m"] < pos["min_distance_m"] + 0.05:
        raise InputError("positions.max_distance_m must exceed min_distance_m by at least 5 cm (or be 0: no limit).")
    order = full["room"]["max_order"]
    if not _is_number(order) or int(order) != order or not 0 <= order <= 120:
        raise InputError(f"room.max_order: a whole image-source order from 0 to 120; got {order!r}.")
    if full["output"]["format"] not in _OUTPUT_FORMATS:
        raise InputError(f"output.format: one of {', '.join(_OUTPUT_FORMATS)}; got {full['output']['format']!r}.")
    smallest = min(bounds(full["room"][k])[0] for k in ("length_m", "width_m", "height_m"))
    if smallest <= 2 * pos["min_wall_m"] + 0.05:
        raise InputError(
            f"The smallest room side can be {smallest:g} m, too small to keep source and microphone "
            f"{pos['min_wall_m']:g} m from the walls (positions.min_wall_m). Make rooms larger or the margin smaller."
        )
    lo_dur = bounds(full["duration_s"])[0]
    if lo_dur * sr < 1024:
        raise InputError(f"duration_s: examples need at least 1024 samples; {lo_dur:g} s at {sr} Hz is too short.")
    if bounds(full["duration_s"])[1] > 120:
        raise InputError("duration_s: at most 120 s per example (cut long recordings into utterances first).")
    return full


_RESOLVED: dict[str, dict] = {}


def _resolved(spec: dict | None) -> dict:
    """:func:`resolve_spec`, remembered for the last few specs (a job draws millions of examples
    from one spec; checking it each time would cost more than drawing). Read-only for callers."""
    key = json.dumps(spec, sort_keys=True, default=str)
    out = _RESOLVED.get(key)
    if out is None:
        out = resolve_spec(spec)
        if len(_RESOLVED) >= 8:
            _RESOLVED.pop(next(iter(_RESOLVED)))
        _RESOLVED[key] = out
    return out


def spec_to_toml(spec: dict) -> str:
    """Write a spec as TOML text (``tomllib.loads`` gives it back)."""
    if not isinstance(spec, dict):
        raise InputError(f"The spec must be a table of settings (a dict); got {type(spec).__name__}.")

    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, (int, np.integer)):
            return str(int(v))
        if isinstance(v, (float, np.floating)):
            return repr(float(v))
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        raise InputError(f"Cannot write {v!r} to TOML.")

    lines = []
    tables = []
    for k, v in spec.items():
        if isinstance(v, dict) and "dist" not in v:
            tables.append((k, v))
        else:
            lines.append(f"{k} = {value(v)}")
    for name, table in tables:
        lines.append("")
        lines.append(f"[{name}]")
        for k, v in table.items():
            lines.append(f"{k} = {value(v)}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------
# drawing
# --------------------------------------------------------------------------------------

def _rng(seed: int, index: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, index, zlib.crc32(name.encode())])


def sample(leaf, rng: np.random.Generator):
    """One draw from a spec leaf (a constant comes back as it is)."""
    _check_any_leaf(leaf, numeric=False)
    if not isinstance(rng, np.random.Generator):
        raise InputError(f"rng must be a numpy Generator (np.random.default_rng(seed)); got {type(rng).__name__}.")
    return _sample(leaf, rng)


def _sample(leaf, rng: np.random.Generator):
    if not isinstance(leaf, dict):
        return leaf
    dist = leaf["dist"]
    if dist == "uniform":
        return float(rng.uniform(leaf["low"], leaf["high"]))
    if dist == "log-uniform":
        return float(math.exp(rng.uniform(math.log(leaf["low"]), math.log(leaf["high"]))))
    values = leaf["values"]
    w = leaf.get("weights")
    p = None if w is None else np.asarray(w, dtype=float) / float(np.sum(w))
    v = values[int(rng.choice(len(values), p=p))]
    return float(v) if _is_number(v) and not isinstance(v, int) else v


def inverse_eyring(rt60_s: float, room_dim, *, c: float = 343.0) -> float:
    """Uniform absorption whose Eyring RT60 is ``rt60_s``: ``1 - exp(-24 ln10 V / (c S T))``.

    Unlike Sabine's inverse it always exists (Eyring gives 0 s at alpha = 1), and the hybrid tail
    decays at Eyring's rate, so the measured decay matches the drawn RT60.
    """
    from lib import room

    L, W, H = room._room(room_dim)
    rt60_s = check_number(rt60_s, "The RT60", lo=0.0, lo_open=True, hi=1e4, unit="s")
    c = room._speed(c)
    V, S = L * W * H, 2 * (L * W + L * H + W * H)
    return float(-math.expm1(-24 * math.log(10) * V / (c * S * rt60_s)))


def _positions(spec: dict, seed: int, index: int, dim: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pos = spec["positions"]
    m = float(pos["min_wall_m"])
    d_min, d_max = float(pos["min_distance_m"]), float(pos["max_distance_m"]) or math.inf
    rng = _rng(seed, index, "positions")
    lo, hi = np.full(3, m), dim - m
    for _ in range(1000):
        src = np.array([rng.uniform(lo[0], hi[0]), rng.uniform(lo[1], hi[1]),
                        np.clip(_sample(pos["source_height_m"], rng), lo[2], hi[2])])
        mic = np.array([rng.uniform(lo[0], hi[0]), rng.uniform(lo[1], hi[1]),
                        np.clip(_sample(pos["mic_height_m"], rng), lo[2], hi[2])])
        d = float(np.linalg.norm(src - mic))
        if d_min <= d <= d_max:
            return src, mic
    raise InputError(
        f"Could not place the source and the microphone {d_min:g}"
        + (f"-{d_max:g}" if math.isfinite(d_max) else "")
        + f" m apart and {m:g} m from the walls in a {dim[0]:.2f} x {dim[1]:.2f} x {dim[2]:.2f} m room "
        "(1000 tries). Make the rooms larger or relax positions.min_distance_m / max_distance_m."
    )


def draw_params(spec: dict | None, seed: int, index: int) -> dict:
    """Every random choice of example ``index`` of the dataset made with ``seed``.

    Parameters
    ----------
    spec : dict or None
        The distributions (see the module docstring); ``None`` means :data:`DEFAULT_SPEC`.
    seed, index : int
        Non-negative integers; the same pair always gives the same dict.

    Returns
    -------
    dict
        Flat and manifest-ready: scalars only (float, int, bool, str), NaN or ``""`` where a setting
        does not apply. Besides the draws it holds what follows from them directly (absorption from
        the RT60, volume, distance, predicted Sabine/Eyring RT60). ``speech_u``/``noise_u`` in [0, 1)
        pick a file from a list (``int(u * n_files)``), ``*_offset_u`` where in it to start.
    """
    from lib import room
    from lib.materials import material_absorption

    s = _resolved(spec)
    if not (isinstance(seed, (int, np.integer)) and isinstance(index, (int, np.integer))) or seed < 0 or index < 0:
        raise InputError(f"seed and index must be whole numbers >= 0; got seed={seed!r}, index={index!r}.")
    seed, index = int(seed), int(index)

    def draw(path: str):
        return _sample(_get(s, path), _rng(seed, index, path))

    def chance(path: str) -> bool:
        return bool(_rng(seed, index, path).random() < float(_get(s, path)))

    dim = np.array([draw("room.length_m"), draw("room.width_m"), draw("room.height_m")], dtype=float)
    mode = draw("room.absorption")
    p: dict[str, Any] = {"index": index, "seed": seed, "duration_s": float(draw("duration_s")),
                         "room_length_m": float(dim[0]), "room_width_m": float(dim[1]), "room_height_m": float(dim[2]),
                         "volume_m3": float(dim.prod()), "absorption_mode": mode}
    # four walls, each its own draw from the wall materials
    walls = [_sample(s["room"]["wall_material"], _rng(seed, index, f"room.wall_material.{i}")) for i in range(4)]
    mats = walls + [draw("room.floor_material"), draw("room.ceiling_material")]
    if mode == "rt60":
        rt = float(draw("room.rt60_s"))
        alpha = inverse_eyring(rt, dim)
        table = np.full((6, 1), alpha)
        p.update(rt60_target_s=rt, absorption=alpha)
        mats = [""] * 6
    else:
        table = np.stack([material_absorption(m) for m in mats])
        p.update(rt60_target_s=float("nan"), absorption=float("nan"))
    for name, m in zip(("x0", "x1", "y0", "y1", "floor", "ceiling"), mats):
        p[f"material_{name}"] = m
    sab, eyr = np.atleast_1d(room.rt60_sabine(dim, table)), np.atleast_1d(room.rt60_eyring(dim, table))
    # one number per room: the mean of the 500 Hz and 1 kHz bands (the speech range), as the room page does
    pick = slice(2, 4) if len(sab) == 6 else slice(None)
    p.update(rt60_sabine_s=float(np.mean(sab[pick])), rt60_eyring_s=float(np.mean(eyr[pick])))
    p["model"] = draw("room.model")
    src, mic = _positions(s, seed, index, dim)
    for who, xyz in (("source", src), ("mic", mic)):
        for axis, v in zip("xyz", xyz):
            p[f"{who}_{axis}_m"] = float(v)
    p["distance_m"] = float(np.linalg.norm(src - mic))
    p["rir_seed"] = int(_rng(seed, index, "rir_seed").integers(0, 2**31 - 1))
    u = _rng(seed, index, "files").random(4)
    p.update(speech_u=float(u[0]), speech_offset_u=float(u[1]), noise_u=float(u[2]), noise_offset_u=float(u[3]))
    p["noise_kind"] = draw("noise.kind")
    p["noise_seed"] = int(_rng(seed, index, "noise_seed").integers(0, 2**31 - 1))
    p["snr_db"] = float(draw("noise.snr_db"))
    p["level_dbfs"] = float(draw("degrade.level_dbfs"))
    clip = chance("degrade.clip_probability")
    p.update(clip=clip, clip_headroom_db=float(draw("degrade.clip_headroom_db")) if clip else float("nan"))
    cut = chance("degrade.band_limit_probability")
    p.update(band_limit=cut, cutoff_hz=float(draw("degrade.cutoff_hz")) if cut else float("nan"))
    codec = chance("degrade.codec_probability")
    p.update(codec=draw("degrade.codec") if codec else "none",
             bitrate_kbps=float(draw("degrade.bitrate_kbps")) if codec else float("nan"))
    p["target"] = draw("target.kind")
    p["early_ms"] = float(draw("target.early_ms")) if p["target"] == "early" else float("nan")
    p["max_order"] = int(s["room"]["max_order"])
    return p


_SURFACE_KEYS = ("x0", "x1", "y0", "y1", "floor", "ceiling")


def _check_params(params, keys) -> dict:
    """``params`` as :func:`draw_params` returns it, holding ``keys``, else :class:`InputError`."""
    if not isinstance(params, dict):
        raise InputError("params must be the dict of one example's draws (lib.dataset.draw_params); "
                         f"got {type(params).__name__} {params!r:.40}.")
    missing = [k for k in keys if k not in params]
    if missing:
        raise InputError(f"params lacks {', '.join(missing)}: pass the dict lib.dataset.draw_params returns.")
    return params


def _param(params: dict, key: str, lo: float | None = None, hi: float | None = None) -> float:
    return check_number(params[key], f"params['{key}']", lo=lo, hi=hi)


def absorption_table(params: dict) -> np.ndarray:
    """The ``(6, n_bands)`` absorption of an example's room (one column when it is frequency-flat)."""
    from lib.materials import material_absorption

    _check_params(params, ["absorption_mode"])
    mode = params["absorption_mode"]
    if not isinstance(mode, str) or mode not in ABSORPTION_MODES:
        raise InputError(f"params['absorption_mode'] must be one of {', '.join(ABSORPTION_MODES)}; got {mode!r:.40}.")
    if mode == "rt60":
        _check_params(params, ["absorption"])
        return np.full((6, 1), _param(params, "absorption", lo=0.0, hi=1.0))
    _check_params(params, [f"material_{n}" for n in _SURFACE_KEYS])
    return np.stack([material_absorption(params[f"material_{n}"]) for n in _SURFACE_KEYS])


# --------------------------------------------------------------------------------------
# signals
# --------------------------------------------------------------------------------------

def _shaped_noise(n: int, sr: int, rng: np.random.Generator, gain_of_freq, count: int | None = None) -> np.ndarray:
    """Gaussian noise with the amplitude spectrum ``gain_of_freq(f)`` (``(count, n)`` when ``count``)."""
    from scipy import fft as sfft

    nfft = sfft.next_fast_len(n, real=True)
    spec = sfft.rfft(rng.standard_normal(nfft if count is None else (count, nfft)), axis=-1)
    f = sfft.rfftfreq(nfft, 1.0 / sr)
    spec *= gain_of_freq(np.maximum(f, 1.0))
    spec[..., 0] = 0.0
    return sfft.irfft(spec, nfft, axis=-1)[..., :n]


def synth_noise(kind: str, n: int, sr: int, seed: int) -> np.ndarray:
    """``n`` samples of a synthetic noise (see :data:`NOISE_KINDS`), float64 with unit RMS."""
    if not isinstance(kind, str) or kind not in NOISE_KINDS or kind == "file":
        raise InputError(f"Cannot synthesise noise {kind!r:.40}; choose one of "
                         f"{', '.join(k for k in NOISE_KINDS if k != 'file')}.")
    sr = check_int(sr, "The sampling rate", lo=MIN_SR, hi=MAX_SR)
    n = check_int(n, "The number of samples", lo=1, hi=int(MAX_EXAMPLE_S * sr))
    seed = check_int(seed, "seed", lo=0)
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sr
    if kind == "white":
        y = rng.standard_normal(n)
    elif kind == "pink":
        y = _shaped_noise(n, sr, rng, lambda f: f ** -0.5)
    elif kind == "brown":
        y = _shaped_noise(n, sr, rng, lambda f: 1.0 / np.maximum(f, 20.0))
    elif kind == "hum":
        f0 = 50.0 if rng.random() < 0.5 else 60.0
        y = np.zeros(n)
        for k in range(1, 12):
            y += (0.6 ** (k - 1)) * (1.5 if k % 2 else 1.0) * np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 2 * np.pi))
        y /= np.sqrt(np.mean(y * y))
        y += 0.05 * rng.standard_normal(n)
    elif kind == "fan":
        fc = rng.uniform(200.0, 600.0)
        y = _shaped_noise(n, sr, rng, lambda f: 1.0 / np.sqrt(1.0 + (f / fc) ** 4))
        y /= np.sqrt(np.mean(y * y))
        blade = rng.uniform(80.0, 220.0)
        wobble = 1.0 + 0.002 * np.sin(2 * np.pi * 0.3 * t)
        for k in range(1, 5):
            y += (0.5 / k) * np.sin(2 * np.pi * k * blade * t * wobble + rng.uniform(0, 2 * np.pi))
    else:  # babble: several talkers of speech-shaped noise, each switched on and off at syllable rate
        # long-term speech spectrum: flat to 500 Hz, -9 dB per octave above, rolled off below 100 Hz
        shape = lambda f: (f / 100.0) ** 2 / (1.0 + (f / 100.0) ** 2) / np.sqrt(1.0 + (f / 500.0) ** 3)  # noqa: E731
        syllables = lambda f: 1.0 / (1.0 + (f / 4.0) ** 4)  # noqa: E731  (envelopes below ~4 Hz)
        k = int(rng.integers(4, 9))
        talkers = _shaped_noise(n, sr, rng, shape, count=k)
        # envelopes shaped in the frequency domain too: no filter start-up transient
        env = _shaped_noise(n, sr, rng, syllables, count=k)
        env = np.maximum(env / (np.std(env, axis=1, keepdims=True) + 1e-12) + 0.3, 0.0)
        talkers *= env
        y = (talkers / (np.std(talkers, axis=1, keepdims=True) + 1e-12)).sum(axis=0)
    rms = float(np.sqrt(np.mean(y * y)))
    return y / rms if rms > 0 else y


def p56_active_level(y: np.ndarray, sr: int) -> tuple[float, float, np.ndarray]:
    """Active speech level after ITU-T P.56 (method B), with the mask of active samples.

    The envelope is ``|y|`` smoothed twice with a 30 ms time constant; a sample is active when the
    envelope exceeded a threshold ``c`` within the last 200 ms (hangover). The active level
    ``A(c) = 10 log10(sum y^2 / n_active(c))`` is the energy per active sample; P.56 picks the
    threshold that sits ``M = 15.9`` dB below it (found on a 0.25 dB grid of thresholds and
    interpolated, as the standard interpolates between its 2x steps).

    Returns
    -------
    level_db : float
        Active level in dB re full scale squared (a full-scale sine is -3.01 dB).
    activity : float
        Fraction of samples that are active (0-1).
    mask : np.ndarray
        Boolean ``(n,)``, True on active samples.

    Raises
    ------
    InputError
        If ``y`` is silent.
    """
    from scipy.signal import lfilter

    y = check_signal(y, "The speech", ndim=(1, 2), min_len=0, dtype=np.float64, max_abs=MAX_AMPLITUDE).ravel()
    sr = check_sr(sr)
    energy = float(np.dot(y, y))
    if y.size == 0 or energy <= 0:
        raise InputError("The speech is silent: there is no active speech to measure a level or an SNR on.")
    g = math.exp(-1.0 / (P56_TIME_CONSTANT_S * sr))
    env = lfilter([1 - g], [1, -g], lfilter([1 - g], [1, -g], np.abs(y)))
    hang = int(round(P56_HANGOVER_S * sr))
    # active at n if the envelope reached c anywhere in [n - hang, n]: a causal running maximum
    qmax = _causal_max(env, hang + 1)
    srt = np.sort(qmax)
    n = y.size
    peak_db = 20 * math.log10(max(srt[-1], 1e-300))
    c_db = np.arange(peak_db - 120.0, peak_db + 0.25, 0.25)
    counts = n - np.searchsorted(srt, 10 ** (c_db / 20), side="left")
    with np.errstate(divide="ignore"):
        a_db = 10 * np.log10(energy / np.maximum(counts, 1))
    delta = a_db - c_db
    below = np.flatnonzero((delta <= P56_MARGIN_DB) & (counts > 0))
    if len(below) == 0 or below[0] == 0:
        c = c_db[0 if len(below) == 0 else below[0]]
    else:
        j = below[0]
        # linear interpolation of delta between the two thresholds around the crossing
        f = (delta[j - 1] - P56_MARGIN_DB) / (delta[j - 1] - delta[j])
        c = c_db[j - 1] + f * (c_db[j] - c_db[j - 1])
    mask = qmax >= 10 ** (c / 20)
    if not mask.any():
        mask = qmax >= srt[-1]
    # the level is exactly the energy per active sample of the mask returned (within the grid's
    # interpolation, c + 15.9 dB), so an SNR computed on the mask agrees with it to rounding
    return float(10 * np.log10(energy / mask.sum())), float(mask.mean()), mask


def _causal_max(x: np.ndarray, width: int) -> np.ndarray:
    """``out[n] = max(x[max(0, n - width + 1) : n + 1])``."""
    from scipy.ndimage import maximum_filter1d

    pad = np.concatenate([np.full(width - 1, -np.inf), x])
    # scipy's window for output j is pad[j - width//2 : j - width//2 + width]; pick j so it starts at n
    full = maximum_filter1d(pad, size=width, mode="constant", cval=-np.inf)
    return full[width // 2 : width // 2 + len(x)]


def _crop(y: np.ndarray, n: int, offset_u: float, *, loop: bool) -> tuple[np.ndarray, int]:
    """``n`` samples of ``y`` from ``int(offset_u * (len - n))``; zero-padded (or looped) when short."""
    y = np.asarray(y, dtype=np.float64).ravel()
    if len(y) >= n:
        start = int(offset_u * (len(y) - n + 1))
        start = min(start, len(y) - n)
        return y[start:start + n].copy(), start
    if loop and len(y):
        reps = int(math.ceil(n / len(y)))
        return np.tile(y, reps)[:n], 0
    return np.concatenate([y, np.zeros(n - len(y))]), 0


def _fft_convolve(x: np.ndarray, h: np.ndarray, n: int) -> np.ndarray:
    """First ``n`` samples of the full linear convolution ``x * h``."""
    from scipy import fft as sfft

    m = len(x) + len(h) - 1
    nfft = sfft.next_fast_len(m, real=True)
    return sfft.irfft(sfft.rfft(x, nfft) * sfft.rfft(h, nfft), nfft)[:n]


# --------------------------------------------------------------------------------------
# rendering
# --------------------------------------------------------------------------------------

def render_rir(params: dict, sr: int) -> dict:
    """The room impulse response of an example and its direct-path part.

    Returns ``{"rir", "direct", "direct_delay_samples", "image_order"}``: ``direct`` is the same
    room with image order 0 (the direct sound alone, same fractional-delay kernel), so the "dry"
    target lines up with the direct sound in the input to a fraction of a sample.
    """
    from lib import room

    _check_params(params, ["room_length_m", "room_width_m", "room_height_m", "source_x_m", "source_y_m",
                           "source_z_m", "mic_x_m", "mic_y_m", "mic_z_m", "model", "rir_seed", "distance_m"])
    sr = check_int(sr, "The sampling rate", lo=MIN_SR, hi=MAX_SR)
    dim = (params["room_length_m"], params["room_width_m"], params["room_height_m"])
    src = (params["source_x_m"], params["source_y_m"], params["source_z_m"])
    mic = (params["mic_x_m"], params["mic_y_m"], params["mic_z_m"])
    rir_seed = check_int(params["rir_seed"], "params['rir_seed']", lo=0)
    distance = _param(params, "distance_m", lo=0.0, hi=1e5)
    table = absorption_table(params)
    flat = bool(np.allclose(table, table[:, :1]))
    if params["model"] == "hybrid":
        # frequency-flat absorption needs one band, not six: same response, several times faster
        kw = dict(absorption_bands=table[:, :1], bands_hz=(1000,)) if flat else dict(absorption_bands=table)
        hyb = room.hybrid_rir(dim, src, mic, sr, seed=rir_seed, **kw)
        rir, order = hyb.rir, hyb.max_order
    elif params["model"] == "image-source":
        rt = float(np.max(np.atleast_1d(room.rt60_eyring(dim, table))))
        cap = check_int(params.get("max_order", DEFAULT_SPEC["room"]["max_order"]), "params['max_order']", lo=0,
                        hi=room.MAX_ORDER_LIMIT)
        order = min(room.order_for_rt60(rt, dim), cap)
        if flat:
            rir = room.shoebox_rir(dim, src, mic, sr, absorption=table[:, 0], max_order=order)
        else:
            rir = room.shoebox_rir_bands(dim, src, mic, sr, absorption_bands=table, max_order=order)
    else:
        raise InputError(f"Unknown room model {params['model']!r:.40}; choose one of {', '.join(MODELS)}.")
    direct = room.shoebox_rir(dim, src, mic, sr, absorption=0.5, max_order=0)
    delay = distance / room.SPEED_OF_SOUND * sr
    return {"rir": np.asarray(rir, dtype=np.float64), "direct": direct, "direct_delay_samples": delay,
            "image_order": int(order)}


def target_response(rir: np.ndarray, direct: np.ndarray, direct_delay_samples: float, sr: int,
                    kind: str, early_ms: float = 50.0) -> np.ndarray:
    """The impulse response that turns dry speech into the training target.

    ``"dry"``: the direct sound alone. ``"early"``: the RIR up to ``early_ms`` after the direct
    sound, then a :data:`EARLY_FADE_MS` half-cosine fade to zero.
    """
    if kind == "dry":
        return np.asarray(direct, dtype=np.float64)
    if kind != "early":
        raise InputError(f"Unknown target {kind!r}; choose one of {', '.join(TARGETS)}.")
    end = direct_delay_samples + early_ms * sr / 1000.0
    fade = EARLY_FADE_MS * sr / 1000.0
    n = min(len(rir), int(math.ceil(end + fade)) + 1)
    t = np.arange(n)
    w = np.clip((t - end) / fade, 0.0, 1.0)
    return rir[:n] * 0.5 * (1 + np.cos(np.pi * w))


def render_example(params: dict, speech: np.ndarray, noise: np.ndarray | None, sr: int) -> dict:
    """Render one training example from its drawn parameters.

    Parameters
    ----------
    params : dict
        From :func:`draw_params`.
    speech : np.ndarray
        The whole clean utterance at ``sr``; a stretch of ``duration_s`` is cut at ``speech_offset_u``
        (zero-padded at the end when the utterance is shorter).
    noise : np.ndarray or None
        A noise recording at ``sr`` (needed when ``noise_kind == "file"``; looped when short);
        other kinds are synthesised from ``noise_seed``.
    sr : int
        Sampling rate of the inputs and the outputs, Hz.

    Returns
    -------
    dict
        float32 arrays ``input`` (what a model hears), ``target`` (what it should give back),
        ``rir``; the parts ``dry`` (cropped clean speech), ``reverberant`` and ``noise`` (the two
        components of the input before degradation, at the input's scale); and ``metrics``, a dict
        of scalars: measured ``t20_s``/``t30_s``/``edt_s``, ``drr_db``, ``c50_db``, the achieved
        ``snr_achieved_db`` and ``input_level_dbfs``, ``direct_delay_samples`` and more.

    Order of operations: reverberate -> add noise at the SNR on active speech (ITU-T P.56 on the
    reverberant speech; noise power over the same active samples) -> scale input and target
    together to the drawn active level (less if the peak would pass full scale) -> band-limit ->
    clip -> codec. The target shares the gain and never the degradations.
    """
    from lib import room

    _check_params(params, ["duration_s", "speech_offset_u", "target", "noise_kind", "noise_offset_u", "noise_seed",
                           "snr_db", "level_dbfs"])
    sr = check_int(sr, "The sampling rate", lo=MIN_SR, hi=MAX_SR)
    speech = check_signal(speech, "The speech", ndim=(1, 2), dtype=np.float64, max_abs=MAX_AMPLITUDE).ravel()
    duration_s = _param(params, "duration_s", lo=1.0 / sr, hi=MAX_EXAMPLE_S)
    n = int(round(duration_s * sr))
    dry, speech_start = _crop(speech, n, _param(params, "speech_offset_u", lo=0.0, hi=1.0), loop=False)
    if not np.any(dry):
        raise InputError("The chosen stretch of speech is silent; trim silence from the speech files.")
    r = render_rir(params, sr)
    rir = r["rir"]
    reverberant = _fft_convolve(dry, rir, n)
    early_ms = 50.0 if params.get("early_ms") is None or params["target"] != "early" else _param(
        params, "early_ms", lo=0.0, hi=1000 * MAX_EXAMPLE_S)
    h_target = target_response(rir, r["direct"], r["direct_delay_samples"], sr, params["target"], early_ms)
    target = _fft_convolve(dry, h_target, n)

    kind = params["noise_kind"]
    if kind == "file":
        if noise is None:
            raise InputError("This example asks for a noise recording (noise kind 'file') but none was given.")
        noise_arr = check_signal(noise, "The noise", ndim=(1, 2), dtype=np.float64, max_abs=MAX_AMPLITUDE).ravel()
        nz, noise_start = _crop(noise_arr, n, _param(params, "noise_offset_u", lo=0.0, hi=1.0), loop=True)
    else:
        nz, noise_start = synth_noise(kind, n, sr, params["noise_seed"]), 0
    level_db, activity, mask = p56_active_level(reverberant, sr)
    p_noise = float(np.mean(nz[mask] ** 2))
    if p_noise <= 0:
        raise InputError("The noise is silent where the speech is active; no SNR can be set (pick another noise file).")
    nz *= math.sqrt(10 ** ((level_db - _param(params, "snr_db", lo=-100.0, hi=200.0)) / 10) / p_noise)
    snr_achieved = level_db - 10 * math.log10(float(np.mean(nz[mask] ** 2)))

    # one gain for input and target: the input's speech sits at the drawn active level
    gain = 10 ** ((_param(params, "level_dbfs", lo=-300.0, hi=0.0) - level_db) / 20)
    mix = reverberant + nz
    peak = max(float(np.max(np.abs(mix))), float(np.max(np.abs(target)))) * gain
    if peak > 0.99:  # never let the scaling clip: clipping is a degradation of its own, below
        gain *= 0.99 / peak
    mix, target, reverberant, nz = mix * gain, target * gain, reverberant * gain, nz * gain
    x = mix.copy()
    if params.get("band_limit"):
        from scipy.signal import butter, sosfiltfilt

        fc = check_number(params.get("cutoff_hz"), "params['cutoff_hz']", lo=0.0, lo_open=True, unit="Hz")
        if fc < 0.49 * sr:
            x = sosfiltfilt(butter(8, fc, fs=sr, output="sos"), x)  # zero phase: no shift against the target
    clipped = 0.0
    if params.get("clip"):
        thr = float(np.max(np.abs(x))) * 10 ** (-check_number(params.get("clip_headroom_db"), "params['clip_headroom_db']",
                                                               lo=0.0, hi=300.0, unit="dB") / 20)
        clipped = float(np.mean(np.abs(x) > thr))
        x = np.clip(x, -thr, thr)
    if params.get("codec", "none") != "none":
        from lib.codec import classic_codec

        kbps = check_number(params.get("bitrate_kbps"), "params['bitrate_kbps']", lo=0.0, lo_open=True, unit="kbps")
        x = classic_codec(x.astype(np.float32), sr, params["codec"], kbps).astype(np.float64)
    over = float(np.mean(np.abs(x) > 1.0))
    x = np.clip(x, -1.0, 1.0)

    fits = room.decay_times(rir, sr, noise_handling=False)
    metrics = {
        "t20_s": fits["T20"]["rt60_s"], "t30_s": fits["T30"]["rt60_s"], "edt_s": fits["EDT"]["rt60_s"],
        "drr_db": room.drr(rir, sr), "c50_db": room.clarity(rir, sr, early_ms=50),
        "snr_achieved_db": float(snr_achieved), "speech_activity": activity,
        "input_level_dbfs": float(level_db + 20 * math.log10(gain)),
        "input_peak_dbfs": float(20 * math.log10(max(float(np.max(np.abs(x))), 1e-12))),
        "clipped_fraction": clipped, "over_full_scale_fraction": over,
        "direct_delay_samples": float(r["direct_delay_samples"]), "image_order": r["image_order"],
        "rir_duration_s": len(rir) / sr, "speech_start_s": speech_start / sr, "noise_start_s": noise_start / sr,
        "gain_db": float(20 * math.log10(gain)),
    }
    f32 = lambda a: np.ascontiguousarray(a, dtype=np.float32)  # noqa: E731
    return {"input": f32(x), "target": f32(target), "rir": f32(rir), "dry": f32(dry),
            "reverberant": f32(reverberant), "noise": f32(nz), "metrics": metrics}
