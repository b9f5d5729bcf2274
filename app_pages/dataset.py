"""Speech data generator: design the distributions, preview examples, print or run the batch job."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import streamlit as st

from components import dataset_figures as dfig
from components import figures
from components import room_figures as rf
from components.audio_io import pick_audio, player
from components.errors import stop_on_input_error
from components.presenter import chart, demo_scenarios, figure_slot, inputs, sidebar
from components.teach import in_depth, intro, show_code
from lib import dataset as ds
from lib import room
from lib.errors import InputError
from lib.materials import MATERIALS
from lib.spectral import amplitude_to_db, fft_frequencies, stft
from pipeline import generate
from pipeline import inputs as pinputs
from pipeline import job as pjob

intro(
    "Speech data generator",
    "Speech enhancement models learn from pairs: a clean utterance played in a simulated room with noise "
    "(the input) and the same speech as it should sound (the target). Here you set the distributions every "
    "example is drawn from, listen to what they give, and get the command that renders thousands on a cluster.",
    "widen the **RT60 range** to 0.2–2.5 s and step through the examples with **Draw new examples**: listen to "
    "the input and the target, and watch the measured T20 follow the drawn RT60.",
)

SRS = [8000, 16000, 22050, 24000, 44100, 48000]
ABS_MODES = {"Target RT60": "rt60", "Materials per surface": "materials", "Both (half each)": "both"}
D = ds.DEFAULT_SPEC

demo_scenarios({
    "Small, dry rooms": {"ds_rt60": (0.15, 0.4), "ds_len": (3.0, 5.0), "ds_wid": (2.5, 4.0), "ds_snr": (15.0, 35.0)},
    "Reverberant halls": {"ds_rt60": (1.2, 2.5), "ds_len": (10.0, 25.0), "ds_wid": (8.0, 18.0),
                          "ds_hei": (4.0, 9.0), "ds_min_dist": 2.0},
    "Phone call": {"ds_codec_p": 1.0, "ds_codecs": ["opus", "mp3"], "ds_bitrate": (6.0, 16.0), "ds_bl_p": 1.0,
                   "ds_cutoff": (3000.0, 3800.0), "ds_snr": (0.0, 15.0)},
    "Dry target": {"ds_target": "dry"},
}, key="ds")

src = inputs()
with src.side:
    if not src.presenting:
        st.subheader("Speech for the preview")
    speech_src = st.radio("Speech", ["Demo sentences (espeak-ng)", "A clip of yours or a sample"],
                          key="ds_speech_src", bind="query-params", horizontal=True,
                          help="The demo speaks Harvard sentences, two per utterance, in six voices, as `--speech demo` does.")
    clip = None
    if speech_src != "Demo sentences (espeak-ng)":
        clip = pick_audio("ds", default="Speech with fricatives", uploads=src.main, max_duration_s=30.0)

# ------------------------------------------------------------------------------ the distributions
c = st.columns([0.34, 0.3, 0.18, 0.18])
rt60 = c[0].slider("RT60 range (s)", 0.1, 3.0, (0.2, 1.2), 0.05, key="ds_rt60", bind="query-params",
                   help="Each room's reverberation time is drawn from this range; the absorption follows by Eyring.")
snr = c[1].slider("SNR range (dB)", -10.0, 40.0, (0.0, 30.0), 0.5, key="ds_snr", bind="query-params",
                  help="Measured on active speech (ITU-T P.56): pauses do not count.")
target_kind = c[2].radio("Target", list(ds.TARGETS), index=list(ds.TARGETS).index(D["target"]["kind"]),
                         key="ds_target", bind="query-params", horizontal=True,
                         help="dry: the direct path only; early: direct path + early reflections.")
seed = c[3].number_input("Seed", 0, 2**31 - 1, 0, key="ds_seed", bind="query-params")


def dist(lo, hi, kind="uniform"):
    return lo if lo == hi else {"dist": kind, "low": float(lo), "high": float(hi)}


def choice(values):
    return {"dist": "choice", "values": list(values)} if len(values) != 1 else list(values)[0]


with sidebar():
    st.subheader("Distributions")
    with st.expander("Room", icon=":material/meeting_room:"):
        L = st.slider("Length (m)", 2.0, 30.0, (3.0, 10.0), 0.5, key="ds_len", bind="query-params")
        W = st.slider("Width (m)", 2.0, 20.0, (3.0, 8.0), 0.5, key="ds_wid", bind="query-params")
        H = st.slider("Height (m)", 2.0, 10.0, (2.4, 4.0), 0.1, key="ds_hei", bind="query-params")
        abs_mode = st.radio("Absorption from", list(ABS_MODES), key="ds_abs", bind="query-params")
        rt_kind = st.radio("RT60 drawn", ["uniform", "log-uniform"], key="ds_rt_kind", horizontal=True,
                           bind="query-params", help="log-uniform: as many rooms between 0.2 and 0.4 s as between 0.6 and 1.2 s.")
        walls = st.multiselect("Wall materials", list(MATERIALS), D["room"]["wall_material"]["values"], key="ds_walls", bind="query-params")
        floors = st.multiselect("Floor materials", list(MATERIALS), D["room"]["floor_material"]["values"], key="ds_floors", bind="query-params")
        ceilings = st.multiselect("Ceiling materials", list(MATERIALS), D["room"]["ceiling_material"]["values"],
                                  key="ds_ceilings", bind="query-params")
        models = st.multiselect("Room model", list(ds.MODELS), ["hybrid"], key="ds_models", bind="query-params",
                                help="hybrid: image sources to the mixing time, then a diffuse tail at Eyring's rate. "
                                     "image-source: reflections only, order from the RT60 (capped), slower and "
                                     "longer-decaying in a bare box.")
    with st.expander("Positions", icon=":material/place:"):
        min_wall = st.slider("Distance from the walls, at least (m)", 0.1, 1.5, 0.5, 0.05, key="ds_min_wall", bind="query-params")
        min_dist = st.slider("Source-microphone distance, at least (m)", 0.1, 5.0, 0.75, 0.05, key="ds_min_dist",
                             bind="query-params")
        max_dist = st.slider("… at most (m; 0 = no limit)", 0.0, 20.0, 0.0, 0.25, key="ds_max_dist", bind="query-params")
        src_h = st.slider("Source height (m)", 0.3, 3.0, (1.2, 1.9), 0.05, key="ds_src_h", bind="query-params")
        mic_h = st.slider("Microphone height (m)", 0.3, 3.0, (0.7, 1.6), 0.05, key="ds_mic_h", bind="query-params")
    with st.expander("Noise", icon=":material/noise_aware:"):
        noise_up = st.file_uploader("A noise recording (optional: adds the kind 'file')", type=["wav", "flac", "ogg"],
                                    key="ds_noise_upload")
        kinds_all = [k for k in ds.NOISE_KINDS if k != "file" or noise_up is not None]
        kinds = st.multiselect("Noise kinds", kinds_all, [k for k in D["noise"]["kind"]["values"]], key="ds_kinds", bind="query-params",
                               help="; ".join(f"{k}: {v}" for k, v in ds.NOISE_KINDS.items()))
    with st.expander("Level and degradations", icon=":material/graphic_eq:"):
        level = st.slider("Active speech level of the input (dBFS)", -60.0, 0.0, (-35.0, -15.0), 0.5, key="ds_level", bind="query-params")
        clip_p = st.slider("Clipping: probability", 0.0, 1.0, 0.05, 0.05, key="ds_clip_p", bind="query-params")
        clip_h = st.slider("… threshold below the peak (dB)", 0.5, 20.0, (1.0, 12.0), 0.5, key="ds_clip_h", bind="query-params")
        bl_p = st.slider("Band-limiting: probability", 0.0, 1.0, 0.2, 0.05, key="ds_bl_p", bind="query-params")
        cutoff = st.slider("… cutoff (Hz, log-uniform)", 1000.0, 20000.0, (2000.0, 7000.0), 100.0, key="ds_cutoff", bind="query-params")
        codec_p = st.slider("Codec: probability", 0.0, 1.0, 0.2, 0.05, key="ds_codec_p", bind="query-params")
        codecs = st.multiselect("… codecs", list(ds.CODECS), ["opus", "mp3"], key="ds_codecs", bind="query-params")
        bitrate = st.slider("… bitrate (kbps, log-uniform)", 6.0, 64.0, (8.0, 32.0), 1.0, key="ds_bitrate", bind="query-params")
    with st.expander("Target and output", icon=":material/tune:"):
        early_ms = st.slider("Early part of the target (ms after the direct sound)", 5.0, 200.0, 50.0, 5.0,
                             key="ds_early", bind="query-params", disabled=target_kind != "early")
        sr = st.select_slider("Sampling rate (Hz)", SRS, 16000, key="ds_sr", bind="query-params")
        duration = st.slider("Example length (s)", 1.0, 15.0, 4.0, 0.5, key="ds_dur", bind="query-params")


def build_spec() -> dict:
    mode = ABS_MODES[abs_mode]
    spec = {
        "sr": int(sr), "duration_s": float(duration),
        "room": {"length_m": dist(*L), "width_m": dist(*W), "height_m": dist(*H),
                 "absorption": choice(["rt60", "materials"]) if mode == "both" else mode,
                 "rt60_s": dist(*rt60, kind=rt_kind), "model": choice(models or ["hybrid"])},
        "positions": {"min_wall_m": float(min_wall), "min_distance_m": float(min_dist), "max_distance_m": float(max_dist),
                      "source_height_m": dist(*src_h), "mic_height_m": dist(*mic_h)},
        "noise": {"kind": choice(kinds), "snr_db": dist(*snr)},
        "degrade": {"level_dbfs": dist(*level), "clip_probability": float(clip_p), "clip_headroom_db": dist(*clip_h),
                    "band_limit_probability": float(bl_p), "cutoff_hz": dist(*cutoff, kind="log-uniform"),
                    "codec_probability": float(codec_p), "bitrate_kbps": dist(*bitrate, kind="log-uniform")},
        "target": {"kind": target_kind, "early_ms": float(early_ms)},
    }
    if codecs:
        spec["degrade"]["codec"] = choice(codecs)
    for key, values in (("wall_material", walls), ("floor_material", floors), ("ceiling_material", ceilings)):
        if values:
            spec["room"][key] = choice(values)
    if not kinds:
        raise InputError("Choose at least one noise kind (sidebar, Noise).")
    if codec_p > 0 and not codecs:
        raise InputError("Choose at least one codec, or set the codec probability to 0.")
    if mode != "rt60" and not (walls and floors and ceilings):
        raise InputError("Materials mode needs at least one wall, one floor and one ceiling material.")
    return ds.resolve_spec(spec)


with stop_on_input_error():
    spec = build_spec()
    ds.draw_params(spec, int(seed), 0)  # positions that cannot be placed fail here, with the reason
spec_json = json.dumps(spec, sort_keys=True)


# ------------------------------------------------------------------------------ cached work
@st.cache_data(max_entries=64, show_spinner=False)
def demo_speech(i: int, sr: int) -> np.ndarray | None:
    try:
        return pinputs.demo_utterance(i, sr)
    except InputError:
        return None


@st.cache_data(max_entries=32, show_spinner=False)
def draws(spec_json: str, seed: int, start: int, count: int) -> list[dict]:
    spec = json.loads(spec_json)
    return [ds.draw_params(spec, seed, i) for i in range(start, start + count)]


def speech_for(p: dict) -> tuple[np.ndarray, str]:
    if clip is not None:
        from lib.audio import resample

        return resample(clip.samples, clip.sr, sr), clip.name
    n = len(pinputs.DEMO_SENTENCES)
    i = min(int(p["speech_u"] * n), n - 1)
    y = demo_speech(i, sr)
    if y is None:  # no espeak-ng on this machine: the project's own recorded sentence
        from lib.audio import load_audio
        from lib.samples import sample_path

        return load_audio(sample_path("speech_fricatives.flac"), sr=sr).samples, "Speech with fricatives (espeak-ng missing)"
    return y, f"“{pinputs.demo_text(i)}” ({pinputs.DEMO_VOICES[i % len(pinputs.DEMO_VOICES)]})"


@st.cache_data(max_entries=24, show_spinner=False)
def noise_clip(data: bytes, name: str, sr: int) -> np.ndarray:
    from lib.audio import load_audio

    return load_audio(data, sr=sr, max_duration_s=60.0, name=name).samples


@st.cache_data(max_entries=24, show_spinner=False)
def render(spec_json: str, seed: int, index: int, speech_key: str, _speech: np.ndarray, noise_key: str,
           _noise: np.ndarray | None) -> dict:
    p = ds.draw_params(json.loads(spec_json), seed, index)
    t0 = time.perf_counter()
    out = ds.render_example(p, _speech, _noise, int(json.loads(spec_json)["sr"]))
    out["elapsed_s"] = time.perf_counter() - t0
    out["params"] = p
    return out


noise_arr, noise_key = None, ""
if noise_up is not None:
    with stop_on_input_error():
        noise_arr = noise_clip(noise_up.getvalue(), noise_up.name, sr)
    noise_key = f"{noise_up.name}:{len(noise_up.getvalue())}"


def rendered(p: dict) -> tuple[dict, str]:
    y, name = speech_for(p)
    key = "clip:" + clip.fingerprint if clip is not None else f"demo:{name}"
    with stop_on_input_error():
        return render(spec_json, int(seed), int(p["index"]), key, y, noise_key, noise_arr), name


TABS = ["Preview", "Distributions", "Generate"]
tab_prev, tab_dist, tab_gen = st.tabs(TABS, key="ds_tab", bind="query-params", on_change="rerun")

# ------------------------------------------------------------------------------ preview
with tab_prev:
    if tab_prev.open:
        cc = st.columns([0.25, 0.25, 0.25, 0.25], vertical_alignment="bottom")
        n_prev = cc[0].slider("Examples to preview", 1, 8, 4, key="ds_nprev", bind="query-params")
        start = cc[1].number_input("First example", 0, 10**9, 0, key="ds_start", bind="query-params")

        def _next():
            st.session_state.ds_start = int(st.session_state.get("ds_start", 0)) + int(st.session_state.get("ds_nprev", 4))

        cc[2].button("Draw new examples", key="ds_next", on_click=_next, icon=":material/casino:",
                     help="The next examples of the same dataset (same seed): index + N.")
        with stop_on_input_error():
            ps = draws(spec_json, int(seed), int(start), int(n_prev))
        labels = [f"#{p['index']}" for p in ps]
        pick = cc[3].selectbox("Inspect", labels, key="ds_pick", bind="query-params")
        slot = figure_slot()  # presenting: the main figure goes here, above the table
        rows = []
        for p in ps:
            rows.append({"example": f"#{p['index']}",
                         "room (m)": f"{p['room_length_m']:.1f}×{p['room_width_m']:.1f}×{p['room_height_m']:.1f}",
                         "RT60 (s)": round(p["rt60_eyring_s"], 2), "model": p["model"],
                         "distance (m)": round(p["distance_m"], 2), "noise": p["noise_kind"],
                         "SNR (dB)": round(p["snr_db"], 1), "level (dBFS)": round(p["level_dbfs"], 1),
                         "degradations": ", ".join(x for x in (
                             "clipped" if p["clip"] else "",
                             f"low-pass {p['cutoff_hz']:.0f} Hz" if p["band_limit"] else "",
                             f"{p['codec']} {p['bitrate_kbps']:.0f} kbps" if p["codec"] != "none" else "") if x) or "none",
                         "target": p["target"]})
        st.dataframe(rows, hide_index=True, width="stretch")
        p = ps[labels.index(pick) if pick in labels else 0]
        with st.spinner("Rendering..."):
            out, speech_name = rendered(p)
            for q in ps:  # the per-example time the Generate tab plans with
                rendered(q)
        m = out["metrics"]
        chart(dfig.alignment(out["dry"], out["target"], out["input"], sr, m["direct_delay_samples"]),
              key="ds_align", slot=slot)
        k = st.columns(6)
        k[0].metric("RT60 predicted", f"{p['rt60_eyring_s']:.2f} s", help="Eyring, 500 Hz–1 kHz (the hybrid tail follows it)")
        k[1].metric("T20 measured", f"{m['t20_s']:.2f} s" if np.isfinite(m["t20_s"]) else "n/a",
                    delta=f"{100 * (m['t20_s'] / p['rt60_eyring_s'] - 1):+.1f} %" if np.isfinite(m["t20_s"]) else None,
                    delta_color="off")
        k[2].metric("DRR", f"{m['drr_db']:.1f} dB")
        k[3].metric("C50", f"{m['c50_db']:.1f} dB")
        k[4].metric("SNR achieved", f"{m['snr_achieved_db']:.2f} dB", help=f"drawn {p['snr_db']:.2f} dB")
        k[5].metric("Direct path", f"{1000 * m['direct_delay_samples'] / sr:.2f} ms",
                    help=f"{p['distance_m']:.2f} m at 343 m/s = {m['direct_delay_samples']:.1f} samples")
        st.caption(f"Example #{p['index']}: {speech_name}; {p['noise_kind']} noise; "
                   f"input level {m['input_level_dbfs']:.1f} dBFS (drawn {p['level_dbfs']:.1f}); "
                   f"image order {m['image_order']}; rendered in {1000 * out['elapsed_s']:.0f} ms.")
        pc = st.columns(3)
        with pc[0]:
            player(out["input"], sr, label="Input (what the model hears)", key="ds_play_in")
        with pc[1]:
            player(out["target"], sr, label=f"Target ({target_kind})", key="ds_play_tgt")
        with pc[2]:
            player(out["dry"], sr, label="Dry speech (the file)", key="ds_play_dry")
        g = st.columns(2)
        chart(rf.rir_overview(out["rir"], sr, title=f"Impulse response ({p['model']}, {len(out['rir']) / sr:.2f} s)"),
              key="ds_rir", where=g[0])
        t_e, e_e = room.energy_decay_curve(out["rir"], sr, noise_handling=False)
        chart(rf.edc_with_fits(t_e, e_e, room.decay_times(out["rir"], sr, noise_handling=False),
                               title="Its energy decay with the T20/T30 fits", height=300), key="ds_edc", where=g[1])
        n_fft = 512 if sr <= 24000 else 1024
        specs = {name: np.abs(stft(np.asarray(out[kk], dtype=np.float32), n_fft=n_fft, hop_length=n_fft // 4))
                 for name, kk in (("Input", "input"), ("Target", "target"))}
        ref = max(float(S.max()) for S in specs.values()) or 1.0
        g = st.columns(2)
        for col, (name, S) in zip(g, specs.items()):
            fig = figures.spectrogram(np.arange(S.shape[1]) * (n_fft // 4) / sr, fft_frequencies(sr, n_fft),
                                      amplitude_to_db(S, ref=ref, top_db=80.0), title=f"{name}: spectrogram",
                                      height=280, zmin=-80, zmax=0, colorbar_title="dB")
            chart(fig, key=f"ds_spec_{name}", where=col)

# ------------------------------------------------------------------------------ distributions
with tab_dist:
    if tab_dist.open:
        n_draw = st.select_slider("Examples drawn", [200, 500, 1000, 2000, 5000], 1000, key="ds_ndraw",
                                  bind="query-params",
                                  help="Drawing is cheap (no audio is rendered): this shows the whole design.")
        with stop_on_input_error(), st.spinner(f"Drawing {n_draw} examples..."):
            big = draws(spec_json, int(seed), 0, int(n_draw))
        col = lambda k: np.array([q[k] for q in big])  # noqa: E731
        chart(dfig.histogram_grid({
            "room volume (m³)": col("volume_m3"), "RT60 by Eyring (s)": col("rt60_eyring_s"),
            "source–mic distance (m)": col("distance_m"), "SNR (dB)": col("snr_db"),
            "input level (dBFS)": col("level_dbfs"), "noise kind": col("noise_kind"),
            "codec": col("codec"), "model": col("model"), "source height (m)": col("source_z_m"),
        }, title=f"Parameters of the first {n_draw} examples (seed {seed})"), key="ds_hist")
        k = st.columns(4)
        k[0].metric("Median RT60", f"{np.median(col('rt60_eyring_s')):.2f} s")
        k[1].metric("Median distance", f"{np.median(col('distance_m')):.2f} m")
        k[2].metric("With a codec", f"{100 * np.mean(col('codec') != 'none'):.0f} %")
        k[3].metric("Band-limited", f"{100 * np.mean(col('band_limit')):.0f} %")
        st.markdown("**Check the science on rendered examples.** Rendering takes tens of milliseconds each; the "
                    "check renders the first ones and compares what was asked with what came out.")
        n_check = st.select_slider("Examples to render for the check", [8, 16, 32], 16, key="ds_ncheck", bind="query-params")
        if st.toggle("Render and check", key="ds_check"):
            bar = st.progress(0.0, text="Rendering...")
            res = []
            for i, q in enumerate(big[:n_check]):
                res.append(rendered(q)[0])
                bar.progress((i + 1) / n_check, text=f"Rendered {i + 1} of {n_check}")
            bar.empty()
            t20 = np.array([r["metrics"]["t20_s"] for r in res])
            pred = np.array([q["rt60_eyring_s"] for q in big[:n_check]])
            g = st.columns(2)
            chart(dfig.check_scatter(pred, t20, title="Measured T20 vs predicted RT60", x_title="Eyring RT60 (s)",
                                     y_title="T20 of the generated RIR (s)", rel_band=0.1), key="ds_chk_t20", where=g[0])
            chart(dfig.check_scatter([q["snr_db"] for q in big[:n_check]], [r["metrics"]["snr_achieved_db"] for r in res],
                                     title="Achieved vs drawn SNR", x_title="drawn SNR (dB)",
                                     y_title="measured on active speech (dB)", abs_band=0.1), key="ds_chk_snr", where=g[1])
            hyb = np.array([q["model"] == "hybrid" for q in big[:n_check]])
            err = np.abs(t20 / pred - 1)[hyb]
            st.caption(f"Hybrid examples: T20 within {100 * np.nanmax(err):.1f} % of Eyring (worst of {hyb.sum()}); "
                       "pure image-source rooms decay more slowly than Eyring predicts (no diffuse scattering) and are "
                       "not expected to match.")

# ------------------------------------------------------------------------------ generate
with tab_gen:
    if tab_gen.open:
        st.markdown("**The spec** (TOML): the command line reads it with `--spec`.")
        toml_text = ds.spec_to_toml(spec)
        g = st.columns([0.7, 0.3])
        g[0].code(toml_text, language="toml", height=260)
        g[1].download_button("Download spec.toml", toml_text, file_name="spec.toml", mime="application/toml",
                             key="ds_spec_download", icon=":material/download:")
        g[1].caption("Every setting not in the file keeps its documented default (README, *Speech data generator*).")
        st.markdown("**The full run**")
        a = st.columns(4)
        speech_dir = a[0].text_input("Speech folder (or demo)", "demo", key="ds_cli_speech", bind="query-params")
        noise_dir = a[1].text_input("Noise folder (optional)", "", key="ds_cli_noise", bind="query-params")
        out_dir = a[2].text_input("Output folder", "artifacts/dataset", key="ds_cli_out", bind="query-params")
        scheduler = a[3].text_input("Scheduler address (optional)", "", key="ds_cli_sched", bind="query-params",
                                    help="tcp://host:8786 of a running Dask cluster; empty = a local cluster.")
        hours = st.number_input("Hours of input audio to generate", 1.0, 100000.0, 100.0, 10.0, key="ds_hours",
                                bind="query-params")
        n_full = int(np.ceil(hours * 3600 / duration))
        st.code(generate.command({"speech": speech_dir, "noise": noise_dir, "out": out_dir, "n": n_full,
                                  "seed": int(seed), "spec": "spec.toml", "scheduler": scheduler}), language="bash")
        # plan with what this machine just measured: per-example render time and file sizes
        ps = draws(spec_json, int(seed), 0, 4)
        outs = [rendered(q)[0] for q in ps]
        sec = float(np.median([o["elapsed_s"] for o in outs]))
        fmt = spec["output"]["format"]
        per_bytes = float(np.mean([sum(len(pjob.encode(o[kk], sr, "float" if kk == "rir" else fmt))
                                       for kk in ("input", "target", "rir")) for o in outs]))
        cores = os.cpu_count() or 1
        k = st.columns(4)
        k[0].metric("Examples", f"{n_full:,}")
        k[1].metric("Disk", generate.human_size(per_bytes * n_full), help="input + target (16-bit FLAC) + RIR (float WAV)")
        k[2].metric("Core-hours", f"{sec * n_full / 3600:,.1f}", help=f"{1000 * sec:.0f} ms per example measured here")
        k[3].metric(f"Time on {cores} local workers", generate.human_time(sec * n_full / cores))
        st.caption(f"From {len(outs)} examples rendered on this machine ({1000 * sec:.0f} ms each, "
                   f"{duration / sec:.0f}× real time per core). Workers scale about linearly on separate cores "
                   "(`bench/bench_dataset.py` measures it); 64 workers would take "
                   f"{generate.human_time(sec * n_full / 64)}.")

        st.markdown("**Run a small job here** (the same code as the command line)")
        r = st.columns([0.25, 0.35, 0.2, 0.2], vertical_alignment="bottom")
        n_small = r[0].number_input("Examples", 1, 200, 8, key="ds_run_n", bind="query-params")
        engine = r[1].radio("Engine", ["In this process", "Local Dask cluster"], key="ds_engine", bind="query-params", horizontal=True,
                            help="The cluster starts one worker process per core (as the command line does); "
                                 "in this process needs no extra memory, which suits a small cloud instance.")
        workers = r[2].number_input("Workers", 1, max(cores, 1), min(2, cores), key="ds_workers", bind="query-params",
                                    disabled=engine == "In this process")
        go_ = r[3].button("Generate", key="ds_run", type="primary", icon=":material/play_arrow:")
        if go_:
            out = Path(st.session_state.setdefault("ds_run_dir", tempfile.mkdtemp(prefix="avx_dataset_"))) / \
                f"seed{seed}_{hashlib.sha1(spec_json.encode()).hexdigest()[:8]}"
            bar = st.progress(0.0, text="Preparing the inputs...")
            try:
                speech_arg = "demo"
                if clip is not None:
                    import soundfile as sf

                    (out / "_inputs" / "speech").mkdir(parents=True, exist_ok=True)
                    sf.write(out / "_inputs" / "speech" / "clip.flac", clip.samples, clip.sr)
                    speech_arg = out / "_inputs" / "speech"
                noise_arg = None
                if noise_arr is not None and "file" in ds.possible_values(spec["noise"]["kind"]):
                    import soundfile as sf

                    (out / "_inputs" / "noise").mkdir(parents=True, exist_ok=True)
                    sf.write(out / "_inputs" / "noise" / "noise.flac", noise_arr, sr)
                    noise_arg = out / "_inputs" / "noise"
                chunk = max(1, min(8, int(n_small) // 4 or 1))
                job = generate.prepare(out, speech_arg, noise=noise_arg, spec=spec, seed=int(seed), chunk_size=chunk,
                                       noise_kind_set=True)

                def show(done, total, rate, eta):
                    bar.progress(min(1.0, done / total), text=f"{done}/{total} examples · {rate:.1f}/s · ETA {eta}")

                t0 = time.perf_counter()
                if engine == "In this process":
                    res = generate.run(out, job, int(n_small), workers=0, on_progress=lambda s_: show(
                        s_.done, s_.total, s_.rate, generate.human_time(s_.eta_s)))
                else:
                    # the command line in a child process: Dask's worker processes cannot be spawned from
                    # inside the Streamlit server (they would re-run the app script)
                    (out / "spec.toml").write_text(ds.spec_to_toml(spec))
                    argv = ["--speech", str(speech_arg), "--out", str(out), "--n", str(int(n_small)),
                            "--seed", str(int(seed)), "--spec", str(out / "spec.toml"), "--workers", str(int(workers)),
                            "--chunk-size", str(chunk)] + (["--noise", str(noise_arg)] if noise_arg else [])
                    bar.progress(0.0, text=f"Starting a local cluster of {int(workers)} worker processes...")
                    code, tail = generate.run_subprocess(
                        argv, lambda line: (lambda p_: p_ and show(*p_))(generate.parse_progress(line)))
                    if code != 0:
                        raise InputError(f"The command line stopped (exit code {code}): {tail[-400:]}")
                    res = {"examples": int(n_small), "workers": int(workers), "manifest": str(out / pjob.MANIFEST),
                           "elapsed_s": time.perf_counter() - t0, "audio_hours": int(n_small) * duration / 3600}
                bar.empty()
                st.session_state.ds_last_run = {**res, "out": str(out)}
            except InputError as exc:
                st.error(str(exc), icon=":material/error:")
            except Exception as exc:  # an engine failure must not lose the page: say what happened
                st.error(f"The job stopped: {type(exc).__name__}: {exc}. Finished chunks are kept; "
                         "press Generate again to resume.", icon=":material/error:")
        last = st.session_state.get("ds_last_run")
        if last and Path(last["manifest"]).exists():
            import pandas as pd

            st.success(f"{last['examples']} examples ({last['audio_hours'] * 3600:.0f} s of audio) in "
                       f"{last['elapsed_s']:.1f} s on {'this process' if not last['workers'] else str(last['workers']) + ' workers'}"
                       f" → `{last['out']}`", icon=":material/check_circle:")
            mf = pd.read_parquet(last["manifest"])
            st.dataframe(mf.head(50), hide_index=True, height=240)
            total = sum(f.stat().st_size for f in Path(last["out"]).rglob("*") if f.is_file())
            if total <= 200e6:
                buf = io.BytesIO()
                with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
                    for f in sorted(Path(last["out"]).rglob("*")):
                        if f.is_file() and "_inputs" not in f.parts:
                            z.write(f, f.relative_to(last["out"]))
                st.download_button(f"Download the dataset (zip, {generate.human_size(total)})", buf.getvalue(),
                                   file_name="dataset.zip", mime="application/zip", key="ds_zip_download",
                                   icon=":material/download:")

in_depth(r"""
**One example.** Clean speech $s$ (a random stretch of a random file) is convolved with a simulated room
impulse response $h$; noise $n$ is scaled to a drawn SNR and added; then the level, clipping, a low-pass and a
classic codec may be applied:
$x = D\big(g\,(s * h + a\,n)\big)$. The target is $y = g\,(s * h_\text{t})$, where $h_\text{t}$ is the direct
sound alone (`dry`) or $h$ up to `early_ms` after it (`early`).

