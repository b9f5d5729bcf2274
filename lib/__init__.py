"""The science behind AudioVideoEra Explorer: pure functions, numpy in, numpy out.

No streamlit and no plotly here (see DESIGN.md); heavy dependencies (torch,
transformers, av) are imported inside the functions that need them.
"""
