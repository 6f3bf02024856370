"""Compute Moat in the browser: `streamlit run app.py` (or `make run`).

The frame every page shares: page setup, menu and navigation. Pages live in app_pages/ and hold
layout only; every number they show comes from simulator/.
"""

import os
import time

import streamlit as st

from simulator.app import guide

_started = time.perf_counter()

st.set_page_config(page_title="Compute Moat", page_icon=":material/memory:", layout="wide",
                   initial_sidebar_state="expanded",
                   menu_items=guide.menu_items(st.context.url))

# Less empty space above each page; a sidebar wide enough for scenario names on a wide screen,
# and no wider than 300 px on a narrow one (at 820 px the main column keeps ~500 px).
st.html("<style>[data-testid='stMainBlockContainer']{padding-top:4rem}"
        "@media (min-width: 1100px){[data-testid='stSidebar']{min-width:330px}}"
        "@media (max-width: 1099px){[data-testid='stSidebar']{min-width:260px;"
        "max-width:300px}"
        # Side-by-side blocks stack on a narrow screen (metrics would be cut to 'La…', '8…');
        # columns inside a column (the three metrics of a card) stay side by side.
        "[data-testid='stMain'] [data-testid='stHorizontalBlock']{flex-wrap:wrap}"
        "[data-testid='stMain'] [data-testid='stColumn']{min-width:100%!important}"
        "[data-testid='stMain'] [data-testid='stColumn'] [data-testid='stColumn']"
        "{min-width:0!important}}</style>")

PAGES = [
    st.Page("app_pages/explorer.py", title="Scenario explorer", icon=":material/tune:",
            url_path="explorer", default=True),
    st.Page("app_pages/compare.py", title="Compare", icon=":material/compare_arrows:",
            url_path="compare"),
    st.Page("app_pages/chips.py", title="Chips & rules", icon=":material/memory:",
            url_path="chips"),
    st.Page("app_pages/evidence.py", title="Evidence", icon=":material/science:",
            url_path="evidence"),
    st.Page("app_pages/about.py", title="About & method", icon=":material/info:",
            url_path="about"),
]

page = st.navigation(PAGES, position="top")
page.run()

# COMPUTE_MOAT_TIMING=FILE appends "page seconds" per completed run (the re-render benchmark).
if os.environ.get("COMPUTE_MOAT_TIMING"):
    with open(os.environ["COMPUTE_MOAT_TIMING"], "a", encoding="utf-8") as log:
        log.write(f"{page.url_path or 'explorer'} {time.perf_counter() - _started:.4f}\n")
