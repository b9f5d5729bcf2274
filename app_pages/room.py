"""Reverb room designer: a shoebox room, its image sources, decay analysis and auralisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from components import figures
from components import room_figures as rf
from components.audio_io import escape_markdown, pick_audio, player
from components.errors import stop_on_input_error
from components.presenter import chart as draw, demo_scenarios, inputs, sidebar
from components.room_analysis import analyse, analysis_panel
from components.teach import in_depth, intro, show_code
from lib import room
from lib.audio import load_audio, match_level
from lib.errors import InputError
from lib.materials import MATERIALS, OCTAVE_BANDS_HZ, SURFACES, surface_absorption
from lib.spectral import amplitude_to_db, fft_frequencies, stft

intro(
    "Reverb room designer",
    "A sound in a room reaches the microphone first directly and then as reflections from the walls, each "
    "one an **image** of the source mirrored in a wall. Thousands of them add up to the room's impulse "
    "response, whose decay time (RT60) Sabine and Eyring predict from the room's volume and absorption.",
    "pick the **Church** preset in the sidebar, then **Vocal booth**, and listen to the speech in the "
    "**Listen** tab after each.",
)

BAND_LABELS = [f"{f / 1000:g} kHz" if f >= 1000 else f"{f} Hz" for f in OCTAVE_BANDS_HZ]
SURFACE_LABELS = {
    "wall x=0": "Wall at x = 0", "wall x=L": "Wall at x = L", "wall y=0": "Wall at y = 0",
    "wall y=W": "Wall at y = W", "floor": "Floor", "ceiling": "Ceiling",
}
MODES = ("Materials per surface", "Uniform absorption α", "Target RT60")
#: Smallest uniform absorption offered: alpha = 0.001 meant a 142 s RT60 (40 s of CPU, 1.8 GB).
ALPHA_MIN = 0.01
#: Highest image order chosen automatically (the slider can go further).
AUTO_ORDER_CAP = 60
MAX_ORDER_SLIDER = 120

#: name -> (L, W, H), materials per surface in SURFACES order, source, mic
PRESETS = {
    "Vocal booth": ((2.0, 1.6, 2.2), ["Fabric-covered panel (6 pcf)", "Studio curtains", "Fabric-covered panel (6 pcf)",
                                      "Fabric-covered panel (6 pcf)", "Carpet, tufted 9 mm on felt",
                                      "Rockwool 50 mm (80 kg/m3)"], (0.8, 0.8, 1.6), (1.3, 0.9, 1.55)),
    "Living room": ((6.0, 4.5, 2.6), ["Plasterboard on frame", "Glass window", "Plasterboard on frame",
                                      "Curtains, cotton draped", "Carpet, cotton", "Plasterboard ceiling"],
                    (1.5, 2.0, 1.2), (4.5, 2.5, 1.1)),
    "Classroom": ((9.0, 7.0, 3.2), ["Plasterboard on frame", "Glass window", "Rendered brickwork",
                                    "Plasterboard on frame", "Linoleum on concrete", "Fissured ceiling tile"],
                  (1.5, 3.5, 1.6), (6.5, 2.8, 1.2)),
    "Concert hall": ((40.0, 25.0, 15.0), ["Wood on studs (16 mm)", "Wood on studs (16 mm)", "Wood on studs (16 mm)",
                                          "Wood on studs (16 mm)", "Audience, upholstered chairs",
                                          "Plasterboard ceiling"], (6.0, 12.5, 1.8), (24.0, 10.0, 1.2)),
    "Church": ((30.0, 14.0, 16.0), ["Limestone wall", "Limestone wall", "Limestone wall", "Limestone wall",
                                    "Audience on wooden chairs (1/m2)", "Wood on studs (16 mm)"],
               (4.0, 7.0, 1.8), (20.0, 5.0, 1.3)),
}


def preset_values(name: str) -> dict:
    """Every widget value a preset sets (room size, materials, positions, absorption mode)."""
    (L, W, H), mats, src, mic = PRESETS[name]
    values = {"room_L": L, "room_W": W, "room_H": H, "room_sx": src[0], "room_sy": src[1], "room_sz": src[2],
              "room_mx": mic[0], "room_my": mic[1], "room_mz": mic[2], "room_mode": MODES[0]}
    values.update({f"room_mat_{i}": m for i, m in enumerate(mats)})
    return values


def apply_preset() -> None:
    """The preset's on_change: every input takes the new preset's value (runs before the page)."""
    name = st.session_state.get("room_preset")
    if name in PRESETS:
        for k, v in preset_values(name).items():
            st.session_state[k] = v


DEFAULT_PRESET = "Classroom"
demo_scenarios({
    "Hear the church": {"room_preset": "Church", **preset_values("Church"), "room_tab": "Listen"},
    "Hear the vocal booth": {"room_preset": "Vocal booth", **preset_values("Vocal booth"), "room_tab": "Listen"},
    "Church: the decay": {"room_preset": "Church", **preset_values("Church"), "room_tab": "Decay"},
    "Image sources only": {"room_preset": "Living room", **preset_values("Living room"), "room_hybrid": False,
                               "room_tab": "Impulse response"},
}, key="room")

# ---------------------------------------------------------------------------- controls
# The preset and every input are bound to the URL. Each input's default is the chosen preset's value, so
# a link carries the preset and only what was changed after it ("?room_preset=Church&room_mx=12.0").
# persist_state="page" on every input: when the browser lacks a widget the server holds a value for (the
# first run's messages dropped because a rerun interrupted it under load, or a widget not drawn in a run
# that stopped early), Streamlit then tells the browser that value instead of letting it mount the widget
# at its element default and send that back on the next interaction: the "all nine inputs reset to 0.00
# under concurrent load" bug (issue 15, item 4; tests/app/test_room.py and tests/e2e/test_load.py).
src_in = inputs()
with src_in.side:
    if not src_in.presenting:
        st.subheader("Room")
    preset = st.selectbox("Preset", list(PRESETS), index=list(PRESETS).index(DEFAULT_PRESET), key="room_preset", persist_state="page",
                          on_change=apply_preset, bind="query-params",
                          help="Sets the size, the materials and the positions; change any of them afterwards.")
P = preset_values(preset)
details = sidebar() if not src_in.presenting else st.expander("Room, source, microphone and simulation",
                                                               icon=":material/tune:")
with details:
    c = st.columns(3)
    L = c[0].number_input("Length L (m)", min_value=0.0, max_value=200.0, value=P["room_L"], step=0.5, key="room_L", persist_state="page",
                          bind="query-params")
    W = c[1].number_input("Width W (m)", min_value=0.0, max_value=200.0, value=P["room_W"], step=0.5, key="room_W", persist_state="page",
                          bind="query-params")
    H = c[2].number_input("Height H (m)", min_value=0.0, max_value=100.0, value=P["room_H"], step=0.1, key="room_H", persist_state="page",
                          bind="query-params")
    mode = st.radio("Absorption from", MODES, key="room_mode", persist_state="page", bind="query-params")
    if mode == MODES[0]:
        mats = [st.selectbox(SURFACE_LABELS[s], list(MATERIALS), index=list(MATERIALS).index(P[f"room_mat_{i}"]),
                             key=f"room_mat_{i}", persist_state="page", bind="query-params") for i, s in enumerate(SURFACES)]
    elif mode == MODES[1]:
        alpha_uniform = st.number_input("Absorption α (all surfaces, all bands)", min_value=ALPHA_MIN, max_value=1.0,
                                        value=0.15, step=0.01, format="%.3f", key="room_alpha", persist_state="page", bind="query-params",
                                        help="Fraction of the sound energy a surface absorbs at each reflection: 0 < α ≤ 1.")
    else:
        target_rt60 = st.slider("Target RT60 (s)", 0.1, 4.0, 0.6, 0.05, key="room_target", persist_state="page", bind="query-params",
                                help="Solved for a uniform absorption by Sabine's formula (pyroomacoustics' inverse_sabine).")
    st.subheader("Source and microphone")
    c = st.columns(3)
    src = tuple(col.number_input(f"Source {ax}", value=P[f"room_s{ax}"], step=0.1, key=f"room_s{ax}", persist_state="page",
                                 bind="query-params") for col, ax in zip(c, "xyz"))
    c = st.columns(3)
    mic = tuple(col.number_input(f"Mic {ax}", value=P[f"room_m{ax}"], step=0.1, key=f"room_m{ax}", persist_state="page",
                                 bind="query-params") for col, ax in zip(c, "xyz"))
    st.subheader("Simulation")
    sr = st.select_slider("Sampling rate (Hz)", [8000, 16000, 22050, 44100], value=16000, key="room_sr", persist_state="page",
                          bind="query-params", help="16 kHz keeps the page quick; 44.1 kHz for listening.")
    hybrid = st.toggle("Hybrid model (image sources + diffuse tail)", value=True, key="room_hybrid", persist_state="page", bind="query-params",
                       help="Image sources for the early part, a noise tail decaying per band as Eyring predicts "
                            "for the rest.")
    auto_order = st.toggle("Image order from the RT60", value=True, key="room_auto_order", persist_state="page", bind="query-params")
    manual_order = st.slider("Image-source order", 0, MAX_ORDER_SLIDER, 20, key="room_order", persist_state="page",
                             disabled=auto_order, bind="query-params")

dim = (float(L), float(W), float(H))
src = tuple(float(v) for v in src)
mic = tuple(float(v) for v in mic)

# ---------------------------------------------------------------------------- model
with stop_on_input_error():
    if mode == MODES[0]:
        table = surface_absorption(mats)
    elif mode == MODES[1]:
        room.validate_setup(dim, src, mic, float(alpha_uniform))
        table = np.full((6, len(OCTAVE_BANDS_HZ)), float(alpha_uniform))
    else:
        room.validate_setup(dim, src, mic)
        alpha_t, order_t = room.inverse_sabine(float(target_rt60), dim)
        table = np.full((6, len(OCTAVE_BANDS_HZ)), alpha_t)
    room.validate_setup(dim, src, mic, table)

table_key = tuple(map(tuple, np.round(table, 6)))


@st.cache_data(max_entries=64, show_spinner=False)
def predictions(dim, table_key):
    t = np.asarray(table_key)
    return room.rt60_sabine(dim, t), room.rt60_eyring(dim, t)


# Entry sizes at 44.1 kHz: a response up to 10 s is 3.5 MB (float64), a hybrid holds three.
@st.cache_data(max_entries=6, show_spinner=False)
def ism_rir(dim, table_key, src, mic, sr, order):
    t = np.asarray(table_key)
    if np.allclose(t, t[:, :1]):  # frequency independent: one band is enough
        return room.shoebox_rir(dim, src, mic, sr, absorption=t[:, 0], max_order=order)
    return room.shoebox_rir_bands(dim, src, mic, sr, absorption_bands=t, max_order=order)


@st.cache_data(max_entries=4, show_spinner=False)
def hybrid_rir(dim, table_key, src, mic, sr):
    return room.hybrid_rir(dim, src, mic, sr, absorption_bands=np.asarray(table_key), seed=0)


@st.cache_data(max_entries=32, show_spinner=False)
def early_images(dim, table_key, src, mic, order):
    im = room.image_sources(dim, src, order)
    beta = np.sqrt(1 - np.asarray(table_key).mean(axis=1))  # band-averaged, for the marker heights
    r = np.linalg.norm(im.positions - np.asarray(mic), axis=1)
    amp = np.prod(beta[None, :] ** im.reflections, axis=1) / (4 * np.pi * r)
    return im, r / room.SPEED_OF_SOUND, amp


_BUILDERS = {name: getattr(rf, name) for name in
             ("floor_plan", "room_3d", "rt60_bands", "modes_chart", "rir_with_reflections", "image_plan",
              "edc_with_fits", "decay_comparison", "rir_overview")}


@st.cache_data(max_entries=48, show_spinner=False)
def _figure(builder: str, *args, **kwargs) -> dict:
    # building and validating a plotly figure costs 5-20 ms; reruns that change something
    # else (the mix slider, the band) reuse the finished dict
    return _BUILDERS[builder](*args, **kwargs).to_dict()


def chart(where, builder: str, *args, key: str, **kwargs) -> None:
    draw(_figure(builder, *args, **kwargs), key=key, where=where)


@st.cache_data(max_entries=4, show_spinner=False)
def measured_ir(data: bytes, name: str, channel: int | None):
    try:
        return load_audio(data, name=name, max_duration_s=10.0, channel=channel)
    except InputError as exc:  # name the user's file (escaped) in front of the problem
        raise InputError(f"**{escape_markdown(name)}**: {exc}") from exc


@st.cache_data(max_entries=2, show_spinner=False)
def auralise(dry, rir, sr):
    from scipy.signal import fftconvolve

    return fftconvolve(dry, rir)


sabine, eyring = predictions(dim, table_key)
rt_max = float(np.max(sabine))
if mode == MODES[2]:
    order_auto = order_t
else:
    order_auto = room.order_for_rt60(rt_max, dim)
order = min(order_auto, AUTO_ORDER_CAP) if auto_order else int(manual_order)


@st.cache_data(max_entries=64, show_spinner=False)
def ism_budget(dim, src, mic, sr, order, n_bands):
    return room.ism_budget(dim, src, mic, sr, order, n_bands=n_bands)


with stop_on_input_error():
    budget = ism_budget(dim, src, mic, sr, order, 1 if np.allclose(table, table[:, :1]) else table.shape[1])
if not budget.fits:  # one large number (a 200 m hall at order 120) must not take minutes and gigabytes
    order = budget.max_order
n_images = room.image_count(order)



def image_source_rir() -> np.ndarray:
    """The pure image-source RIR (cached; a spinner when it is a big one)."""
    with stop_on_input_error():
        if n_images > 400_000:
            with st.spinner(f"Simulating {n_images:,} image sources..."):
                return ism_rir(dim, table_key, src, mic, sr, order)
        return ism_rir(dim, table_key, src, mic, sr, order)


with stop_on_input_error():
    hyb = hybrid_rir(dim, table_key, src, mic, sr) if hybrid else None
h = hyb.rir if hybrid else image_source_rir()
if not budget.fits and not hybrid:
    st.info(f"{budget.message} The image-source response here uses order {order}.", icon=":material/speed:")
if hybrid and hyb.notice:
    st.info(hyb.notice, icon=":material/speed:")
model_name = "hybrid" if hybrid else "image-source"

distance = float(np.linalg.norm(np.subtract(src, mic)))


def sim_metrics() -> None:
    """The simulated room's key numbers (on the simulation tabs only, not beside a measured response)."""
    m = st.columns(5)
    m[0].metric("Volume", f"{np.prod(dim):.0f} m³")
    m[1].metric("Sabine RT60", f"{np.mean(sabine[2:4]):.2f} s", help="Mean of the 500 Hz and 1 kHz bands")
    m[2].metric("Eyring RT60", f"{np.mean(eyring[2:4]):.2f} s", help="Mean of the 500 Hz and 1 kHz bands")
    m[3].metric("Distance", f"{distance:.2f} m", help=f"Direct sound after {1000 * distance / 343:.1f} ms")
    m[4].metric("Image sources", f"{n_images:,}",
                help=f"All images up to order {order} (the image-source model; the hybrid needs far fewer)")
    if auto_order and order_auto > AUTO_ORDER_CAP:
        st.caption(f":material/info: Reaching {rt_max:.1f} s needs image order {order_auto}; the image-source model "
                   f"stops at order {AUTO_ORDER_CAP} here (set the order by hand for more), so its late tail is cut "
                   "short. The hybrid model does not need the high orders.")

