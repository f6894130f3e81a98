"""The checklist (检查清单) and problem library of 乡村振兴领域专项巡察.

Drawn from public policy texts (each item names its source in ``basis``):

- 《中华人民共和国乡村振兴促进法》（2021年4月29日通过，2021年6月1日起施行）;
- 《中国共产党农村工作条例》（2019年8月）;
- 2024年中央一号文件《中共中央 国务院关于学习运用“千村示范、万村整治”工程经验有力有效推进
  乡村全面振兴的意见》and 2025年中央一号文件《中共中央 国务院关于进一步深化农村改革 扎实推进
  乡村全面振兴的意见》（守住不发生规模性返贫致贫底线、确保粮食安全、耕地保护）;
- 《中央财政衔接推进乡村振兴补助资金管理办法》（财农〔2021〕19号）;
- 中共中央办公厅《关于向重点乡村持续选派驻村第一书记和工作队的意见》（2021年5月）.

The problems listed under each item are the typical ones inspection offices
publish in their circulars (挤占挪用、优亲厚友、数字脱贫...); a team checks for
them and cites the item from each finding it records.
"""

from __future__ import annotations

from core.api import ChecklistItem

__all__ = ["CHECKLIST", "KIND"]

KIND = "rural_revitalization"

_LAW = "《中华人民共和国乡村振兴促进法》"
_NO1 = "2024年、2025年中央一号文件"


def _item(code: str, group: str, label: str, basis: str, problems: tuple[str, ...],
          category: str, *, required: bool = True) -> ChecklistItem:
    return ChecklistItem(kind=KIND, code=code, group=group, label=label, basis=basis,
                         problems=problems, category=category, required=required)


CHECKLIST: tuple[ChecklistItem, ...] = (
    _item("political", "政治责任", "学习贯彻党中央关于“三农”工作的决策部署，落实五级书记抓乡村振兴",
          "《中国共产党农村工作条例》", (
              "党委（党组）研究乡村振兴工作不及时、不深入",
              "乡村振兴责任制落实不到位，责任层层递减"), "political"),
    _item("food_security", "粮食安全", "落实粮食安全党政同责和耕地保护",
          f"{_LAW}；{_NO1}", (
              "耕地“非农化”“非粮化”问题整治不力",
              "高标准农田建设质量不高、重建轻管"), "rural"),
    _item("no_return_poverty", "巩固衔接", "防止返贫致贫动态监测和帮扶",
          f"{_NO1}（守住不发生规模性返贫致贫底线）", (
              "监测对象识别不及时、应纳未纳",
              "帮扶措施不精准，“数字脱贫”“算账脱贫”"), "rural_poverty"),
    _item("funds", "资金项目", "衔接推进乡村振兴补助资金分配、拨付和使用",
          "《中央财政衔接推进乡村振兴补助资金管理办法》（财农〔2021〕19号）", (
              "挤占挪用、虚报冒领衔接资金",
              "资金拨付滞后、闲置沉淀",
              "资金用于负面清单事项"), "rural_funds"),
    _item("projects", "资金项目", "乡村振兴项目建设和帮扶项目资产后续管理",
          f"{_LAW}；{_NO1}", (
              "项目论证不充分，建成即闲置",
              "项目资产底数不清、权属不明、收益分配不规范"), "rural_assets"),
    _item("collective_assets", "资金项目", "农村集体资金、资产、资源（“三资”）管理",
          f"{_LAW}（农村集体经济组织）", (
              "集体资产低价发包、长期无偿占用",
              "村级财务公开不及时、不规范"), "rural_assets"),
    _item("benefits", "惠民政策", "惠民惠农财政补贴资金“一卡通”发放",
          f"{_LAW}；{_NO1}", (
              "截留挪用、优亲厚友、吃拿卡要",
              "补贴资金发放不及时、标准不统一"), "village_corruption"),
    _item("grassroots", "基层组织", "农村基层党组织建设和驻村第一书记、工作队履职",
          "《关于向重点乡村持续选派驻村第一书记和工作队的意见》", (
              "村党组织软弱涣散、带富能力不强",
              "驻村干部“走读”“挂名”，履职不到位"), "village_party_org"),
    _item("work_style", "作风建设", "乡村振兴领域形式主义、官僚主义",
          _NO1, (
              "打造“盆景”、搞形象工程",
              "重留痕轻实效，基层负担过重"), "work_style"),
    _item("living_env", "乡村建设", "农村人居环境整治（学习运用“千万工程”经验）",
          "2024年中央一号文件", (
              "改厕、污水治理设施建而不用",
              "村庄规划脱离实际"), "rural", required=False),
)
"""Every item of the checklist, in the order a team goes through them."""
