"""What every page shares: cached loaders keyed on canonical inputs, URL sync, messages,
widgets drawn from the widget model.

Layout and caching only; the logic lives in simulator/app/. Cached functions take plain,
hashable arguments (ids, canonical JSON strings), so the cache key is exactly the input.
"""

from __future__ import annotations

import streamlit as st

from simulator import vocabulary
from simulator.app import catalogue, figures, links, scenario_levers, widgets
from simulator.app.display import fmt_sig
from simulator.app.scenario_set import ScenarioSet

DEFAULT_PAGE = "explorer"
# Status words and Okabe-Ito colours: the house vocabulary (simulator.vocabulary).
STATUS_LABELS, STATUS_COLOURS = vocabulary.STATUS_LABELS, vocabulary.STATUS_COLOURS


def sync_query(params: dict) -> None:
    """Makes the browser's URL show exactly ``params`` (lists become repeated parameters)."""
    current = {key: st.query_params.get_all(key) for key in st.query_params}
    wanted = {key: (value if isinstance(value, list) else [value])
              for key, value in params.items()}
    wanted = {key: [str(v) for v in values] for key, values in wanted.items()}
    if current != wanted:
        st.query_params.from_dict(params)


def query_dict() -> dict:
    """Returns the URL's parameters: one value as str, a repeated one as a list."""
    out = {}
    for key in st.query_params:
        values = st.query_params.get_all(key)
        out[key] = values[0] if len(values) == 1 else values
    return out


def show_messages(messages, icon=":material/link_off:") -> None:
    """Shows one warning per message (bad link parameters, rejected uploads)."""
    for message in messages:
        st.warning(message, icon=icon)


def page_header(title: str, lede: str) -> None:
    """Shows a page's title and one-paragraph lede."""
    st.title(title)
    st.caption(lede)


# --- page state that survives page switches and travels in links ----------------------------
# Streamlit clears the URL's parameters on a page switch and forgets the state of widgets that
# are not drawn, so each page keeps its own copy (``_saved``) and rewrites its link each run.

def link_is_new(page: str) -> bool:
    """Returns True when the URL carries parameters this session has not yet applied."""
    url = query_dict()
    return bool(url) and url != st.session_state.setdefault("_last_query", {}).get(page)


def restore(page: str, keys_defaults: dict) -> None:
    """Sets each widget key not yet in session state: from this page's saved copy, else default."""
    saved = st.session_state.setdefault("_saved", {}).get(page, {})
    for key, default in keys_defaults.items():
        if key not in st.session_state:
            st.session_state[key] = saved.get(key, default)


def remember(page: str, keys, query: dict) -> None:
    """Saves the page's widget values and makes the URL show ``query``."""
    st.session_state.setdefault("_saved", {})[page] = {
        key: st.session_state[key] for key in keys if key in st.session_state}
    sync_query(query)
    st.session_state.setdefault("_last_query", {})[page] = query_dict()


def link_messages(page: str, query: dict, new_errors=None, where=None) -> None:
    """Shows a link's problems (in ``where``) until the view moves away from that link's view.

    ``new_errors`` are the messages of a link decoded in this run; ``query`` is what the page
    shows now.
    """
    store = st.session_state.setdefault("_link_errors", {})
    if new_errors is not None:
        store[page] = (list(new_errors), query)
    messages, shown_for = store.get(page, ([], None))
    if messages and shown_for == query:
        with (where or st.container()):
            show_messages(messages)
    elif messages:
        store.pop(page, None)


# --- downloads ------------------------------------------------------------------------------
FIGURE_MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}


def figure_downloads(make_figure, basename: str, key: str) -> None:
    """Shows PNG / SVG / PDF download buttons for a publication figure, rendered on click.

    ``make_figure`` returns a matplotlib Figure from simulator.charts; nothing is drawn until
    a button is pressed, so ordinary reruns stay fast.
    """
    from simulator.charts.save import figure_bytes

    def render(fmt):
        return lambda: figure_bytes(make_figure(), fmt)

    cols = st.columns(3)
    for col, fmt in zip(cols, ("png", "svg", "pdf")):
        col.download_button(fmt.upper(), data=render(fmt), file_name=f"{basename}.{fmt}",
                            mime=FIGURE_MIME[fmt], on_click="ignore", key=f"{key}_{fmt}",
                            icon=":material/download:", width="stretch")