# Only the open tab runs (state-tracking tabs), so a widget in one tab does not redraw the others.
TABS = ["Room & RT60", "Impulse response", "Decay", "Listen", "Measured IR"]
tab_room, tab_rir, tab_decay, tab_listen, tab_measured = st.tabs(TABS, key="room_tab", bind="query-params",
                                                                 on_change="rerun")

# ---------------------------------------------------------------------------- room
with tab_room:
    if tab_room.open:
        sim_metrics()
        c1, c2 = st.columns(2)
        chart(c1, "floor_plan", dim, src, mic, key="room_plan")
        chart(c2, "room_3d", dim, src, mic, key="room_3d")
        chart(st, "rt60_bands", OCTAVE_BANDS_HZ, {"Sabine": sabine, "Eyring": eyring},
              title="Predicted RT60 per octave band: Sabine vs Eyring", key="room_rt_pred")
        areas = np.array([W * H, W * H, L * H, L * H, L * W, L * W])
        df = pd.DataFrame(table, index=[SURFACE_LABELS[s] for s in SURFACES], columns=BAND_LABELS)
        df.insert(0, "Area (m²)", areas)
        if mode == MODES[0]:
            df.insert(0, "Material", mats)
        st.markdown("**Absorption coefficients α per surface and band** "
                    "(Vorländer, *Auralization*, 2008, annex; via pyroomacoustics' materials table)")
        st.dataframe(df.style.format({**{b: "{:.2f}" for b in BAND_LABELS}, "Area (m²)": "{:.1f}"}), width="stretch")
        if mode == MODES[2]:
            st.success(f"Target {target_rt60:.2f} s → uniform α = {alpha_t:.3f}, image order {order_t} "
                       f"(Sabine gives back {room.rt60_sabine(dim, alpha_t):.2f} s; Eyring predicts "
                       f"{room.rt60_eyring(dim, alpha_t):.2f} s for the same α).")
        modes_list = room.axial_modes(dim, fmax_hz=300.0)
        f_s = room.schroeder_frequency(max(float(np.mean(sabine[:2])), 1e-3), dim)
        mc = st.columns([0.65, 0.35])
        chart(mc[0], "modes_chart", modes_list, f_s, key="room_modes")
        with mc[1]:
            st.metric("Schroeder frequency", f"{f_s:.0f} Hz",
                      help="2000·√(T/V) with T at 125–250 Hz: below it single modes dominate, above it the field is diffuse.")
            st.caption("Lowest axial modes: " + ", ".join(f"{f:.0f} Hz ({a} n={n})" for f, a, n in modes_list[:6]))

