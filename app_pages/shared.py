"""What every page shares: cached loaders keyed on canonical inputs, URL sync, messages.

Layout helpers only; the numbers come from simulator/. Cached functions take plain, hashable
arguments (ids, canonical JSON strings), so the cache key is exactly the input.
"""

from __future__ import annotations

import streamlit as st

from simulator import appstate, vocabulary

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


def fmt_count(x) -> str:
    """Returns a count with a k / M / B / T suffix, e.g. '131k', '4.2M'."""
    x = float(x)
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= limit:
            return f"{x / limit:.3g}{suffix}"
    return f"{x:.3g}"


def fmt_sig(x, digits: int = 3) -> str:
    """Returns a number with ``digits`` significant figures and thousands separators."""
    if x is None:
        return "–"
    try:
        x = float(x)
    except (TypeError, ValueError):
        return str(x)
    if x != x:
        return "–"
    if abs(x) >= 1e6:
        return f"{x:.{digits - 1}e}".replace("e+0", "e").replace("e+", "e")
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


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


@st.cache_data(show_spinner=False)
def presets() -> dict:
    """Returns {id: {label, path, variant, year, rule}} for each shipped scenarios/*.toml."""
    from simulator.paths import SCENARIOS_DIR
    from simulator.scenario import load_scenario

    out = {}
    for path in sorted(SCENARIOS_DIR.glob("*.toml")):
        try:
            s = load_scenario(path)
        except Exception:  # noqa: BLE001 - a broken preset must not take the app down
            continue
        out[path.stem] = {"label": f"{s.name}", "path": str(path), "variant": s.variant,
                          "year": s.year, "rule": s.rule}
    return out


def default_preset(all_presets: dict) -> str:
    """Returns the preset the explorer opens on: the latest central scenario."""
    central = [p for p, v in all_presets.items() if v["variant"] == "central"]
    pool = central or list(all_presets)
    return max(pool, key=lambda p: (all_presets[p]["year"], p)) if pool else ""


@st.cache_resource(show_spinner=False, max_entries=32)
def preset_base(preset_id: str):
    """Returns (scenario, levers, values) of a preset (shared; never mutate)."""
    from simulator.scenario import load_scenario

    scenario = load_scenario(presets()[preset_id]["path"])
    levers = appstate.scenario_levers(scenario)
    return scenario, levers, appstate.scenario_values(scenario, levers)


@st.cache_resource(show_spinner=False, max_entries=32)
def custom_base(toml_text: str, name: str = "uploaded scenario"):
    """Returns (scenario, levers, values) of an uploaded scenario; InputError if invalid."""
    scenario = appstate.scenario_from_text(toml_text, name)
    levers = appstate.scenario_levers(scenario)
    return scenario, levers, appstate.scenario_values(scenario, levers)


def base_id(preset: str, custom: str | None) -> str:
    """Returns a short id of what the levers start from (a preset or an uploaded file)."""
    if custom:
        import hashlib

        return "custom:" + hashlib.sha256(custom.encode("utf-8")).hexdigest()[:16]
    return f"preset:{preset}"


def apply_levers(base, changed: dict):
    """Returns (scenario with the changed values, None) or (base, message) if invalid."""
    from simulator.errors import InputError
    from simulator.scenario import with_values

    if not changed:
        return base, None
    try:
        return with_values(base, changed), None
    except InputError as exc:
        return base, str(exc).split(": ", 1)[-1]


@st.cache_data(show_spinner=False, max_entries=512)
def evaluate_cached(scenario_json: str, source: str, _scenario=None):
    """Returns evaluate(scenario): a ScenarioResult, keyed on the scenario's canonical JSON.

    ``_scenario`` (left out of the cache key): the validated Scenario that ``scenario_json``
    was dumped from; given, it is evaluated as it is (no second validation, no JSON parse).
    """
    from simulator.scenario import evaluate

    return evaluate(_scenario if _scenario is not None
                    else scenario_from_json(scenario_json, source))