def figure_preview(make_figure, key: str, label="Show the publication figure") -> None:
    """Shows the publication figure as an image when the user asks for it (costly to draw)."""
    if st.toggle(label, key=key, value=False):
        from simulator.charts.save import figure_bytes

        st.image(figure_bytes(make_figure(), "png"), width="stretch")


# --- scenarios: presets, bases, evaluation --------------------------------------------------
TRANSFER_CAPTION = vocabulary.TRANSFER_NOTE


def read_upload(key: str, error_key: str):
    """Returns (file name, text, scenario) of the scenario file uploaded under ``key``, or None
    when there is none or it was refused (the reason is kept under ``error_key``)."""
    from simulator.errors import InputError

    upload = st.session_state.get(key)
    if upload is None:
        return None
    try:
        text = catalogue.upload_text(upload.name, upload.getvalue())
        scenario = custom_base(text, upload.name)[0]
    except InputError as exc:
        st.session_state[error_key] = str(exc)
        return None
    st.session_state[error_key] = None
    return upload.name, text, scenario


def scenario_uploader(key: str, on_change, error_key: str) -> None:
    """A TOML scenario uploader, and the reason the last upload was not loaded."""
    st.file_uploader("Scenario file", type=["toml"], key=key, on_change=on_change,
                     help="Same format as scenarios/*.toml; validated before use.",
                     label_visibility="collapsed")
    if st.session_state.get(error_key):
        st.error(f"Not loaded: {st.session_state[error_key]}", icon=":material/error:")


@st.cache_data(show_spinner=False)
def presets() -> dict:
    """Returns {id: {label, path, variant, year, rule}} for each shipped scenarios/*.toml."""
    return catalogue.preset_index()


default_preset = catalogue.default_preset
base_id = catalogue.base_id


@st.cache_resource(show_spinner=False, max_entries=32)
def preset_base(preset_id: str):
    """Returns (scenario, levers, values) of a preset (shared; never mutate)."""
    from simulator.scenario import load_scenario

    scenario = load_scenario(presets()[preset_id]["path"])
    levers = scenario_levers.scenario_levers(scenario)
    return scenario, levers, scenario_levers.scenario_values(scenario, levers)


@st.cache_resource(show_spinner=False, max_entries=32)
def custom_base(toml_text: str, name: str = "uploaded scenario"):
    """Returns (scenario, levers, values) of an uploaded scenario; InputError if invalid."""
    scenario = catalogue.scenario_from_text(toml_text, name)
    levers = scenario_levers.scenario_levers(scenario)
    return scenario, levers, scenario_levers.scenario_values(scenario, levers)


def scenario_set() -> ScenarioSet:
    """Returns this session's saved scenario set (the explorer saves into it, Compare reads)."""
    return st.session_state.setdefault("scenario_set", ScenarioSet())


@st.cache_data(show_spinner=False, max_entries=512)
def evaluate_cached(scenario_json: str, source: str, _scenario=None):
    """Returns evaluate(scenario): a ScenarioResult, keyed on the scenario's canonical JSON.

    ``_scenario`` (left out of the cache key): the validated Scenario that ``scenario_json``
    was dumped from; given, it is evaluated as it is (no second validation, no JSON parse).
    """
    from simulator.scenario import evaluate

    return evaluate(_scenario if _scenario is not None
                    else catalogue.scenario_from_json(scenario_json, source))


@st.cache_data(show_spinner=False, max_entries=64)
def overtime_cached(scenario_json: str, source: str, _scenario=None) -> tuple[list, str]:
    """Returns (the lag year by year with bands, the sentence stating what it holds fixed);
    ``_scenario``: the Scenario ``scenario_json`` was dumped from (left out of the key)."""
    from simulator.scenario.overtime import assumption_text, lag_over_time

    scenario = (_scenario if _scenario is not None
                else catalogue.scenario_from_json(scenario_json, source))
    return lag_over_time(scenario), assumption_text(scenario)


@st.cache_resource(show_spinner=False, max_entries=8)
def measured_top_k(fit: str, source: str) -> list[int]:
    """Returns the k values at which the scenario's fit card measured top-k distillation."""
    from types import SimpleNamespace

    from simulator.app import applicability
    from simulator.errors import InputError
    from simulator.scenario.result import resolve_fit

    try:
        card, _ = resolve_fit(SimpleNamespace(fit=fit, source_path=source), None)
    except InputError:
        return []
    return applicability.measured_top_k(card)


