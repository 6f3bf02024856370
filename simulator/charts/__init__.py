"""Publication charts: one style, a "Source / Note" footer, provenance inside every file.

Chart functions return ``matplotlib.figure.Figure`` objects (no pyplot, no global state):
    simulator.charts.scenario  capability_chart, lag_chart, tornado_chart, cost_chart,
                               comparison_chart, scenario_figures (the curves:
                               simulator.scenario.sweeps.capability_curves)
    simulator.charts.evidence  loss_vs_compute, loss_vs_tokens, evidence_figures
    simulator.charts.gains     compute_multiplier_chart, token_limited_chart (the headline)
    simulator.charts.chips     chip_map, chip_map_for_rule
    simulator.charts.save      save_figure(fig, base_path, metadata) -> PNG, SVG, PDF
    simulator.charts.style     style_context, Stamp, Footer, chart_info (title/caption/footer)
"""