# ---------------------------------------------------------------------------- RIR
with tab_rir:
    if tab_rir.open:
        sim_metrics()
        early_order = min(3, order)
        im, arr_s, amp = early_images(dim, table_key, src, mic, early_order)
        t_show = float(min(len(h) / sr, max(0.06, 1.5 * arr_s.max())))
        chart(st, "rir_with_reflections", h, sr, arr_s, amp, im.orders, t_max_s=t_show,
              mixing_time_s=(hyb.mixing_time_s, hyb.join_end_s) if hybrid else None,
              title=f"Start of the {model_name} impulse response: direct sound and reflections up to order {early_order}",
              key="room_rir")
        st.caption("Markers: each image's arrival time r/c and amplitude Πβ/(4πr) (band-averaged absorption). "
                   "A sampled peak can read up to 36 % lower when the arrival falls between two samples: the "
                   "windowed sinc's true peak lies between them.")
        chart(st, "rir_overview", h, sr, title=f"Whole {model_name} impulse response ({len(h) / sr:.2f} s)",
              key="room_rir_full")
        plan_order = st.slider("Image order in the plan view", 1, 6, 3, key="room_plan_order", persist_state="page", bind="query-params")
        im_plan = room.image_sources(dim, src, plan_order)
        chart(st, "image_plan", dim, im_plan.positions, im_plan.orders, im_plan.indices, mic, key="room_images")
        st.caption("Each mirrored room holds one image of the source; the straight line from an image to the "
                   "microphone, folded back into the real room, is the path of one reflection. Its length sets the "
                   "arrival time, the walls it crosses set its loss.")


