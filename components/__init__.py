"""Reusable Streamlit pieces shared by the pages (figure builders import no streamlit)."""
