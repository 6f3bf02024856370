"""The app wing: everything the Streamlit app needs besides layout, with no Streamlit import.

The pages (app.py, app_pages/) draw widgets and call these; tests call them directly.

    links            the URL codec: each page's state as query parameters, packed uploads
    widgets          the widget model (Lever), slider stops and bounds, a widget's label/help
    scenario_levers  a scenario as levers and values; a scenario with moved levers
    applicability    which levers apply to a scenario as it stands; top-k extrapolation
    catalogue        the shipped presets, uploads, what a view starts from
    scenario_set     the saved scenario set Compare reads (the explorer's view, uploads)
    headline         the explorer's headline in words
    display          text for people: table rows, numbers
    vega             Vega-Lite specs of a result (interactive views)
    comparison       scenarios side by side, against the no-controls baseline
    whatif           what-if thresholds of a rule (Chips & rules)
    status_matrix    the chip x rule matrix as an HTML table
    export           a view exported as what it is (modified from its preset, no server path)
    bundle           deterministic zips: citation bundle, tables
    figures          the publication figures of a scenario view and their downloads
    skill_axis       the skill axis and API-provider policy levers of the explorer
    jobs             background jobs (smoke sweep, fit) and their progress
    card_tables      a fit card as tables (held-out errors, parameters)
    local_folders    what the app may read on the server (uploads; folders when allowed)
    guide            the question, intro, glossary and citation text for readers
"""