@st.cache_data(show_spinner=False, max_entries=64)
def overtime_cached(scenario_json: str, source: str, _scenario=None) -> tuple[list, str]:
    """Returns (the lag year by year with bands, the sentence stating what it holds fixed);
    ``_scenario``: the Scenario ``scenario_json`` was dumped from (left out of the key)."""
    from simulator.scenario.overtime import assumption_text, lag_over_time

    scenario = _scenario if _scenario is not None else scenario_from_json(scenario_json, source)
    return lag_over_time(scenario), assumption_text(scenario)


@st.cache_resource(show_spinner=False, max_entries=8)
def measured_top_k(fit: str, source: str) -> list[int]:
    """Returns the k values at which the scenario's fit card measured top-k distillation."""
    from types import SimpleNamespace

    from simulator.errors import InputError
    from simulator.scenario.result import resolve_fit

    try:
        card, _ = resolve_fit(SimpleNamespace(fit=fit, source_path=source), None)
    except InputError:
        return []
    return appstate.measured_top_k(card)


def scenario_from_json(scenario_json: str, source: str):
    """Returns the Scenario of a canonical JSON string."""
    from simulator.scenario import Scenario

    scenario = Scenario.model_validate_json(scenario_json)
    scenario._source_path = source
    return scenario


# --- widgets built from the scenario schema -------------------------------------------------

def lever_widget(lever, key: str, base_value, hint=(), label: str | None = None,
                 on_change=None) -> None:
    """Draws the widget of one lever (bounds and help from the schema) bound to ``key``.

    ``on_change(path)`` is called when the user moves it.
    """
    cb = {"on_change": on_change, "args": (lever.path,)} if on_change else {}
    unit = f" ({lever.unit})" if lever.unit and lever.unit not in lever.label else ""
    label = label or (lever.label[:1].upper() + lever.label[1:] + unit)
    bounds = ""
    if lever.min is not None or lever.max is not None:
        bounds = (f" Allowed: {fmt_sig(lever.min) if lever.min is not None else '–∞'} to "
                  f"{fmt_sig(lever.max) if lever.max is not None else '∞'}.")
    help_text = (lever.help + bounds + f" Scenario value: {fmt_sig(base_value)}"
                 if not isinstance(base_value, str) else lever.help
                 + f" Scenario value: {base_value}.")
    value = st.session_state.get(key, base_value)
    if lever.kind == appstate.KIND_CHOICE:
        from simulator.display import choice_label

        st.selectbox(label, list(lever.choices), key=key, help=help_text, **cb,
                     format_func=lambda v: choice_label(lever.path, v))
    elif lever.kind == appstate.KIND_BOOL:
        st.toggle(label, key=key, help=help_text, **cb)
    elif lever.optional or value is None:
        st.number_input(label, min_value=lever.min, max_value=lever.max, key=key, **cb,
                        help=help_text + " Empty: the default from data/.", format="%g",
                        placeholder="default from data/")
    elif lever.log and base_value and value and float(base_value) > 0 and float(value) > 0:
        lo = max(lever.min or 0.0, float(base_value) / 1e3) or float(base_value) / 1e3
        hi = min(lever.max if lever.max is not None else float("inf"), float(base_value) * 1e3)
        options = appstate.log_options(float(value), lo, hi, extra=(float(base_value), *hint))
        st.session_state[key] = min(options, key=lambda o: abs(o - float(value)))
        st.select_slider(label, options=options, key=key, help=help_text, **cb,
                         format_func=fmt_sig)
    else:
        bounds3 = appstate.slider_bounds(lever, value)
        if bounds3 is not None:
            lo, hi, step = bounds3
            if lever.kind == appstate.KIND_INT:
                st.slider(label, int(lo), int(hi), step=1, key=key, help=help_text, **cb)
            else:
                st.session_state[key] = float(value)
                st.slider(label, lo, hi, step=step, key=key, help=help_text, **cb,
                          format="%g")
        elif lever.kind == appstate.KIND_INT:
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
    from urllib.parse import urlencode, urlsplit

    url = st.context.url or "http://localhost:8501/"
    parts = urlsplit(url)
    root = f"{parts.scheme}://{parts.netloc}"
    path = "" if page == DEFAULT_PAGE else page       # the default page lives at "/"
    return f"{root}/{path}?{urlencode(query, doseq=True)}"


def slug(text: str) -> str:
    """Returns a file-name-safe slug of a title."""
    import re

    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "scenario"


