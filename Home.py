"""AudioVideoEra Explorer: entry point (``streamlit run Home.py``)."""

import streamlit as st

from components.audio_io import playback_note
from components.nav import PAGES

st.set_page_config(page_title="AudioVideoEra Explorer", page_icon=":material/graphic_eq:", layout="wide")

sections: dict[str, list] = {}
for info in PAGES:
    sections.setdefault(info.section, []).append(
        st.Page(info.path, title=info.title, icon=info.icon, default=info.path == "app_pages/welcome.py")
    )

page = st.navigation(sections)
playback_note()
page.run()