# --- widgets built from the scenario schema -------------------------------------------------

def lever_widget(lever, key: str, base_value, hint=(), label: str | None = None,
                 on_change=None) -> None:
    """Draws the widget of one lever (bounds and help from the schema) bound to ``key``.

    ``on_change(path)`` is called when the user moves it.
    """
    cb = {"on_change": on_change, "args": (lever.path,)} if on_change else {}
    label = widgets.widget_label(lever, label)
    help_text = widgets.widget_help(lever, base_value)
    value = st.session_state.get(key, base_value)
    log = widgets.log_slider(lever, value, base_value, hint)
    if lever.kind == widgets.KIND_CHOICE:
        from simulator.app.display import choice_label

        st.selectbox(label, list(lever.choices), key=key, help=help_text, **cb,
                     format_func=lambda v: choice_label(lever.path, v))
    elif lever.kind == widgets.KIND_BOOL:
        st.toggle(label, key=key, help=help_text, **cb)
    elif lever.optional or value is None:
        st.number_input(label, min_value=lever.min, max_value=lever.max, key=key, **cb,
                        help=help_text + " Empty: the default from data/.", format="%g",
                        placeholder="default from data/")
    elif log is not None:
        options, st.session_state[key] = log
        st.select_slider(label, options=options, key=key, help=help_text, **cb,
                         format_func=fmt_sig)
    else:
        bounds3 = widgets.slider_bounds(lever, value)
        if bounds3 is not None:
            lo, hi, step = bounds3
            if lever.kind == widgets.KIND_INT:
                st.slider(label, int(lo), int(hi), step=1, key=key, help=help_text, **cb)
            else:
                st.session_state[key] = float(value)
                st.slider(label, lo, hi, step=step, key=key, help=help_text, **cb,
                          format="%g")
        elif lever.kind == widgets.KIND_INT:
            js_max = 2 ** 53 - 1        # what a browser's number can hold exactly
            st.number_input(label, min_value=None if lever.min is None else int(lever.min),
                            max_value=None if lever.max is None else min(int(lever.max), js_max),
                            step=1,
                            key=key, help=help_text, **cb)
        else:
            st.session_state[key] = float(value)
            st.number_input(label, min_value=lever.min, max_value=lever.max, key=key,
                            help=help_text, format="%g", **cb)


# --- links and downloads --------------------------------------------------------------------

def page_link(page: str, query: dict) -> str:
    """Returns the full URL of a page showing ``query``."""
    return links.page_url(st.context.url, page, query, default_page=DEFAULT_PAGE)


slug = catalogue.slug


@st.cache_data(show_spinner="Drawing the figure…", max_entries=32)
def scenario_figure_png(scenario_json: str, source: str, name: str, result_json: str,
                        _scenario=None, _result=None) -> bytes:
    """Returns one publication figure of a scenario as PNG, cached on the scenario's and the
    result's JSON (``_scenario`` and ``_result``: the Scenario and ScenarioResult they were
    dumped from, used as they are)."""
    from simulator.charts.save import figure_bytes
    from simulator.scenario.contract import ScenarioResult

    scenario = (_scenario if _scenario is not None
                else catalogue.scenario_from_json(scenario_json, source))
    result = _result if _result is not None else ScenarioResult.model_validate_json(result_json)
    return figure_bytes(figures.scenario_figure(name, scenario, result), "png")


def scenario_figure_downloads(scenario, scenario_json: str, result) -> None:
    """Shows a preview and PNG / SVG / PDF downloads of each publication figure
    (result: the exported ScenarioResult; scenario_json: the scenario's canonical JSON)."""
    stem = slug(result.scenario.name)
    preview = st.selectbox("Preview", [None, *figures.SCENARIO_FIGURES], key="explorer_figure",
                           format_func=lambda n: "Choose a figure to preview…" if n is None
                           else figures.SCENARIO_FIGURES[n],
                           help="The figures as they appear in reports: title, units, source "
                                "and provenance footer. Drawn when asked (a second or two).")
    if preview:
        st.image(scenario_figure_png(scenario_json, scenario.source_path, preview,
                                     result.model_dump_json(), scenario, result), width=900)
    for name, title in figures.SCENARIO_FIGURES.items():
        st.markdown(f"**{title}**")

        def make(name=name):
            return figures.scenario_figure(name, scenario, result)

        figure_downloads(make, f"{stem}_{name}", key=f"fig_{name}")
