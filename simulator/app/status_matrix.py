"""HTML tables the app draws itself, where a data grid cannot colour or explain each cell."""

from __future__ import annotations

from html import escape


def status_matrix_html(records: list[dict], rules: list[tuple[str, str]], labels: dict,
                       colours: dict) -> str:
    """Returns the chip x rule matrix as an HTML table: one coloured cell per chip and rule.

    ``records`` come from StatusMatrix.records(); ``rules`` is [(rule id, header label)]. Each
    cell shows the status and, on hover, the deciding test and the reason; cells carry
    data-chip / data-rule / data-status attributes so a browser test can read them.
    """
    head = "".join(f"<th title='{escape(rid)}'>{escape(label)}</th>" for rid, label in rules)
    rows = []
    for rec in records:
        name = rec["chip"] + ("*" if rec.get("spec_estimate") else "")
        cells = []
        for rid, _ in rules:
            cell = rec["rules"][rid]
            status = cell["status"]
            tip = (cell["decided_by"] or "no test applies") + " — " + cell["reason"]
            share = cell.get("revenue_share") or 0
            note = f"<br><small>{share:.0%} revenue share</small>" if share else ""
            cells.append(
                f"<td data-chip='{escape(rec['chip'])}' data-rule='{escape(rid)}' "
                f"data-status='{escape(status)}' title='{escape(tip)}' "
                f"style='background:{colours.get(status, '#fff')}33;"
                f"border-left:4px solid {colours.get(status, '#ccc')}'>"
                f"{escape(labels.get(status, status))}{note}</td>")
        rows.append(f"<tr><th scope='row'>{escape(name)}</th>{''.join(cells)}</tr>")
    style = ("<style>.cm-matrix{border-collapse:collapse;font-size:0.8rem;width:100%}"
             ".cm-matrix th,.cm-matrix td{padding:3px 6px;border-bottom:1px solid #e6e6e6;"
             "text-align:left;vertical-align:top}"
             ".cm-matrix thead th{position:sticky;top:0;background:#fafafa;font-weight:600}"
             ".cm-matrix tbody th{white-space:nowrap;font-weight:600}"
             ".cm-wrap{max-height:620px;overflow:auto}</style>")
    return (f"{style}<div class='cm-wrap'><table class='cm-matrix' data-testid='status-matrix'>"
            f"<thead><tr><th>Chip</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
            "</table></div>")