**Alignment, the classic pitfall.** The direct sound reaches the microphone $d/c$ seconds after it leaves the
mouth: 5.8 ms (93 samples at 16 kHz) at 2 m. If the dry file is used as the target, the model must output each
sound before it hears it; losses punish it for a delay it cannot remove. Here $h_\text{t}$ is cut from the same
response (same fractional-delay kernel), so target and input agree to a fraction of a sample.

**The rooms.** Either an RT60 is drawn and the uniform absorption solved from Eyring's formula
$\alpha = 1 - \exp\!\big(-\tfrac{24\ln 10\,V}{c\,S\,T}\big)$ (always possible, unlike Sabine's inverse), or a
material is drawn per surface. The hybrid model uses image sources up to the mixing time $\sqrt V$ ms and a
diffuse noise tail that decays at Eyring's rate after it, so the measured T20 follows the drawn RT60
(the *Distributions* tab checks it); the pure image-source box decays more slowly than any formula predicts.

**SNR on active speech.** ITU-T P.56 finds the samples where speech is active (an envelope with a 30 ms time
constant, 200 ms hangover, a threshold 15.9 dB under the active level); speech and noise powers are compared on
those samples only. Over the whole clip, pauses would make the SNR depend on how much the talker pauses.

**Randomness you can reproduce.** Parameter $k$ of example $i$ comes from `default_rng([seed, i, crc32(k)])`:
one seed fixes the dataset, any example can be drawn alone (a worker does not replay the ones before it), and
changing one distribution leaves every other draw as it was.

**Scaling out.** `python -m pipeline.generate` sends chunks of examples to Dask workers (a local cluster by
default, a scheduler address to use a real one); each worker writes its files under temporary names, renames
them into place and writes the chunk's manifest part last. A rerun checks the parts and skips finished chunks; a
chunk that ran twice writes the same bytes. `bench/bench_dataset.py` measures the speed against
pyroomacoustics + `scipy.signal.fftconvolve`.

**Pitfalls.** A single RIR per utterance has no movement; the synthetic noises are stand-ins for real noise
corpora (use `--noise DIR`); air absorption and source directivity are not modelled; low SNR plus a codec at
6 kbps can leave little speech to learn from.

**References.** ITU-T P.56 (2011), *Objective measurement of active speech level*; J. B. Allen, D. A. Berkley,
JASA 65 (1979); E. A. Lehmann, A. M. Johansson, IEEE TASLP 18 (2010) (hybrid diffuse model); C. K. A. Reddy et
al., "The INTERSPEECH 2020 Deep Noise Suppression Challenge" (data synthesis recipe); R. Scheibler et al.,
"Pyroomacoustics" (ICASSP 2018); IEEE Harvard sentences (1969).
""")
show_code(ds.draw_params, ds.render_example, ds.p56_active_level, ds.target_response)
