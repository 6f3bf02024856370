"""Evidence: the measured runs and fits behind the distillation numbers, with held-out errors;
run the smoke sweep here or load your own results folder."""

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages import shared
from simulator.app import card_tables, jobs, links, vega
from simulator.app.display import fmt_count
from simulator.app.local_folders import LOCAL_FOLDERS_ENV, local_folders_allowed, redact
from simulator.errors import InputError
from simulator.paths import DEFAULT_EXPERIMENTS, DEFAULT_FIT

PAGE = "evidence"
SOURCE_KEY, DIR_KEY, UPLOAD_KEY = "evidence_source", "evidence_dir", "evidence_upload"
JOB_KEY = "evidence_job"
SOURCES = {"shipped": "Shipped evidence", "folder": "A results folder",
           "smoke": "Run the smoke sweep here"}
LOCAL = local_folders_allowed()  # reading server folders by path: local-only, off by default


@st.cache_data(show_spinner=False, max_entries=16)
def load_runs(path: str, mtime: float) -> pd.DataFrame:
    """Returns a results.csv as checked by simulator.curves (mtime keys the cache)."""
    from simulator.curves.results_csv import read_results

    return read_results(path)


@st.cache_data(show_spinner=False, max_entries=16)
def load_card(path: str, mtime: float):
    """Returns the FitCard at ``path`` (mtime keys the cache)."""
    from simulator.curves.card import load_card as load

    return load(path)


@st.cache_data(show_spinner="Drawing the publication figures…", max_entries=8)
def figure_files(runs_path: str, runs_mtime: float, card_path: str, card_mtime: float) -> dict:
    """Returns {slug: {title, png}} of the evidence figures (drawn once per input files)."""
    from simulator.charts.evidence import evidence_figures
    from simulator.charts.save import figure_bytes
    from simulator.charts.style import chart_info

    figures = evidence_figures(load_runs(runs_path, runs_mtime), load_card(card_path, card_mtime))
    out = {}
    for slug, fig in figures.items():
        try:
            title = chart_info(fig).title
        except ValueError:
            title = slug.replace("_", " ")
        out[slug] = {"title": title, "png": figure_bytes(fig, "png")}
    return out


def session_dir() -> Path:
    """Returns this session's scratch folder (sweeps and fits run from the browser)."""
    if "evidence_tmp" not in st.session_state:
        st.session_state["evidence_tmp"] = tempfile.mkdtemp(prefix="compute-moat-app-")
    return Path(st.session_state["evidence_tmp"])


def start(kind: str, argv: list, out_dir: Path):
    st.session_state[JOB_KEY] = (kind, jobs.start_job(argv, out_dir))


def start_smoke():
    out = session_dir() / "smoke"
    start("sweep", jobs.smoke_sweep_argv(out), out)


def start_fit(folder: Path):
    start("fit", jobs.fit_argv(folder), folder)


def stop_job():
    kind_job = st.session_state.get(JOB_KEY)
    if kind_job and kind_job[1].process.poll() is None:
        kind_job[1].process.terminate()


shared.page_header(
    "Evidence",
    "The small, real experiments behind the distillation numbers: every run, the fitted laws "
    "with bootstrap intervals, and how well each law predicted runs it was not fitted on "
    "(held-out error). Nothing here trains unless you start a sweep.")
messages = st.container()

new_errors = None
if shared.link_is_new(PAGE):
    query, new_errors = shared.query_dict(), []
    st.session_state[SOURCE_KEY] = links.decode_choice(query, "source", list(SOURCES),
                                                       "shipped", new_errors)
    if "dir" in query and not LOCAL:
        new_errors.append("Ignored 'dir': this app reads uploaded files only.")
    elif "dir" in query:
        st.session_state[DIR_KEY] = str(query["dir"] if not isinstance(query["dir"], list)
                                        else query["dir"][-1])
    unknown = sorted(k for k in query if k not in ("source", "dir"))
    if unknown:
        new_errors.append(f"Ignored unknown link parameter(s): {', '.join(unknown)}.")
shared.restore(PAGE, {SOURCE_KEY: "shipped", DIR_KEY: ""})

source = st.segmented_control("Evidence", list(SOURCES), key=SOURCE_KEY,
                              format_func=SOURCES.get, label_visibility="collapsed")
source = source or "shipped"
query = {"source": source}

# --- background job: live progress without blocking the page --------------------------------
kind_job = st.session_state.get(JOB_KEY)
job_running = bool(kind_job) and jobs.job_state(kind_job[1])["running"]


