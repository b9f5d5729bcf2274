"""Landing page: the learning path from a sound wave to lip-sync detection."""

import streamlit as st

from components.nav import PAGES

st.title("AudioVideoEra Explorer")
st.markdown(
    "Audio and audio-visual machine learning from first principles. Every idea here is something "
    "you can **move, hear and measure**: each page opens with the idea in two sentences and the one "
    "control to try first, keeps the math in a collapsible panel, and shows the library code behind "
    "its main figure."
)
st.markdown(
    "You have probably called `librosa.feature.rms` or `librosa.stft`. Follow the path below to see "
    "what those calls do underneath, one step at a time, on the built-in clips or your own audio "
    "(upload a file or record with the microphone on any page)."
)

st.subheader("The learning path")
step = 0
for info in PAGES:
    if info.section == "Start":
        continue
    step += 1
    with st.container(border=True):
        cols = st.columns([0.06, 0.94])
        cols[0].markdown(f"### {step}")
        with cols[1]:
            st.page_link(info.path, label=f"**{info.title}** · {info.section}", icon=info.icon)
            st.caption(info.teaches)

st.divider()
st.caption(
    "Built on numpy, scipy, librosa, soundfile, PyAV, plotly and Streamlit. Model pages load "
    "pretrained weights when they are available and always keep a weight-free path."
)
