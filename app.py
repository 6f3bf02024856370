"""Compute Moat in the browser: `streamlit run app.py` (or `make run`).

The frame every page shares: page setup and navigation. Pages live in app_pages/ and hold
layout only; every number they show comes from simulator/.
"""

import os
import time

import streamlit as st

_started = time.perf_counter()

st.set_page_config(page_title="Compute Moat", page_icon=":material/memory:", layout="wide",
                   initial_sidebar_state="expanded")

# Less empty space above each page, and a sidebar wide enough for scenario names.
st.html("<style>[data-testid='stMainBlockContainer']{padding-top:2.5rem}"
        "[data-testid='stSidebar']{min-width:330px}</style>")

PAGES = [
    st.Page("app_pages/explorer.py", title="Scenario explorer", icon=":material/tune:",
            url_path="explorer", default=True),
    st.Page("app_pages/compare.py", title="Compare", icon=":material/compare_arrows:",
            url_path="compare"),
    st.Page("app_pages/chips.py", title="Chips & rules", icon=":material/memory:",
            url_path="chips"),
    st.Page("app_pages/evidence.py", title="Evidence", icon=":material/science:",
            url_path="evidence"),
]

page = st.navigation(PAGES, position="top")
page.run()

# COMPUTE_MOAT_TIMING=FILE appends "page seconds" per completed run (the re-render benchmark).
if os.environ.get("COMPUTE_MOAT_TIMING"):
    with open(os.environ["COMPUTE_MOAT_TIMING"], "a", encoding="utf-8") as log:
        log.write(f"{page.url_path or 'explorer'} {time.perf_counter() - _started:.4f}\n")
