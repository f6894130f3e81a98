"""Exports: the evaluation form and the result notice (.docx), the score table (.xlsx)."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from openpyxl import Workbook
from openpyxl.styles import Font

from plugins.evaluation.model import LOOKBACK_GRADES

__all__ = ["DOCX", "XLSX", "form_docx", "notice_docx", "office_docx", "score_table"]

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _bytes(document: Any) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def form_docx(tenant_name: str, evaluation: dict[str, Any]) -> bytes:
    """整改评估表: every indicator and item, the points taken and the evidence."""
    doc = Document()
    doc.add_heading(f"{evaluation['org_name']}巡察整改评估表", level=1)
    doc.add_paragraph(f"巡察任务：{evaluation['inspection_title']}")
    doc.add_paragraph(f"评估组成员：{evaluation['group_members'] or '（未填写）'}")
    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("评估指标", "扣分项", "最高扣分", "扣分",
                                                  "扣分依据"), strict=True):
        cell.text = text
    for indicator in evaluation["indicators"]:
        for item in indicator["items"]:
            taken = item["deduction"] or {}
            evidence = taken.get("evidence", "")
            if taken.get("prefilled"):
                evidence = f"{evidence}（系统预填）"
            row = table.add_row().cells
            values = (f"{indicator['label']}（{indicator['weight']:g} 分，得 "
                      f"{indicator['score']:g} 分）", item["label"], f"{item['max']:g}",
                      f"{taken['points']:g}" if taken else "", evidence)
            for cell, text in zip(row, values, strict=True):
                cell.text = text
    total = evaluation["total"]
    doc.add_paragraph(f"总分：{total:g} 分    等次：{evaluation['grade_label']}")
    doc.add_paragraph(f"评分人：{evaluation['scored_by'] or '—'}    "
                      f"审核签发人：{evaluation['signed_by'] or '—'}")
    doc.add_paragraph(f"{tenant_name}")
    return _bytes(doc)


def office_docx(tenant_name: str, evaluation: dict[str, Any]) -> bytes:
    """县级巡察工作评估表: every office indicator and item, the points taken, the evidence."""
    doc = Document()
    doc.add_heading(f"{evaluation['county_name']}{evaluation['year']} 年度巡察工作评估表",
                    level=1)
    doc.add_paragraph(f"评估组成员：{evaluation['group_members'] or '（未填写）'}")
    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("评估指标", "扣分项", "最高扣分", "扣分",
                                                  "扣分依据"), strict=True):
        cell.text = text
    for indicator in evaluation["indicators"]:
        for item in indicator["items"]:
            taken = item["deduction"] or {}
            row = table.add_row().cells
            values = (f"{indicator['label']}（{indicator['weight']:g} 分，得 "
                      f"{indicator['score']:g} 分）", item["label"], f"{item['max']:g}",
                      f"{taken['points']:g}" if taken else "", taken.get("evidence", ""))
            for cell, text in zip(row, values, strict=True):
                cell.text = text
    doc.add_paragraph(f"总分：{evaluation['total']:g} 分    等次：{evaluation['grade_label']}"
                      f"    状态：{evaluation['status_label']}")
    doc.add_paragraph(f"评分人：{evaluation['scored_by'] or '—'}    "
                      f"审核签发人：{evaluation['signed_by'] or '—'}")
    doc.add_paragraph(tenant_name)
    return _bytes(doc)


def notice_docx(tenant_name: str, evaluation: dict[str, Any]) -> bytes:
    """整改评估结果通知: total, grade, the scores by indicator and what follows."""
    doc = Document()
    doc.add_heading(f"关于{evaluation['org_name']}巡察整改评估结果的通知", level=1)
    doc.add_paragraph(f"{evaluation['org_name']}：")
    doc.add_paragraph(
        f"根据巡察整改评估工作安排，评估组对你单位落实“{evaluation['inspection_title']}”"
        f"反馈意见的整改情况进行了评估，总分 {evaluation['total']:g} 分，"
        f"评估等次为“{evaluation['grade_label']}”。各项得分如下：")
    for indicator in evaluation["indicators"]:
        doc.add_paragraph(f"{indicator['label']}：{indicator['score']:g} 分"
                          f"（满分 {indicator['weight']:g} 分）", style="List Bullet")
    if evaluation["grade"] in {g.value for g in LOOKBACK_GRADES}:
        doc.add_paragraph(f"评估等次为“{evaluation['grade_label']}”，将约谈你单位主要负责人，"
                          "并列入巡察“回头看”对象。")
    doc.add_paragraph("评估结果抄送纪委监委、组织部，作为年度考核的参考。")
    doc.add_paragraph(tenant_name)
    return _bytes(doc)


def score_table(tenant_name: str, rows: list[dict[str, Any]],
                indicators: list[dict[str, Any]]) -> bytes:
    """整改评估得分表: one row per evaluation, a column per indicator."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "整改评估得分"
    sheet.append([f"{tenant_name}巡察整改评估得分表"])
    sheet["A1"].font = Font(bold=True, size=14)
    header = ["巡察任务", "被巡察单位", *(f"{i['label']}（{i['weight']:g}）" for i in indicators),
              "总分", "等次", "状态"]
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        parts = {i["code"]: i["score"] for i in row["indicators"]}
        sheet.append([row["inspection_title"], row["org_name"],
                      *(parts.get(i["code"]) for i in indicators), row["total"],
                      row["grade_label"], row["status_label"]])
    for column, width in zip("ABCDEFGHIJ", (36, 24, 14, 14, 14, 14, 10, 8, 12, 12),
                             strict=False):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