@st.fragment(run_every=1.0 if job_running else None)
def job_panel():
    kind_job = st.session_state.get(JOB_KEY)
    if not kind_job:
        return
    kind, job = kind_job
    state = jobs.job_state(job)
    if kind == "sweep":
        progress = jobs.sweep_progress(job.out_dir)       # the sweep's own progress file
        fraction = progress["fraction"]
        text = jobs.sweep_text(progress, state["elapsed_s"])
    else:
        fraction, text = (1.0 if not state["running"] else 0.5), (
            f"Fitting the runs · {state['elapsed_s']:.0f} s")
    if state["running"]:
        st.progress(fraction, text=text)
        st.button("Stop", on_click=stop_job, icon=":material/stop_circle:")
        with st.expander("Log"):
            st.code(redact(state["log_tail"][-1500:], session_dir()) or "(no output yet)",
                    language=None)
        return
    if state["returncode"] == 0:
        del st.session_state[JOB_KEY]                    # handled: never redraw for it again
        if kind == "sweep" and jobs.find_card(Path(job.out_dir)) is None:
            start_fit(Path(job.out_dir))                 # chain: sweep, then its fit
        st.rerun()                                       # redraw the whole page with results
    else:
        st.error(f"The {kind} stopped with exit code {state['returncode']}.",
                 icon=":material/error:")
        with st.expander("Log", expanded=True):
            st.code(redact(state["log_tail"][-3000:], session_dir()) or "(no output)",
                    language=None)


# --- where the evidence comes from ----------------------------------------------------------
folder: Path | None = None
if source == "shipped":
    folder = DEFAULT_EXPERIMENTS
    card_path = DEFAULT_FIT if DEFAULT_FIT.is_file() else None
    st.caption(f"Runs: `{DEFAULT_EXPERIMENTS.relative_to(DEFAULT_EXPERIMENTS.parents[2])}/"
               "results.csv` · fit card: `data/fits/default.json` (made by `python -m "
               "simulator experiments run --preset default` and `python -m simulator fit`).")
elif source == "folder":
    cols = st.columns([3, 2], gap="medium")
    with cols[0]:
        if LOCAL:
            st.text_input("Results folder on this machine", key=DIR_KEY,
                          placeholder="e.g. runs/my-sweep (holds results.csv)",
                          help="A sweep folder written by `python -m simulator experiments "
                               "run`: results.csv, and optionally a fit card (fit.json).")
        else:
            st.caption("Upload a results.csv written by `python -m simulator experiments run`. "
                       f"(Reading folders by path works only when the app runs locally with "
                       f"`{LOCAL_FOLDERS_ENV}=1`.)")
    with cols[1]:
        upload = st.file_uploader("…or upload a results.csv", type=["csv"], key=UPLOAD_KEY)
    if upload is not None:
        folder = session_dir() / "upload"
        folder.mkdir(exist_ok=True)
        (folder / "results.csv").write_bytes(upload.getvalue())
    elif LOCAL and st.session_state[DIR_KEY].strip():
        folder = Path(st.session_state[DIR_KEY].strip()).expanduser()
        query["dir"] = st.session_state[DIR_KEY].strip()
    card_path = jobs.find_card(folder) if folder is not None and folder.is_dir() else None
else:
    folder = session_dir() / "smoke"
    card_path = jobs.find_card(folder)
    st.markdown("The smoke sweep trains a handful of tiny models on the synthetic language "
                "(about a minute on 2 cores), then fits them. The page stays usable while it "
                "runs.")
    st.button("Run the smoke sweep", on_click=start_smoke, disabled=job_running,
              icon=":material/play_arrow:", type="primary")
job_panel()

# --- show it --------------------------------------------------------------------------------
runs = None
if folder is not None:
    results = folder / "results.csv"
    if not results.is_file():
        if source == "folder":
            st.error(f"{redact(folder, session_dir())}: no results.csv here. Pick a sweep folder written by "
                     "`python -m simulator experiments run`.", icon=":material/folder_off:")
        elif source == "shipped":
            st.warning("The shipped experiment runs are not in this checkout yet "
                       f"({results.name} missing).", icon=":material/info:")
    else:
        try:
            runs = load_runs(str(results), results.stat().st_mtime)
        except InputError as exc:
            st.error(f"Not loaded: {redact(exc, session_dir())}", icon=":material/error:")

