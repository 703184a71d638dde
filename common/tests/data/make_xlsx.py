#!/usr/bin/python3
"""common/tests/data/make_xlsx.py - the .xlsx files the table reader's tests read

Run by hand (Debian's python3-openpyxl) when a case is added (make_xlsx.py NAME...
makes only those, leaving the others as they are checked in); the files are
checked in, small, and are also the seeds of the xlsx fuzz corpus
(tests/fuzz/corpus/xlsx). Files openpyxl writes are real Excel-format
workbooks (shared strings, styles with date formats); the handmade ones hold
what openpyxl does not write: rich text runs and phonetic guides in shared
strings, inline strings, _xHHHH_ escapes, custom date formats, Excel's
fictitious 1900-02-29, error cells, a zip bomb, a zip that is no workbook.
"""
import datetime
import io
import os
import sys
import zipfile

import openpyxl

HERE = os.path.dirname(os.path.abspath(__file__))


def save(wb, name):
    wb.save(os.path.join(HERE, name))


def staff():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append(["工号", "姓名", "手机", "入职日期", "月薪", "在职", "备注"])
    ws.append(["E001", "张三", 13800138000, datetime.date(2024, 3, 1), 12345.67, True, None])
    ws.append(["E002", "李四", "13900139000", datetime.datetime(2023, 12, 31, 8, 30), 8000, False,
               "试用期"])
    # row 4 left empty: a gap; row 5 without a phone (a sparse row)
    ws["A5"] = "E003"
    ws["B5"] = "王五 "
    ws["D5"] = datetime.date(1900, 1, 1)
    ws["E5"] = 0.1
    for r in (2, 3, 5):
        ws.cell(row=r, column=5).number_format = "0.00"
    second = wb.create_sheet("Other")
    second.append(["name", "phone"])
    second.append(["Zhao", "13700137000"])
    save(wb, "staff.xlsx")


def formula():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "手机", "月薪", "年薪"])
    ws.append(["张三", "13800138000", 1000, 12000])
    ws.append(["李四", "13900139000", 2000, "=C3*12"])
    save(wb, "formula.xlsx")


def merged():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "手机", "部门"])
    ws.append(["张三", "13800138000", "研发"])
    ws.append(["李四", "13900139000", None])
    ws.merge_cells("C2:C3")
    save(wb, "merged.xlsx")


def title():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "2024年员工花名册"
    ws.merge_cells("A1:C1")
    ws.append(["姓名", "手机", "部门"])
    ws.append(["张三", "13800138000", "研发"])
    save(wb, "title.xlsx")


def mac1904():
    wb = openpyxl.Workbook()
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    ws.append(["name", "hire date"])
    ws.append(["Qian", datetime.date(2024, 3, 1)])
    save(wb, "mac1904.xlsx")


CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<workbookPr%s/><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WB_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>
<numFmt numFmtId="165" formatCode="[Red]0.00;&quot;day&quot;0"/><numFmt numFmtId="166" formatCode="[h]:mm:ss"/></numFmts>
<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="14"/><xf numFmtId="166"/></cellXfs>
</styleSheet>"""


def handmade(name, sheet, strings, date1904=False, extra=None):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK % (' date1904="1"' if date1904 else ""))
        z.writestr("xl/_rels/workbook.xml.rels", WB_RELS)
        z.writestr("xl/styles.xml", STYLES)
        z.writestr("xl/sharedStrings.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                   'openxmlformats.org/spreadsheetml/2006/main">%s</sst>' % strings)
        z.writestr("xl/worksheets/sheet1.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                   'openxmlformats.org/spreadsheetml/2006/main"><sheetData>%s</sheetData>%s'
                   '</worksheet>' % (sheet, extra or ""))
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(buf.getvalue())


def rich():
    strings = ('<si><t>名称</t></si>'
               '<si><r><rPr><b/></rPr><t>张</t></r><r><t xml:space="preserve">三 </t></r>'
               '<rPh sb="0" eb="1"><t>ZHANG</t></rPh></si>'
               '<si><t>a_x000D_b</t></si>'
               '<si><t/></si>')
    sheet = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>日期</t></is></c>'
             '<c r="C1" t="inlineStr"><is><r><t>数</t></r><r><t>值</t></r></is></c>'
             '<c r="D1" t="inlineStr"><is><t>时间</t></is></c><c r="E1" t="inlineStr"><is><t>布尔</t></is></c></row>'
             '<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" s="1"><v>45352</v></c>'
             '<c r="C2" s="2"><v>1234.5</v></c><c r="D2" s="4"><v>0.5</v></c><c r="E2" t="b"><v>1</v></c></row>'
             '<row r="3"><c r="A3" t="s"><v>0</v></c><c r="B3" s="3"><v>60</v></c></row>'
             '<row r="4"><c r="A4" t="s"><v>3</v></c><c r="B4" s="3"><v>59</v></c>'
             '<c r="C4"><v>0.30000000000000004</v></c><c r="E4" t="e"><v>#N/A</v></c></row>'
             '<row r="6"><c r="A6" t="s"><v>2</v></c><c r="B6" s="3"><v>61</v></c>'
             '<c r="C6" t="str"><v>x</v></c></row>')
    handmade("rich.xlsx", sheet, strings)


def bomb():
    sheet = '<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>' + " " * (3 << 20)
    handmade("bomb.xlsx", sheet, "")


def dtd():
    buf = io.BytesIO()
    handmade("dtd.xlsx", '<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>', "")
    with zipfile.ZipFile(os.path.join(HERE, "dtd.xlsx")) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"<workbook", b'<!DOCTYPE workbook [<!ENTITY a "aaaaaaaaaa">]><workbook', 1)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    with open(os.path.join(HERE, "dtd.xlsx"), "wb") as f:
        f.write(buf.getvalue())


def hidden():
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["这一页藏起来了"])
    wb.active.sheet_state = "hidden"
    ws = wb.create_sheet("名单")
    ws.append(["姓名"])
    ws.append(["褚七"])
    save(wb, "hidden.xlsx")


def not_a_workbook():
    with zipfile.ZipFile(os.path.join(HERE, "notebook.zip"), "w") as z:
        z.writestr("content.xml", "<office:document-content/>")


if __name__ == "__main__":
    made = sys.argv[1:] or ["staff", "formula", "merged", "title", "mac1904", "rich", "bomb",
                            "dtd", "hidden", "not_a_workbook"]
    for make in (globals()[name] for name in made):
        make()
    sys.exit(0)
