"""About & method: the question, a glossary, the transfer assumption, how to cite, data sources."""

import streamlit as st

from app_pages import shared
from simulator.app import guide

shared.page_header("About & method", guide.QUESTION)

st.subheader("How the answer is built")
for title, text in guide.INTRO:
    st.markdown(f"**{title}.** {text}")
st.markdown(
    "The model turns a fleet into FLOP (chip specifications x counts x MFU x days, with each "
    "chip counted only when the rule in force lets it through its channel), FLOP into a loss "
    "under a published scaling law, and a loss into **effective compute** and a **lag** behind "
    "the frontier. Distillation adds the teacher's tokens the API sells, limited by rate "
    "limits, detection and budget, and converts them into extra effective data with the "
    "measured multiplier of each access tier. The formulas are written out in "
    "`simulator/scenario/model.py`; every scenario lists its assumptions in the explorer's "
    "**Assumptions** view.")

st.subheader("The transfer assumption")
st.info(guide.GLOSSARY["Transfer assumption"] + " The Evidence page shows the experiments, the "
        "fits and how well each fit predicted runs it was not fitted on.",
        icon=":material/warning:")

st.subheader("Glossary")
for term, meaning in guide.GLOSSARY.items():
    st.markdown(f"**{term}** — {meaning}")

st.subheader("How to cite")
cite = guide.citation()
st.markdown("Cite the software with its version, and the scenario you show. Every download "
            "of a scenario view carries its own citation: the citation bundle's CITATION.txt "
            "names the scenario, the moved levers and a link that reproduces the view, and "
            "every figure's footer and PDF/SVG metadata carry the scenario's SHA-256.")
st.code(cite["text"], language=None, wrap_lines=True)

st.subheader("Data sources")
st.markdown("Every number from the world lives in `data/` with its source next to it; "
            "`data/README.md` gives each file's origin, retrieval date, licence and SHA-256.")
st.markdown("\n".join(
    f"- **{'data/' + src.file if not src.file.startswith('..') else src.file[3:]}** — {src.what}"
    for src in guide.data_sources()))

st.subheader("Report a problem")
st.markdown(guide.REPORT_A_PROBLEM)