card = None
if card_path is not None:
    try:
        card = load_card(str(card_path), card_path.stat().st_mtime)
    except InputError as exc:
        st.error(f"Fit card not loaded: {redact(exc, session_dir())}", icon=":material/error:")

if runs is not None:
    st.subheader("Runs")
    cells = st.columns(5)
    cells[0].metric("Runs", f"{len(runs):,}")
    cells[1].metric("Modes", runs["mode"].nunique(),
                    help=", ".join(sorted(runs["mode"].unique())))
    cells[2].metric("Parameters", f"{fmt_count(runs['params'].min())} – "
                                  f"{fmt_count(runs['params'].max())}")
    cells[3].metric("Tokens per run", f"{fmt_count(runs['tokens'].min())} – "
                                      f"{fmt_count(runs['tokens'].max())}")
    cells[4].metric("Oracle loss (floor)", f"{runs['oracle_loss'].median():.3f} nats")
    st.vega_lite_chart(vega.runs_chart(runs), width="stretch")
    st.caption(f"Each of the {len(runs):,} points is one training run: loss on held-out "
               "synthetic text against the run's training compute. Dashed line: the exact "
               "(oracle) predictor's loss, the floor no model can beat.")

if card is not None:
    st.subheader("Fits and their held-out errors")
    heldout = pd.DataFrame(card_tables.heldout_rows(card))
    scratch_err = heldout.iloc[0]["relative_error_loss"]
    if scratch_err is not None and scratch_err == scratch_err:
        st.metric("Scratch law: held-out error in loss", f"{100 * scratch_err:.1f}%",
                  help="Fitted without the largest compute level, then asked to predict it.")
    st.dataframe(heldout, hide_index=True, width="stretch", column_config={
        "relative_error_loss": st.column_config.NumberColumn("Held-out error, L",
                                                             format="percent"),
        "relative_error_excess_loss": st.column_config.NumberColumn("Held-out error, L − E",
                                                                    format="percent"),
        "n_heldout": st.column_config.NumberColumn("Held-out runs"),
        "n_runs": st.column_config.NumberColumn("Runs fitted")})
    st.caption("Each law is refitted without the largest compute level and asked to predict "
               "it; the relative error is reported as measured, good or bad. None: the law "
               "was not fitted or had too few runs to hold any out (see the fit card's "
               "warnings).")
    if card.warnings:
        with st.expander(f"Fit warnings ({len(card.warnings)})"):
            st.markdown("\n".join(f"- {w}" for w in card.warnings))
    with st.expander("Fitted parameters with 95% bootstrap intervals"):
        st.dataframe(pd.DataFrame(card_tables.param_rows(card)), hide_index=True,
                     width="stretch")
    with st.expander("Provenance of the fit card"):
        st.json(card.to_dict()["provenance"], expanded=False)
elif runs is not None and folder is not None:
    st.info("No fit card next to these runs yet.", icon=":material/info:")
    if source == "folder" and st.button("Fit these runs", disabled=job_running,
                                        icon=":material/functions:"):
        start_fit(folder)
        st.rerun()

if runs is not None and card is not None:
    st.subheader("Publication figures")
    results = folder / "results.csv"
    try:
        figures = figure_files(str(results), results.stat().st_mtime, str(card_path),
                               card_path.stat().st_mtime)
    except Exception as exc:  # noqa: BLE001 - a chart that cannot be drawn must not end the page
        st.error(f"Figures not drawn: {type(exc).__name__}: {redact(exc, session_dir())}",
                 icon=":material/error:")
        figures = {}
    if figures:
        tabs = st.tabs([f["title"][:40] for f in figures.values()])
        for tab, (slug, fig) in zip(tabs, figures.items()):
            with tab:
                st.image(fig["png"], width=900)

                def make(slug=slug):
                    from simulator.charts.evidence import evidence_figures

                    return evidence_figures(load_runs(str(results), results.stat().st_mtime),
                                            card)[slug]

                shared.figure_downloads(make, slug, key=f"ev_{slug}")

if runs is not None:
    with st.expander("All runs"):
        st.dataframe(runs, hide_index=True, width="stretch")
        st.download_button("Download results.csv",
                           data=lambda: runs.to_csv(index=False).encode("utf-8"),
                           file_name="results.csv", mime="text/csv", on_click="ignore")

shared.link_messages(PAGE, query, new_errors, where=messages)
shared.remember(PAGE, [SOURCE_KEY, DIR_KEY], query)
