"""Validation reports: `report.json` (machine-readable), `report.html` (one self-contained page: summary by rule
and dataset, sortable, each rule's text and authority, drill-down to records) and `report.xlsx` (Dataset Summary,
Issue Summary, Details, Rules, as reviewers know them from Pinnacle 21), plus the short terminal summary.
"""
from __future__ import annotations

import datetime as dt
import html
import json
from collections import Counter
from pathlib import Path

from cdisc.validate.finding import ValidationResult
from cdisc.xlsx import save_stable, text_cell

REPORT_VERSION = "1.0"
REPORT_STAMP = dt.datetime(2000, 1, 1)  # report.xlsx's file times: fixed, so the same findings give the same bytes


def write_reports(result: ValidationResult, folder: Path) -> list[Path]:
    """All three reports into `folder` (the same findings give the same bytes), and the seconds each rule took
    into `timings.csv` beside them (a measurement, different on every run); returns the reports' paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "report.json", folder / "report.html", folder / "report.xlsx"]
    paths[0].write_text(report_json(result), encoding="utf-8")
    paths[1].write_text(report_html(result), encoding="utf-8")
    write_report_xlsx(result, paths[2])
    (folder / "timings.csv").write_text("rule,seconds\n" + "".join(f"{r.rule},{r.seconds:.6f}\n"
                                                                  for r in result.rules), encoding="utf-8")
    return paths


def report_json(result: ValidationResult) -> str:
    doc = {"report_version": REPORT_VERSION, "package": result.package, "standard": result.standard,
           "summary": {"datasets": len(result.datasets), "records": sum(result.datasets.values()),
                       "errors": result.count("error"), "warnings": result.count("warning"),
                       "notices": result.count("notice"), "explained": len(result.explained()),
                       "rules_executed": sum(r.status == "executed" for r in result.rules),
                       "rules_skipped": sum(r.status == "skipped" for r in result.rules)},
           "datasets": result.datasets,
           "findings": [f.as_dict() for f in result.findings],
           "rules": [{k: v for k, v in vars(r).items() if k != "seconds"} for r in result.rules]}
    return json.dumps(doc, indent=1, ensure_ascii=False, default=list) + "\n"


def terminal_summary(result: ValidationResult, limit: int = 15) -> str:
    lines = [f"{result.package} ({result.standard}): {len(result.datasets)} datasets, "
             f"{sum(result.datasets.values())} records; {result.count('error')} error(s), "
             f"{result.count('warning')} warning(s), {result.count('notice')} notice(s)"]
    ordered = sorted(result.findings, key=lambda f: (f.severity != "error", f.severity != "warning", f.rule))
    for f in ordered[:limit]:
        explained = ", explained" if f.explanation else ""
        where = f"{f.dataset}.{','.join(f.variables)}" if f.variables else f.dataset
        lines.append(f"  [{f.severity}{explained}] {f.rule} {where} ({f.count}): {f.message}")
    if len(ordered) > limit:
        lines.append(f"  ... and {len(ordered) - limit} more (see the report)")
    skipped = [r for r in result.rules if r.status == "skipped"]
    if skipped:
        lines.append(f"  {len(skipped)} rule(s) skipped (reasons in the report)")
    if result.explained():
        lines.append(f"  {len(result.explained())} finding(s) explained by the sponsor (explanations in the report)")
    return "\n".join(lines)


def write_report_xlsx(result: ValidationResult, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    per_dataset = Counter((f.dataset, f.severity) for f in result.findings)
    sheets = {
        "Dataset Summary": (["Dataset", "Records", "Errors", "Warnings", "Notices"],
                            [[d, n, per_dataset[(d, "error")], per_dataset[(d, "warning")], per_dataset[(d, "notice")]]
                             for d, n in sorted(result.datasets.items())]),
        "Issue Summary": (["Rule", "Severity", "Dataset", "Variables", "Count", "Message", "References",
                           "Explanation"],
                          [[f.rule, f.severity, f.dataset, ", ".join(f.variables), f.count, f.message,
                            ", ".join(f.references), f.explanation] for f in result.findings]),
        "Details": (["Rule", "Severity", "Dataset", "Record", "Values"],
                    [[f.rule, f.severity, f.dataset, _record_key(r), _record_values(r)]
                     for f in result.findings for r in f.records]),
        "Rules": (["Rule", "Status", "Severity", "Authority", "Description", "Findings", "Reason"],
                  [[r.rule, r.status, r.severity, r.authority, r.description, r.findings, r.reason]
                   for r in result.rules]),
    }
    for title, (header, rows) in sheets.items():
        ws = wb.create_sheet(title)
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                if isinstance(value, str):
                    text_cell(ws.cell(row=r, column=c), value)
                else:
                    ws.cell(row=r, column=c, value=value)
        ws.freeze_panes = "A2"
    save_stable(wb, path, REPORT_STAMP)


def _record_key(record: dict[str, str]) -> str:
    keys = [k for k in ("USUBJID", "row") if k in record] or list(record)[:1]
    return ", ".join(f"{k}={record[k]}" for k in keys)


def _record_values(record: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in record.items() if k not in ("USUBJID", "row"))


def report_html(result: ValidationResult) -> str:
    """One page, no external resources: a summary, a sortable findings table with drill-down, the rules."""
    e = html.escape
    rows = []
    for i, f in enumerate(result.findings):
        records = "".join(f"<tr><td>{e(_record_key(r))}</td><td>{e(_record_values(r))}</td></tr>" for r in f.records)
        severity = f"{f.severity} (explained)" if f.explanation else f.severity
        rows.append(
            f'<tr class="finding {e(f.severity)}" onclick="toggle({i})"><td>{e(f.rule)}</td>'
            f"<td>{e(severity)}</td><td>{e(f.dataset)}</td><td>{e(', '.join(f.variables))}</td>"
            f'<td class="num">{f.count}</td><td>{e(f.message)}</td><td>{e(", ".join(f.references))}</td>'
            f"<td>{e(f.explanation)}</td></tr>"
            f'<tr id="rec{i}" class="records" hidden><td colspan="8"><table><tr><th>record</th><th>values</th></tr>'
            f"{records or '<tr><td colspan=2>(no record-level detail)</td></tr>'}</table></td></tr>")
    rules = "".join(f"<tr><td>{e(r.rule)}</td><td>{e(r.status)}</td><td>{e(r.severity)}</td><td>{e(r.authority)}</td>"
                    f"<td>{e(r.description)}</td><td class=num>{r.findings}</td><td>{e(r.reason)}</td></tr>"
                    for r in result.rules)
    datasets = "".join(f"<tr><td>{e(d)}</td><td class=num>{n}</td></tr>" for d, n in sorted(result.datasets.items()))
    return PAGE.format(
        title=e(f"Validation report: {result.package}"), package=e(result.package), standard=e(result.standard),
        n_datasets=len(result.datasets), n_records=sum(result.datasets.values()), errors=result.count("error"),
        warnings=result.count("warning"), notices=result.count("notice"), explained=len(result.explained()),
        findings="".join(rows),
        rules=rules or "<tr><td colspan=7>(no rule catalogue for this run)</td></tr>", datasets=datasets)


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }}
h1 {{ font-size: 1.4em; }} h2 {{ font-size: 1.15em; margin-top: 1.6em; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 4px 6px; text-align: left; vertical-align: top; }}
th {{ background: #4a6fa5; color: white; cursor: pointer; position: sticky; top: 0; }}
td.num {{ text-align: right; }}
tr.finding {{ cursor: pointer; }} tr.finding:hover {{ background: #f1f5fb; }}
tr.error td:nth-child(2) {{ color: #b00020; font-weight: bold; }}
tr.warning td:nth-child(2) {{ color: #a15c00; font-weight: bold; }}
tr.records > td {{ background: #fafafa; }}
.cards span {{ display: inline-block; margin-right: 1.5em; padding: .4em .8em; border-radius: 4px;
  background: #eef2f8; }}
</style></head><body>
<h1>{title}</h1>
<div class="cards"><span>Standard: <b>{standard}</b></span><span>Datasets: <b>{n_datasets}</b></span>
<span>Records: <b>{n_records}</b></span><span>Errors: <b>{errors}</b></span><span>Warnings: <b>{warnings}</b></span>
<span>Notices: <b>{notices}</b></span><span>Explained: <b>{explained}</b></span></div>
<h2>Findings (click a row for its records; click a header to sort)</h2>
<table id="findings"><thead><tr><th>Rule</th><th>Severity</th><th>Dataset</th><th>Variables</th><th>Count</th>
<th>Message</th><th>References</th><th>Explanation</th></tr></thead><tbody>{findings}</tbody></table>
<h2>Datasets</h2>
<table><thead><tr><th>Dataset</th><th>Records</th></tr></thead><tbody>{datasets}</tbody></table>
<h2>Rules</h2>
<table id="rules"><thead><tr><th>Rule</th><th>Status</th><th>Severity</th><th>Authority</th><th>Description</th>
<th>Findings</th><th>Reason</th></tr></thead><tbody>{rules}</tbody></table>
<script>
function toggle(i) {{ var r = document.getElementById('rec' + i); r.hidden = !r.hidden; }}
function sortBy(table, col) {{
  var body = table.tBodies[0], pairs = [], rows = Array.from(body.rows);
  for (var i = 0; i < rows.length; i++) {{
    var detail = rows[i + 1] && rows[i + 1].classList.contains('records') ? rows[i + 1] : null;
    pairs.push([rows[i], detail]); if (detail) i++;
  }}
  var dir = table.dataset.col == col && table.dataset.dir == 'asc' ? 'desc' : 'asc';
  table.dataset.col = col; table.dataset.dir = dir;
  pairs.sort(function (a, b) {{
    var x = a[0].cells[col].textContent, y = b[0].cells[col].textContent;
    var nx = parseFloat(x), ny = parseFloat(y);
    var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
    return dir == 'asc' ? c : -c;
  }});
  pairs.forEach(function (p) {{ body.appendChild(p[0]); if (p[1]) body.appendChild(p[1]); }});
}}
document.querySelectorAll('table').forEach(function (t) {{
  if (!t.tHead) return;
  Array.from(t.tHead.rows[0].cells).forEach(function (th, col) {{
    th.onclick = function () {{ sortBy(t, col); }};
  }});
}});
</script>
</body></html>
"""