def tables_zip(result: dict) -> bytes:
    """Returns a zip of the result's CSV tables."""
    from simulator import bundle

    return bundle.zip_files({f"{name}.csv": frame.to_csv(index=False)
                             for name, frame in bundle.result_tables(result).items()})


SCENARIO_FIGURES = {"lag": "Lag behind the frontier", "capability": "Capability by path",
                    "tornado": "What moves the lag (tornado)", "cost": "Cost by path"}


def scenario_stamp(scenario):
    """Returns the provenance stamp of a scenario's figures (scenario and fit card hashes)."""
    from simulator import bundle
    from simulator.charts.style import Stamp
    from simulator.paths import DEFAULT_FIT
    from simulator.provenance import code_version, sha256_bytes, sha256_file

    toml_text = bundle.scenario_toml(scenario)
    fit = sha256_file(DEFAULT_FIT) if DEFAULT_FIT.is_file() else None
    return Stamp(code_version=code_version(), scenario_id=scenario.name,
                 scenario_sha256=sha256_bytes(toml_text.encode("utf-8")), fit_sha256=fit)


def scenario_figure(slug: str, scenario, result: dict, stamp=None):
    """Returns one publication figure of a scenario (simulator.charts.scenario)."""
    from simulator.charts import scenario as charts
    from simulator.scenario.sweeps import capability_curves

    stamp = stamp or scenario_stamp(scenario)
    if slug == "capability":
        return charts.capability_chart(capability_curves(scenario), result, stamp=stamp)
    return charts.RESULT_CHARTS[slug](result, stamp=stamp)


def citation_bundle(scenario, result: dict, url: str, modified_from: dict | None = None) -> bytes:
    """Returns the citation bundle zip of a scenario view (scenario and result as exported:
    simulator.bundle.export_scenario / export_result; result as a plain dict)."""
    from simulator import bundle
    from simulator.charts.save import figure_bytes

    stamp = scenario_stamp(scenario)
    figures = {slug: scenario_figure(slug, scenario, result, stamp) for slug in SCENARIO_FIGURES}
    return bundle.scenario_bundle(scenario, result, figures, url=url, figure_bytes=figure_bytes,
                                  modified_from=modified_from)


@st.cache_data(show_spinner="Drawing the figure…", max_entries=32)
def scenario_figure_png(scenario_json: str, source: str, name: str, result_json: str,
                        _scenario=None) -> bytes:
    """Returns one publication figure of a scenario as PNG (cached on the scenario's and the
    result's JSON; ``_scenario``: the Scenario it was dumped from, used as it is)."""
    import json

    from simulator.charts.save import figure_bytes

    scenario = _scenario if _scenario is not None else scenario_from_json(scenario_json, source)
    return figure_bytes(scenario_figure(name, scenario, json.loads(result_json)), "png")


def scenario_figure_downloads(scenario, scenario_json: str, result: dict) -> None:
    """Shows a preview and PNG / SVG / PDF downloads of each publication figure
    (result: ScenarioResult.to_dict(); scenario_json: the scenario's canonical JSON)."""
    stem = slug(result["scenario"]["name"])
    preview = st.selectbox("Preview", [None, *SCENARIO_FIGURES], key="explorer_figure",
                           format_func=lambda n: "Choose a figure to preview…" if n is None
                           else SCENARIO_FIGURES[n],
                           help="The figures as they appear in reports: title, units, source "
                                "and provenance footer. Drawn when asked (a second or two).")
    if preview:
        import json

        st.image(scenario_figure_png(scenario_json, scenario.source_path, preview,
                                     json.dumps(result, sort_keys=True), scenario), width=900)
    for name, title in SCENARIO_FIGURES.items():
        st.markdown(f"**{title}**")

        def make(name=name):
            return scenario_figure(name, scenario, result)

        figure_downloads(make, f"{stem}_{name}", key=f"fig_{name}")


def headline_frame(name: str, result: dict):
    """Returns the result's headline table (one row per strategy) tagged with a scenario."""
    from simulator import bundle

    frame = bundle.result_tables(result)["headline"]
    frame.insert(0, "scenario", name)
    return frame
