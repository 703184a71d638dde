"""tests/e2e/workbook.py - .xlsx files as Excel saves them, for the import suites."""
import io


def workbook(rows, title="Sheet1", build=None):
    """An .xlsx file (openpyxl: shared strings, styles) of one sheet named title holding
    rows, as bytes; build(ws), when given, changes the sheet first (merged cells,
    formulas, date formats)."""
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    if build:
        build(ws)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
