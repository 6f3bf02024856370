"""Batch reports and their charts: ``python -m simulator report SCENARIO.toml ... --out DIR``.

    from simulator.report.build import build_reports
    build_reports(["scenarios/h200-case-by-case-2026-central.toml"], "reports/")
"""
