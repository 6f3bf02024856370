"""The serving chart, its data, and its place on the Chips & rules page."""

import math

import pytest

from simulator.charts.style import chart_info
from simulator.serving.compare import chip_comparison, comparison_table


@pytest.fixture(scope="module")
def rows():
    return chip_comparison(rule_ids=("2023-10", "2025-04"))


def test_comparison_has_a_frontier_and_a_distilled_row_per_chip(rows):
    chips = {r["chip"] for r in rows}
    assert {"H100 SXM", "H800", "H20", "L20", "Ascend 910C"} <= chips
    assert len(rows) == 2 * len(chips)
    for chip in chips:
        frontier, distilled = (next(r for r in rows if r["chip"] == chip and r["role"] == role)
                               for role in ("frontier", "distilled"))
        assert frontier["params"] > 10 * distilled["params"]
        # the distilled model serves more tokens per chip on every chip, in both phases
        assert distilled["decode_tokens_per_s_per_chip"] > frontier["decode_tokens_per_s_per_chip"]
        assert distilled["prefill_tokens_per_s_per_chip"] > frontier["prefill_tokens_per_s_per_chip"]


def test_the_h20_decodes_a_small_model_faster_than_the_h100_but_prefills_far_slower(rows):
    get = {(r["chip"], r["role"]): r for r in rows}
    h20, h100 = get[("H20", "distilled")], get[("H100 SXM", "distilled")]
    assert h20["decode_tokens_per_s_per_chip"] > h100["decode_tokens_per_s_per_chip"]
    assert h20["prefill_tokens_per_s_per_chip"] < 0.2 * h100["prefill_tokens_per_s_per_chip"]
    assert h20["statuses"] == {"2023-10": "not_controlled", "2025-04": "licence_required"}


def test_comparison_table_has_one_status_column_per_rule(rows):
    headers, table = comparison_table(rows, ("2023-10", "2025-04"))
    assert headers[-2:] == ["status_2023-10", "status_2025-04"]
    assert len(table) == len(rows)
    decode = headers.index("decode_tokens_per_s_per_chip")
    assert all(math.isfinite(row[decode]) for row in table)


def test_serving_chart_stands_alone_with_the_validation_in_its_footer(rows):
    from simulator.charts.serving import serving_chart

    fig = serving_chart(rows, rule_ids=("2023-10", "2025-04"))
    info = chart_info(fig)
    assert "Serving throughput per chip" in info.title
    assert "TensorRT-LLM" in info.footer.note and "DeepSeek" in info.footer.note
    assert len(fig.axes) == 2
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert any(label.startswith("H20\n2023-10: allowed · 2025-04: licence") for label in labels)


def test_chips_page_shows_the_serving_table():
    from test_app_pages import open_app

    at = open_app({"rule": "2025-04"}, page="chips")
    assert not at.exception
    tables = [d.value for d in at.dataframe]
    serving = next(t for t in tables if "Decode tokens/s per chip" in t.columns)
    assert "Status under 2025-04" in serving.columns
    assert len(serving) >= 10


def test_explorer_serving_view_shows_the_block_of_a_scenario_with_a_serving_section():
    from test_app_pages import open_app

    at = open_app({"scenario": "h20-requirement-2025-central"})
    at.segmented_control(key="explorer_view").set_value("Serving").run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Scratch-trained model" in d.value.columns)
    assert len(table) == 5
    assert any("of the usable fleet" in m.value for m in at.markdown)