# ---------------------------------------------------------------------------- decay
with tab_decay:
    if tab_decay.open:
        sim_metrics()
        st.markdown(f"Analysis of the **{model_name}** response (switch models in the sidebar).")
        analysis_panel(h, sr, "room_an", predicted={"Sabine": sabine, "Eyring": eyring}, noise_handling=False)
        st.subheader("Image sources alone vs the hybrid model")
        with stop_on_input_error():
            hyb_cmp = hyb if hybrid else hybrid_rir(dim, table_key, src, mic, sr)
        h_ism = h if not hybrid else image_source_rir()
        band = st.select_slider("Band", BAND_LABELS, value="1 kHz", key="room_cmp_band", persist_state="page", bind="query-params")
        b = BAND_LABELS.index(band)
        curves = {}
        for name, hh in (("image sources", h_ism), ("hybrid", hyb_cmp.rir)):
            curves[name] = room.energy_decay_curve(room.band_split(hh, sr)[b], sr, noise_handling=False)
        chart(st, "decay_comparison", curves, {"Sabine": float(sabine[b]), "Eyring": float(eyring[b])},
              title=f"Energy decay in the {band} band: both models vs the predictions", key="room_cmp")
        bt_ism = analyse(h_ism, sr, False)["bands"]["T30"]
        bt_hyb = analyse(hyb_cmp.rir, sr, False)["bands"]["T30"]
        chart(st, "rt60_bands", OCTAVE_BANDS_HZ, {"T30 image sources": bt_ism, "T30 hybrid": bt_hyb,
                                                  "Sabine": sabine, "Eyring": eyring},
              title="T30 of both models vs Sabine and Eyring", key="room_cmp_bands")
        st.caption(f"Hybrid: image sources up to order {hyb_cmp.max_order} until the mixing time "
                   f"{1000 * hyb_cmp.mixing_time_s:.1f} ms (√V ms, at least 5 ms after the direct sound), then a seeded "
                   "noise tail per octave band decaying at Eyring's rate, energy-matched to the image sources over the "
                   f"join ({1000 * hyb_cmp.mixing_time_s:.0f}–{1000 * hyb_cmp.join_end_s:.0f} ms). A pure "
                   "image-source box decays more slowly than Sabine or Eyring predict: its specular reflections never become diffuse, and a capped order cuts the tail.")

