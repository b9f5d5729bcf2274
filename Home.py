"""AudioVideoEra Explorer: entry point (``streamlit run Home.py``)."""

import streamlit as st

from components import memory, presenter
from components.audio_io import playback_note
from components.nav import PAGES

st.set_page_config(page_title="AudioVideoEra Explorer", page_icon=":material/graphic_eq:", layout="wide")
memory.tune_allocator()  # large arrays go back to the system when freed
memory.release_at_session_end()  # and a closed session's heap is trimmed
presenting = presenter.app_setup()

sections: dict[str, list] = {}
info_of = {}  # id(st.Page) -> PageInfo (no Page attribute is read here: a multiprocessing child that
for info in PAGES:  # re-imports this file in bare mode, e.g. a Dask worker spawned after AppTests, has none)
    p = st.Page(info.path, title=info.title, icon=info.icon, default=info.path == "app_pages/welcome.py")
    sections.setdefault(info.section, []).append(p)
    info_of[id(p)] = info

# expanded=True: with more than twelve pages Streamlit's default folds the menu after ten, which hid
# whole sections of the learning path ("Rooms & codecs", "Audio-visual") behind "View more".
page = st.navigation(sections, position="top" if presenting else "sidebar", expanded=True)
presenter.set_current_page(info_of.get(id(page)))
page.run()
# After the page, so the page's own inputs come first in the sidebar (and a line under them, if any:
# the navigation already ends with one).
if presenter.sidebar_used():
    st.sidebar.divider()
presenter.toggle()
playback_note()
if not presenting and presenter.has_next():
    st.divider()
    presenter.next_link()