# ---------------------------------------------------------------------------- listen
with tab_listen:
    if tab_listen.open:
        sim_metrics()
        clip = pick_audio("room_dry", default="Speech with fricatives", sr=sr, max_duration_s=10.0)
        dry = clip.samples.astype(np.float64)
        wet_full = auralise(dry, h, sr)
        mix = st.slider("Dry / wet mix (0 = dry, 1 = all reverberant)", 0.0, 1.0, 1.0, 0.05, key="room_mix", persist_state="page",
                        bind="query-params")
        dry_pad = np.concatenate([dry, np.zeros(len(wet_full) - len(dry))])
        wet_matched = match_level(wet_full, dry_pad)
        out = match_level((1 - mix) * dry_pad + mix * wet_matched, dry_pad)
        p1, p2 = st.columns(2)
        with p1:
            player(dry_pad.astype(np.float32), sr, label="Dry", key="room_play_dry")
        with p2:
            player(out, sr, label=f"In the room ({model_name}, mix {mix:.2f}), same RMS as the dry clip",
                   key="room_play_wet")
        n_fft = 512 if sr <= 22050 else 1024
        specs = {name: np.abs(stft(np.asarray(y, dtype=np.float32), n_fft=n_fft, hop_length=n_fft // 4))
                 for name, y in (("Dry", dry_pad), ("In the room", out))}
        ref = max(float(S.max()) for S in specs.values())
        for name, S in specs.items():
            S_db = amplitude_to_db(S, ref=ref, top_db=80.0)
            fig = figures.spectrogram(np.arange(S.shape[1]) * (n_fft // 4) / sr, fft_frequencies(sr, n_fft), S_db,
                                      title=f"{name}: spectrogram", height=300, zmin=-80, zmax=0,
                                      colorbar_title="dB re max")
            draw(fig, key=f"room_spec_{name}")

# ---------------------------------------------------------------------------- measured
with tab_measured:
    if tab_measured.open:
        st.markdown("Upload a measured impulse response (a clap, a balloon pop, a sweep's deconvolution) to analyse "
                    "it with the same tools: noise floor, EDC, EDT/T20/T30, per-band decay, clarity.")
        up = st.file_uploader("Impulse response (WAV, FLAC, OGG)", type=["wav", "flac", "ogg"], key="room_ir_upload")
        if up is None:
            st.info("No file yet: the analysis of the simulated response is in the *Decay* tab.")
        else:
            with stop_on_input_error():
                ir = measured_ir(up.getvalue(), up.name, None)
                if ir.channels > 1:
                    # Averaging the channels of a multichannel (array, Ambisonic, binaural) response adds
                    # arrivals at different delays: the decay it shows belongs to no microphone.
                    options = list(range(ir.channels)) + [-1]
                    ch = st.selectbox(
                        f"Channel ({ir.channels} in the file)", options, index=0, key="room_meas_channel", persist_state="page",
                        format_func=lambda k: "the mean of all channels" if k < 0 else f"channel {k + 1}",
                        help="Each channel is one microphone's response. Their mean mixes responses with different "
                             "delays, which smears the onset and the decay.")
                    ir = measured_ir(up.getvalue(), up.name, None if ch < 0 else ch)
                    if ch < 0:
                        st.warning(f"The {ir.channels} channels are averaged: their direct sounds arrive at "
                                   "different times, so EDT and DRR describe no real microphone. Pick one channel.",
                                   icon=":material/warning:")
                st.caption(f"{escape_markdown(ir.name)}: {ir.duration_s:.2f} s at {ir.sr} Hz · "
                           + " · ".join(ir.notices))
                check = room.check_impulse_response(ir.samples, ir.sr)
                if not check.looks_like_ir:
                    st.warning("**This does not look like an impulse response**: " + "; ".join(check.problems)
                               + ". An impulse response is one sharp onset followed by a steady decay into "
                                 "noise (a clap, a balloon pop, a deconvolved sweep). Room measures of anything "
                                 "else are numbers without meaning.", icon=":material/warning:")
                    proceed = st.toggle("Analyse it anyway", value=False, key="room_meas_anyway", persist_state="page",
                                        bind="query-params")
                else:
                    proceed = True
                    st.caption(f":material/check_circle: Looks like an impulse response: onset at "
                               f"{1000 * check.onset_s:.1f} ms, the energy falls {min(check.decay_range_db, 120):.0f} dB "
                               f"into the noise floor, straight in dB (R² {check.decay_fit_r2:.2f}).")
                handle = st.toggle("Noise-floor handling", value=True, key="room_meas_noise", persist_state="page", bind="query-params",
                                   help="Subtract the noise floor estimated from the tail and stop the integration "
                                        "where the decay meets it. Switch off to see how noise lengthens T30.")
                if proceed:
                    analysis_panel(ir.samples.astype(np.float64), ir.sr, "room_meas", noise_handling=handle)

in_depth(r"""
**Image sources (Allen & Berkley 1979).** Mirror the source in a wall and the reflection becomes a straight
line from the image. In a box the images fill a lattice of mirrored rooms: index $(i, j, k)$, order
$|i|+|j|+|k|$, and up to order $N$ there are $(2N+1)(2N^2+2N+3)/3$ of them. Image $n$ at distance
$r_n$ adds $\dfrac{\prod_w \beta_w^{\,m_{n,w}}}{4\pi r_n}\,\delta(t - r_n/c)$, with
$\beta_w = \sqrt{1-\alpha_w}$ the pressure reflection factor of wall $w$ met $m_{n,w}$ times. The delay
is rarely a whole number of samples, so each arrival is drawn as a Hann-windowed sinc (81 taps).

**The fast builder.** Instead of drawing millions of sincs, each image's fractional delay is shared
between two of 17 precomputed kernels (0, 1/16, …, 1 sample); each kernel gets a sparse train of
impulses (`np.bincount`), and 17 FFT convolutions finish the job: the cost follows the kernels, not the
images (`bench/bench_room.py` compares it with pyroomacoustics).

**Sabine and Eyring.** With volume $V$, surface $S$ and absorption area $A = \sum_i S_i\alpha_i$:
$T_\text{Sabine} = \dfrac{24\ln 10}{c}\dfrac{V}{A} \approx 0.161\,V/A$ and
$T_\text{Eyring} = \dfrac{24 \ln 10}{c}\dfrac{V}{-S\ln(1-\bar\alpha)}$, $\bar\alpha = A/S$. They agree
for small $\bar\alpha$; Eyring is right that a room with $\bar\alpha = 1$ has no reverberation.
Target mode inverts Sabine: $\alpha = 24\ln 10\, V/(c S T)$ — impossible when that exceeds 1.

**Reading a decay (ISO 3382-1).** Schroeder's backward integral $E(t) = \int_t^\infty h^2(\tau)\,d\tau$
turns one noisy response into a smooth decay. EDT fits 0 to −10 dB, T20 −5 to −25 dB, T30 −5 to
−35 dB, each extrapolated to 60 dB. A measured response ends in noise, which bends $E(t)$ upwards:
here the noise power is estimated from the tail, subtracted, and the integral stops where the smoothed
decay meets the noise (a simplified Lundeby method). On the seminar-room clap in the project's test data
that turns a T30 of 0.88 s into 0.62 s, in line with its T20 of 0.61 s.

**Clarity.** $C_{50} = 10\log_{10}\dfrac{E_{0-50\,\text{ms}}}{E_{50\,\text{ms}-\infty}}$ (speech),
$C_{80}$ (music), $D_{50} = E_{0-50}/E_\text{total}$, DRR = direct / reverberant energy.

**Modes.** Below the Schroeder frequency $f_S = 2000\sqrt{T/V}$ the response is a set of resonances,
axial ones at $f = c\,n/(2L)$; above it they overlap and statistics (Sabine) work.

**Pitfalls.** An empty specular box decays more slowly than Sabine/Eyring predict (no scattering, so
energy travelling parallel to walls lingers); a capped image order chops the tail; absorption values are
random-incidence averages; air absorption is ignored here.

**References.** J. B. Allen, D. A. Berkley, "Image method for efficiently simulating small-room
acoustics", JASA 65 (1979); E. A. Lehmann, A. M. Johansson, "Diffuse reverberation model for efficient
image-source simulation of room impulse responses", IEEE TASLP (2010); A. Lundeby et al., "Uncertainties of
measurements in room acoustics", Acustica 81 (1995); ISO 3382-1:2009; M. Vorländer, *Auralization* (2008);
R. Scheibler et al., "Pyroomacoustics" (ICASSP 2018); E. Habets, *RIR generator*.
""")
show_code(room.shoebox_rir, room._build, room.measure_rt60, room.noise_floor, room.hybrid_rir)
