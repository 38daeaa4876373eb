"""Words of the report and its figures in English and Chinese.

Indicator units and better directions come from the model's declaration
(:data:`model.indicators.DISTRICT_INDICATORS`); this module only names
them. A name missing here falls back to the indicator's own key, so a new
indicator shows up in reports before anyone translates it.
"""

from __future__ import annotations

from model.indicators import DISTRICT_INDICATORS
from model.networks import STREET_NAMES

LANGS = ("en", "zh")

INDICATOR_NAMES: dict[str, tuple[str, str]] = {
    "need_coverage": ("need coverage", "需求覆盖率"),
    "coverage_vulnerable": ("coverage of vulnerable residents", "困难群体需求覆盖率"),
    "unmet_wait_months": ("wait of unmet needs", "未满足需求的等待时间"),
    "satisfaction": ("satisfaction", "居民满意度"),
    "trust_committee": ("trust in the committee", "对居委会的信任"),
    "trust_government": ("trust in government", "对政府的信任"),
    "consultation_rate": ("consultation attendance", "协商议事参与率"),
    "volunteer_rate": ("volunteering rate", "志愿服务参与率"),
    "grassroots_volunteer_share": ("volunteers recruited by social workers", "社工招募的志愿者占比"),
    "volunteer_hours_per_capita": ("volunteer hours", "人均志愿服务时长"),
    "committee_admin_share": ("committee time on administration", "居委会行政事务时间占比"),
    "street_centre_wait_months": ("street-centre backlog", "街道中心事务积压"),
    "org_count": ("registered organizations", "登记社会组织数"),
    "org_active": ("active organizations", "活跃社会组织数"),
    "orgs_per_10k": ("organizations per 10,000 residents", "每万人社会组织数"),
    "org_staff": ("organizations' staff", "社会组织从业人员"),
    "contract_holders": ("contract holders", "承接购买服务的组织数"),
    "contract_top10_share": ("contract money of the top 10%", "前10%承接方的合同资金占比"),
    "contract_hhi": ("concentration of contract money (HHI)", "合同资金集中度（HHI）"),
    "projects_common": ("common projects", "公共项目数"),
    "projects_individual": ("individual projects", "个性项目数"),
    "certified_share": ("certified share of workers", "持证社工占比"),
    "certified_workers": ("certified workers", "持证社工人数"),
    "room_posts_filled": ("social-work posts filled", "社工室在岗人数"),
    "social_worker_vacancies": ("social-worker vacancies", "社工岗位空缺"),
    "social_worker_caseload": ("social-worker caseload", "社工个案量"),
    "purchase_spent_yuan": ("purchase spending", "购买服务支出"),
    "cost_per_need_met_yuan": ("cost per need met", "每项满足需求的购买成本"),
    "purchase_spent_yuan_year": ("purchase spending per year", "年度购买服务支出"),
    "coverage_gini": ("inequality of coverage (Gini)", "社区间覆盖率基尼系数"),
    "org_births": ("organizations founded", "新成立组织数"),
    "orgs_cleaned_up": ("organizations cleaned up", "清理组织数"),
    "orgs_deregistered": ("organizations deregistered", "注销组织数"),
    "committee_tasks": ("items on the committees' list", "居委会事项数"),
    "contracts": ("contracts", "合同数"),
    "meetings": ("consultation meetings", "协商会议次数"),
}

UNITS: dict[str, tuple[str, str]] = {
    "share": ("%", "%"),
    "months": ("months", "月"),
    "hours per resident per month": ("hours per resident per month", "小时/人/月"),
    "organizations": ("organizations", "个"),
    "per 10,000 residents": ("per 10,000 residents", "个/万人"),
    "people": ("people", "人"),
    "index in [0, 1]": ("index in [0, 1]", "指数（0–1）"),
    "projects": ("projects", "个"),
    "posts": ("posts", "个"),
    "needs per room worker per month": ("needs per worker per month", "项/人/月"),
    "yuan per month": ("yuan per month", "元/月"),
    "yuan per year": ("yuan per year", "元/年"),
    "yuan": ("yuan", "元"),
    "Gini in [0, 1]": ("Gini in [0, 1]", "基尼系数（0–1）"),
    "score in [0, 1]": ("score in [0, 1]", "得分（0–1）"),
    "items": ("items", "项"),
}

PARAMETER_UNITS_ZH: dict[str, str] = {
    "share": "比例", "share per month": "比例/月", "share per year": "比例/年", "multiplier": "倍数",
    "bool": "是/否", "people": "人", "months": "月", "years": "年", "hours": "小时", "hours per month": "小时/月",
    "count": "个", "items": "项", "households": "户", "yuan": "元", "yuan per year": "元/年", "yuan per month": "元/月",
    "organizations": "个", "volunteers": "人", "posts": "个", "contracts": "份", "meetings": "次",
}
"""Units of parameters in Chinese; a parameter whose unit is not here shows its path alone in a Chinese report."""

POINTS_UNIT = ("pp", "个百分点")
"""The unit of a difference of shares: percentage points (English, Chinese)."""

STREETS_ZH = ("朝天门", "解放碑", "南纪门", "七星岗", "菜园坝", "两路口", "大溪沟", "上清寺", "石油路", "大坪",
              "化龙桥")

TEXT: dict[str, tuple[str, str]] = {
    "report": ("Report", "报告"),
    "question": ("The question", "研究问题"),
    "design": ("The design", "实验设计"),
    "scenarios": ("Scenarios and what differs between them", "情景及其差异"),
    "outcomes": ("Outcomes: mean and 95% interval over replicates", "结果：各重复运行的均值与95%置信区间"),
    "over_time": ("Over time", "随时间变化"),
    "differences": ("Differences against the baseline, paired by seed", "与基准情景的配对差异（同一随机种子）"),
    "factorial": ("Factorial effects", "析因效应"),
    "synergy_heading": ("Is the whole more than the sum of its parts?", "整体是否大于部分之和？"),
    "sensitivity": ("Sensitivity indices", "敏感性指数"),
    "discovery": ("Scenario discovery", "情景发现"),
    "inequality": ("Inequality between communities", "社区间不平等"),
    "failures": ("Failed runs", "失败的运行"),
    "provenance": ("Provenance", "来源与可复现信息"),
    "scenario": ("scenario", "情景"),
    "point": ("design point", "设计点"),
    "indicator": ("indicator", "指标"),
    "difference": ("difference", "差值"),
    "verdict": ("verdict", "判断"),
    "baseline": ("baseline", "基准"),
    "month": ("month", "月份"),
    "effect": ("effect", "效应"),
    "term": ("term", "项"),
    "parameter": ("parameter", "参数"),
    "higher": ("higher", "更高"),
    "lower": ("lower", "更低"),
    "within noise": ("within noise", "在噪声范围内"),
    "no data": ("not defined in these runs", "这些运行中无定义"),
    "more than the sum of its parts": ("more than the sum of its parts", "大于部分之和"),
    "less than the sum of its parts": ("less than the sum of its parts", "小于部分之和"),
    "the sum of its parts, within noise": ("the sum of its parts, within noise", "与部分之和相当（在噪声范围内）"),
    "whole": ("all levers together", "三项同时实施"),
    "parts": ("sum of single levers", "单项之和"),
    "synergy": ("whole − parts", "整体 − 部分之和"),
    "gini": ("Gini", "基尼系数"),
    "theil": ("Theil T", "泰尔指数"),
    "theil_between_streets": ("Theil between streets", "街道间泰尔指数"),
    "theil_within_streets": ("Theil within streets", "街道内泰尔指数"),
    "final_window": ("mean of the last {window} months (months {first}–{last})",
                     "最后{window}个月的均值（第{first}–{last}月）"),
    "final_month": ("final month (month {last})", "最后一个月（第{last}月）"),
    "from_month": ("from month {month}", "自第{month}月起"),
    "no_failures": ("No run failed.", "没有失败的运行。"),
    "district_map_title": ("{indicator} by community, {label} ({what})", "各社区{indicator}：{label}（{what}）"),
    "map_schematic": ("Schematic, not a map: streets (grey circles) in their order along the peninsula, west ← "
                      "→ east (its tip);\neach street's communities on its circle; lines are the model's links",
                      "示意图，非地理地图：街道（灰色圆圈）按沿半岛的顺序排列，西 ← → 东（半岛尖端）；\n"
                      "各街道的社区位于其圆圈上；连线为模型中的社区联系"),
    "dose_title": ("Outcomes against {factor}: mean and 95% band; hollow where a step's gain is within noise",
                   "结果随{factor}的变化：均值与95%置信带；空心点表示该步增量在噪声范围内"),
    "cost_left_title": ("Need coverage against spending per year, by level", "需求覆盖率与年度支出（按水平）"),
    "cost_right_title": ("Marginal cost of a point of coverage, per step (95% intervals)",
                         "每提高一个百分点覆盖率的边际成本（按步，95%置信区间）"),
    "cost_unit": ("yuan a year per percentage point", "元/年/百分点"),
    "bands_title": ("{indicator}: mean and 95% band over replicates, by {kind}",
                    "{indicator}：各{kind}的均值与95%置信带"),
    "bars_title": ("{indicator}, {what}: mean and 95% interval", "{indicator}（{what}）：均值与95%置信区间"),
    "forest_title": ("Difference from {baseline}, paired by seed (95% intervals)",
                     "与{baseline}的配对差异（95%置信区间）"),
    "effects_title": ("Factorial effects on {indicator} (95% intervals)", "{indicator}的析因效应（95%置信区间）"),
    "heatmap_title": ("{indicator}: mean over replicates by {x} and {y}", "{indicator}：按{x}与{y}的均值"),
    "heatmap_others_title": ("{indicator}: mean over replicates and the other factors, by {x} and {y}",
                             "{indicator}：按{x}与{y}的均值（对重复运行和其他因素取平均）"),
    "sobol_title": ("Sobol indices of {indicator} (95% intervals)", "{indicator}的Sobol指数（95%置信区间）"),
    "morris_title": ("Morris screening of {indicator}: μ* with 95% interval",
                     "{indicator}的Morris筛选：μ*及95%置信区间"),
    "index": ("index", "指数"),
    "first_order": ("first order S1", "一阶指数 S1"),
    "total_order": ("total ST", "总效应指数 ST"),
    "runs_done": ("{done} of {total} runs finished, {failed} failed.",
                  "共{total}次运行，完成{done}次，失败{failed}次。"),
    "p_value": ("p (paired t)", "p值（配对t检验）"),
    "horizons": ("Results at several horizons", "不同时间跨度的结果"),
    "horizons_intro": (("Conclusions can change with the horizon, so the same runs are compared at months "
                        "{months}: at each horizon H an outcome is each run's mean over the {window} months "
                        "ending at H ({windows}). Cells: value [95% interval]; a marker shows where the "
                        "interval includes zero."),
                       ("结论可能随时间跨度而变，因此在第{months}月比较同一批运行：每个时间跨度H的结果为各次运行"
                        "截至第H月的{window}个月均值（{windows}）。单元格：数值［95%置信区间］，并标出区间包含零者。")),
    "horizon_months": ("month {h}: months {first}–{last}", "第{h}月：第{first}–{last}月"),
    "horizon_column": ("month {h}", "第{h}月"),
    "horizons_differences": ("Differences against the baseline {baseline} at each horizon",
                             "各时间跨度与基准{baseline}的差异"),
    "horizons_effects": ("Factorial main effects at each horizon", "各时间跨度的析因主效应"),
    "horizons_synergy": ("All levers together minus the sum of each alone, at each horizon",
                         "各时间跨度的整体减各单项之和"),
    "horizons_changes": ("Sign changes and ranking flips", "符号反转与排序翻转"),
    "horizons_weaker": ("Significant at one horizon, within noise at another",
                        "在一个时间跨度显著、在另一个时间跨度处于噪声范围内"),
    "horizons_diff_title": ("Difference from {baseline} at each horizon (95% intervals)",
                            "各时间跨度与{baseline}的差异（95%置信区间）"),
    "horizons_effects_title": ("Factorial main effects at each horizon (95% intervals)",
                               "各时间跨度的析因主效应（95%置信区间）"),
    "horizon": ("horizon (month)", "时间跨度（月）"),
    "more_changes": ("… and {n} more; experiments.analysis.horizon_changes lists them all.",
                     "……另有{n}条；experiments.analysis.horizon_changes 可列出全部。"),
    "no_changes": ("No sign change and no ranking flip between months {first} and {last}.",
                   "第{first}月至第{last}月之间没有符号反转，也没有排序翻转。"),
    "no_weaker": (("No difference or effect is significant at one horizon and within noise at another "
                   "between months {first} and {last}."),
                  "第{first}月至第{last}月之间，没有差异或效应在一个时间跨度显著而在另一个时间跨度处于噪声范围内。"),
    "weaker_note": (("Weaker statements: with many differences and effects compared at several horizons, about "
                     "one in twenty that are truly zero looks significant at a given horizon by chance; read "
                     "these as leads to check, not as findings."),
                    ("较弱的结论：在多个时间跨度比较许多差异和效应时，约二十分之一实际为零的量会因偶然而在某个时间跨度"
                     "显得显著；应视为有待核实的线索，而非结论。")),
    "title": ("{name} — Report", "{name} 实验报告"),
    "figcaption": ("{name} (PNG and SVG in {folder}/)", "图 {name}（PNG 与 SVG 文件见 {folder}/）"),
    "spec": ("The experiment file as run (spec)", "运行时的实验设定（spec）"),
    "true": ("true", "是"),
    "false": ("false", "否"),
    "prov_value": ("value", "取值"),
    "prov_file": ("experiment file", "实验文件"),
    "prov_hash": ("spec hash", "设定哈希值"),
    "prov_commit": ("commit", "代码提交"),
    "prov_dirty": (" (dirty)", "（含未提交修改）"),
    "prov_model": ("model version", "模型版本"),
    "prov_python": ("python", "Python 版本"),
    "prov_host": ("host", "主机"),
    "prov_seeds": ("seeds", "随机种子"),
    "prov_runs": ("runs", "运行次数"),
    "prov_runs_value": ("{done} of {total} ({failed} failed)", "完成{done}次，共{total}次（失败{failed}次）"),
    "prov_wall": ("wall time (s)", "耗时（秒）"),
    "prov_packages": ("packages", "软件包"),
    "prov_written": ("report written", "报告生成时间"),
    "gini_theil": ("The Gini coefficient is half the mean absolute difference between two communities' values, "
                   "relative to the mean: 0 when every community has the same value, 1 when one has everything. "
                   "The Theil index T is the mean of (value/mean)·ln(value/mean) over communities: 0 for perfect "
                   "equality, growing with inequality, and it splits exactly into the part between streets (the "
                   "streets' means differ) and the part within streets (communities of one street differ).",
                   "基尼系数为任意两个社区取值之差的平均绝对值除以均值的一半：各社区取值相同时为0，一个社区独占全部时为1。"
                   "泰尔指数T为各社区(取值/均值)·ln(取值/均值)的平均：完全平等时为0，越不平等越大，"
                   "并可精确分解为街道间部分（各街道均值不同）与街道内部分（同一街道的社区之间不同）。"),
    "inequality_title": ("Inequality between communities, {what}: mean and 95% interval over replicates",
                         "社区间不平等（{what}）：各重复运行的均值与95%置信区间"),
    "inequality_table": ("The numbers of the figure", "图中数值"),
    "maps_shared": ("The maps below share one colour scale ({low} to {high}), so their colours compare.",
                    "以下各图使用同一色标（{low}至{high}），颜色可直接比较。"),
    "design_scenarios": ("scenarios", "情景比较"),
    "design_grid": ("grid", "网格设计"),
    "design_factorial": ("factorial", "析因设计"),
    "design_lhs": ("lhs", "拉丁超立方抽样"),
    "design_sobol": ("sobol", "Sobol 抽样"),
    "design_morris": ("morris", "Morris 筛选"),
    "failure_point": ("point", "设计点"),
    "failure_replicate": ("replicate", "重复"),
    "failure_seed": ("seed", "随机种子"),
    "failure_scenario": ("scenario", "情景"),
    "failure_error": ("error", "错误"),
    "box": ("box", "区域"),
    "runs": ("runs", "运行次数"),
    "density": ("density", "密度"),
    "coverage": ("coverage", "覆盖度"),
    # --- dose-response and cost (a grid's or factorial's numeric factors) ---
    "dose": ("Outcomes against {factor}", "结果随{factor}的变化"),
    "dose_intro": ("At each level of {factor} the outcome is the mean over the design points at that level, "
                   "per seed; the band is its 95% interval over seeds. The gain of a step is the outcome at a "
                   "level minus that at the level below, paired by seed, with its 95% interval, and per {per} "
                   "of the step: where it shrinks, returns flatten.",
                   "{factor}每个水平的结果为该水平各设计点的均值（按随机种子）；置信带为各种子间的95%置信区间。"
                   "每一步的增量为该水平减下一级水平的结果（按种子配对）及其95%置信区间，并折算为每{per}的增量："
                   "增量变小之处即收益趋平之处。"),
    "level": ("level", "水平"),
    "mean_ci": ("mean [95% interval]", "均值［95%置信区间］"),
    "gain_step": ("gain over the level below [95% interval]", "较下一级水平的增量［95%置信区间］"),
    "gain_per": ("gain per {per}", "每{per}的增量"),
    "cost_heading": ("What a point of coverage costs", "每个百分点覆盖率的成本"),
    "cost_unrecorded": ("The cost of coverage needs {coverage} and {spending} recorded; this experiment did not "
                        "record both.",
                        "计算覆盖率成本需要记录 {coverage} 与 {spending}；本实验未同时记录二者。"),
    "cost_same": ("Purchase spending is the same at every level of {factor}: the coverage it buys is not priced "
                  "here.",
                  "{factor}各水平的购买服务支出相同，此处不计算覆盖率成本。"),
    "cost_points_lowest": ("coverage gain over the lowest level", "较最低水平的覆盖率增量"),
    "cost_points_step": ("coverage gain over the level below", "较下一级水平的覆盖率增量"),
    "cost_lowest": ("average cost per point (yuan a year)", "平均每百分点成本（元/年）"),
    "cost_step": ("marginal cost per point (yuan a year)", "边际每百分点成本（元/年）"),
    "cost_not_priced": ("not priced: no gain outside noise", "不计价：增量未超出噪声范围"),
    "sum_cost": ("Cost of coverage along {factor}: from {low} to {high}, need coverage goes from {cov_low} to "
                 "{cov_high} and purchase spending from {spent_low} to {spent_high} a year. A percentage point "
                 "of coverage costs {first} yuan a year in the first step ({first_step}) and {last} in the last "
                 "({last_step}) (95% intervals){verdict}",
                 "沿{factor}的覆盖率成本：从{low}到{high}，需求覆盖率由{cov_low}升至{cov_high}，年度购买服务支出由"
                 "{spent_low}增至{spent_high}元。第一步（{first_step}）每提高一个百分点覆盖率的年成本为{first}元，"
                 "最后一步（{last_step}）为{last}元（95%置信区间）{verdict}"),
    "sum_cost_flattens": (": returns flatten, each point costs more as the budget rises.",
                          "：收益趋平，预算越高，每个百分点的成本越高。"),
    "sum_cost_steady": (".", "。"),
    "sum_cost_unpriced": ("Cost of coverage along {factor}: need coverage goes from {cov_low} at {low} to "
                          "{cov_high} at {high}; no step's coverage gain is outside noise, so no point of "
                          "coverage is priced.",
                          "沿{factor}的覆盖率成本：需求覆盖率由{low}时的{cov_low}变为{high}时的{cov_high}；"
                          "各步覆盖率增量均未超出噪声范围，因此不计算每百分点成本。"),
    "sum_baseline_lowest": ("Baseline: the design point {label}, where each factor is at its lowest level (the "
                            "default for a {design} design; name another with --baseline and a point's label "
                            "or number). Every parameter that is not a factor keeps the value of the "
                            "experiment's scenario.",
                            "基准：设计点{label}，即各因素均取最低水平（{design}的默认基准；可用 --baseline "
                            "指定其他设计点的标签或编号）。非因素参数保持实验情景的取值。"),
    # --- the summary (experiments/summary.py) ---
    "summary": ("Summary", "摘要"),
    "answer": ("The answer", "结论"),
    "caveats": ("Caveats", "注意事项"),
    "details": ("The detail", "详细结果"),
    "no difference": ("no difference", "无差异"),
    "no difference (both zero)": ("no difference (both zero)", "无差异（两者均为零）"),
    "no difference (identical)": ("no difference (the same in every seed)", "无差异（各随机种子下完全相同）"),
    "sum_higher_better": (" (higher is better)", "（越高越好）"),
    "sum_lower_better": (" (lower is better)", "（越低越好）"),
    "sum_effects": ("{indicator}: main effects outside noise, largest first (95% intervals): {items}.",
                    "{indicator}：超出噪声范围的主效应，按大小排列（95%置信区间）：{items}。"),
    "sum_effects_none": ("{indicator}: no main effect is outside noise.", "{indicator}：没有主效应超出噪声范围。"),
    "sum_differences": ("{indicator}: differences from {baseline} outside noise, largest first (95% intervals): "
                        "{items}.",
                        "{indicator}：与{baseline}相比超出噪声范围的差异，按大小排列（95%置信区间）：{items}。"),
    "sum_differences_none": ("{indicator}: no difference from {baseline} is outside noise.",
                             "{indicator}：与{baseline}相比没有差异超出噪声范围。"),
    "sum_and_more": (" (and {n} more in the tables below)", "（另有{n}项见下表）"),
    "sum_and_more_plain": (" (and {n} more)", "（另有{n}项）"),
    "sum_within_noise": (" Within noise (the experiment cannot tell them from zero): {items}.",
                         "在噪声范围内（无法与零区分）：{items}。"),
    "sum_no_difference": (" No difference at all (the same value in every seed): {items}.",
                          "完全无差异（各随机种子下数值相同）：{items}。"),
    "sum_range": ("{indicator} ranges from {low} ({low_label}) to {high} ({high_label}) across the design points "
                  "(means with 95% intervals).",
                  "{indicator}在各设计点之间从 {low}（{low_label}）到 {high}（{high_label}）（均值与95%置信区间）。"),
    "sum_noise_count": ("Of the {n} differences and effects in the tables below, {noise} are within noise.",
                        "下表{n}项差异与效应中，{noise}项在噪声范围内。"),
    "sum_noise_count_same": (("Of the {n} differences and effects in the tables below, {noise} are within noise "
                              "and {same} are no difference at all (the same value in every seed)."),
                             "下表{n}项差异与效应中，{noise}项在噪声范围内，{same}项完全无差异（各随机种子下数值相同）。"),
    "sum_raise": ("raise it by {size}", "使其提高{size}"),
    "sum_lower": ("lower it by {size}", "使其降低{size}"),
    "sum_unchanged": ("leave it unchanged", "使其不变"),
    "sum_synergy": ("{indicator}: {levers} together {whole}; each alone, added up, would {parts}. The whole minus "
                    "the sum of its parts is {synergy}: {verdict}",
                    "{indicator}：{levers}同时实施{whole}；各单项单独实施之和{parts}。整体减部分之和为 {synergy}："
                    "{verdict}"),
    "sum_synergy_noise": ("{levers} together do as much as the sum of each alone, as far as the experiment can "
                          "tell (whole minus the sum of its parts within noise, 95% intervals): {items}.",
                          "就本实验所能判断，{levers}同时实施的效果与各单项之和相当（整体减部分之和在噪声范围内，"
                          "95%置信区间）：{items}。"),
    "sum_syn_better": ("together they do better than the sum of their parts (more than the sum of its parts).",
                       "同时实施的效果好于各单项之和（大于部分之和）。"),
    "sum_syn_worse": ("together they do worse than the sum of their parts (less than the sum of its parts).",
                      "同时实施的效果差于各单项之和（小于部分之和）。"),
    "sum_syn_noise": ("within noise, so together they do as much as the sum of their parts, as far as the "
                      "experiment can tell.",
                      "在噪声范围内，就本实验所能判断，同时实施的效果与各单项之和相当。"),
    "sum_syn_exact": ("exactly the sum of its parts: the same value in every seed.",
                      "恰好等于部分之和：各随机种子下数值相同。"),
    "sum_syn_neutral": ("neither direction of this indicator is better, so this says how they combine, not "
                        "whether that is good.",
                        "该指标无优劣方向，此处只说明各项如何叠加，不作好坏判断。"),
    "sum_horizon": ("The horizon matters: between months {first} and {last}, {n} conclusions change sign or "
                    "ranking: {items}. Weaker statements (significant at one horizon, within noise at another): "
                    "{weak}.",
                    "时间跨度有影响：第{first}月至第{last}月之间，有{n}项结论的符号或排序发生变化：{items}。"
                    "另有{weak}项在一个时间跨度显著、在另一个时间跨度处于噪声范围内。"),
    "sum_horizon_none": ("No conclusion changes sign and no ranking flips between months {first} and {last}. "
                         "Weaker statements (significant at one horizon, within noise at another; see the "
                         "horizons section): {weak}.",
                         "第{first}月至第{last}月之间没有结论的符号反转或排序翻转；有{weak}项在一个时间跨度显著、"
                         "在另一个时间跨度处于噪声范围内（见时间跨度一节）。"),
    "sum_horizon_steady": ("No conclusion changes sign, no ranking flips and none is significant at one horizon "
                           "only, between months {first} and {last}.",
                           "第{first}月至第{last}月之间，没有结论的符号反转或排序翻转，也没有只在一个时间跨度显著的结论。"),
    "sum_uncertainty": ("Parameter uncertainty: {firm} of {n} conclusions keep their sign across parameters and "
                        "seeds (their total interval excludes zero).",
                        "参数不确定性：{n}项结论中有{firm}项在参数与种子不确定性下符号不变（总区间不含零）。"),
    "sum_sign_share": (" Share of parameter draws that keep the sign, for {indicator}: {items}.",
                       "{indicator}在各参数抽样中符号一致的比例：{items}。"),
    "sum_fragile": (" Outside seed noise but not outside parameter uncertainty, so they depend on the "
                    "assumptions: {items}{more}.",
                    "以下结论超出种子噪声，但未超出参数不确定性，取决于假设：{items}{more}。"),
    "sum_start_other_model": ("The runs are of another model ({model}); how it starts is its own.",
                              "这些运行来自另一模型（{model}），其初始状态由该模型自身决定。"),
    "sum_start_cold": ("Start: no spin-up. Month 1 follows the district as built, so the first months show the "
                       "model settling from its initial state, not the policies; the outcomes are months "
                       "{first}–{last}.",
                       "起始：没有预热。第1个月紧接按初始设定构建的辖区，最初几个月反映模型从初始状态趋于稳定，"
                       "而非政策效果；结果取第{first}–{last}月。"),
    "sum_start_spun": ("Start: every run first runs {years} years under its month-1 settings, unrecorded, so "
                       "month 1 is the steady state of the regime it starts in, not an initial value (coverage "
                       "does not start at 100%); the outcomes are months {first}–{last}.",
                       "起始：每次运行先在其第1个月的设定下运行{years}年（不记录），因此第1个月是其初始制度的稳态，"
                       "而非初始值（覆盖率并非从100%开始）；结果取第{first}–{last}月。"),
    "sum_month1": (" Need coverage in month 1 is {value} on average over all runs.",
                   "所有运行第1个月的需求覆盖率平均为{value}。"),
    "sum_latest_change": (" The latest dated change acts from month {month}, {gap} months before the outcome "
                          "window starts.",
                          "最晚的定时变化自第{month}月起作用，在结果时间窗开始前{gap}个月。"),
    "sum_latest_change_inside": (" The latest dated change acts from month {month}, inside the outcome window "
                                 "(months {first}–{last}): the outcomes mix months before and after it.",
                                 "最晚的定时变化自第{month}月起作用，位于结果时间窗（第{first}–{last}月）之内："
                                 "结果混合了变化前后的月份。"),
    "sum_trend_unknown": ("Horizon: the runs did not record every month, so whether the curves are still moving "
                          "at the end cannot be told.",
                          "时间跨度：这些运行未逐月记录，无法判断曲线在末尾是否仍在变化。"),
    "sum_trend_still": ("Horizon: no key indicator is still moving at the end: over months {first}–{last} each "
                        "one's change per year is within noise or smaller than its outcome's 95% interval.",
                        "时间跨度：关键指标在末尾均已不再明显变化：第{first}–{last}月间各指标的年变化在噪声范围内，"
                        "或小于其结果的95%置信区间半宽。"),
    "sum_trend_item": ("{indicator} in {label} ({change} a year against ±{half})",
                       "{label}的{indicator}（每年{change}，区间半宽±{half}）"),
    "sum_trend_moving": ("Horizon: {n} of {total} key curves are still moving at the end (over months "
                         "{first}–{last} their change per year excludes zero and exceeds the outcome's 95% "
                         "interval): {items}",
                         "时间跨度：{total}条关键曲线中有{n}条在末尾仍在变化（第{first}–{last}月间年变化不含零且超过结果的"
                         "95%置信区间半宽）：{items}"),
    "sum_trend_meaning": (". The results describe month {last}, not a steady state.",
                          "。结果描述的是第{last}月的状态，而非稳态。"),
    "sum_calibration": ("Calibrated range: the model is calibrated to the district's 2016 report in months "
                        "{first}–{last} of the history-friendly reform (yuzhong_2016, reform from month 25) and "
                        "checked up to month {checked}. The outcomes here (months {a}–{b}) {where}",
                        "校准范围：模型按区政府2016年报告校准于历史情景改革（yuzhong_2016，第25个月起改革）的第"
                        "{first}–{last}月，并检验至第{checked}月。本报告的结果（第{a}–{b}月）{where}"),
    "sum_cal_inside": ("lie within the calibrated months.", "位于校准月份之内。"),
    "sum_cal_before": ("come before the calibrated months: the calibration speaks of them only through the "
                       "model's mechanisms.",
                       "早于校准月份：校准只能通过模型机制间接涉及这些月份。"),
    "sum_cal_beyond": ("reach {span} beyond them: that is extrapolation, the mechanisms carried forward, "
                       "not checked against data.",
                       "超出校准月份{span}：属于外推，即沿用模型机制，未经数据检验。"),
    "sum_stock": (" For scale: {label} has {value} registered organizations in these months, against the "
                  "report's {target} (F3).",
                  "作为参照：{label}在这些月份的登记社会组织数为 {value}，报告数为{target}（F3）。"),
    "sum_months": ("{n} months", "{n}个月"),
    "sum_years": ("{n} years", "{n}年"),
    "sum_horizon_item": ("{indicator}, {what} (months {a} → {b})", "{indicator}，{what}（第{a}→{b}月）"),
    "sum_cal_horizons": (" Horizons after month {checked} ({months}) are extrapolation too.",
                         "第{checked}月之后的时间跨度（{months}）同样属于外推。"),
    "sum_baseline": ("Baseline: {baseline}. {description}", "基准：{baseline}。{description}"),
    "sum_not_pre_reform": (" It is not the pre-reform district: {indicator} is {a} in {baseline} against {b} in "
                           "pre_reform.",
                           "它并非改革前的辖区：{baseline}的{indicator}为{a}，而pre_reform为{b}。"),
    "sum_baseline_point": ("Baseline: the design point {label}; every parameter that is not a factor keeps the "
                           "value of the experiment's scenario.",
                           "基准：设计点{label}；非因素参数保持实验情景的取值。"),
    "sum_no_baseline": ("Baseline: none. A {design} design compares its points with each other; name one with "
                        "--baseline to see differences against it.",
                        "基准：无。{design}设计在各设计点之间比较；可用 --baseline 指定基准以查看差异。"),
    "positive": ("positive", "为正"),
    "negative": ("negative", "为负"),
    "what_difference": ("{first} against the baseline {second}", "{first}相对基准{second}的差异"),
    "what_main_effect": ("main effect of {term}", "{term}的主效应"),
    "what_interaction": ("interaction {term}", "交互效应{term}"),
    "what_synergy": ("all levers together minus the sum of each alone", "整体减各单项之和"),
    "between_noise": ("; within noise at month{s} {months} in between", "，其间第{months}月在噪声范围内"),
    "sign_change": (("{indicator}, {what}: {word_a} at month {a} ({va} {ca}) but {word_b} at month {b} "
                     "({vb} {cb}){between}. The sign changes: both 95% intervals exclude zero."),
                    ("{indicator}，{what}：第{a}月{word_a}（{va} {ca}），第{b}月却{word_b}（{vb} {cb}）{between}。"
                     "符号反转：两个95%置信区间均不含零。")),
    "ranking_flip": (("{indicator}: {first} is above {second} at month {a} (difference {va} {ca}) but below "
                      "it at month {b} ({vb} {cb}){between}. The ranking flips: both 95% intervals exclude zero."),
                     ("{indicator}：第{a}月{first}高于{second}（差值 {va} {ca}），第{b}月却低于后者（{vb} {cb}）"
                      "{between}。排序翻转：两个95%置信区间均不含零。")),
    "fades": (("{indicator}, {what}: {word_a} at month {a} ({va} {ca}) but within noise at month {b} "
               "({vb} {cb}). A weaker statement: at month {b} the experiment cannot tell it from zero."),
              ("{indicator}，{what}：第{a}月{word_a}（{va} {ca}），第{b}月处于噪声范围内（{vb} {cb}）。"
               "较弱的结论：第{b}月已无法与零区分。")),
    "fades_zero": (("{indicator}, {what}: {word_a} at month {a} ({va} {ca}) but exactly zero at month {b}, the "
                    "same in every seed: there it makes no difference at all."),
                   ("{indicator}，{what}：第{a}月{word_a}（{va} {ca}），第{b}月恰为零（各随机种子下相同）："
                    "此时完全没有差异。")),
    "emerges_zero": (("{indicator}, {what}: exactly zero at month {a}, the same in every seed, but {word_b} at "
                      "month {b} ({vb} {cb}): it makes a difference only later."),
                     ("{indicator}，{what}：第{a}月恰为零（各随机种子下相同），第{b}月{word_b}（{vb} {cb}）："
                      "差异在后期才出现。")),
    "emerges": (("{indicator}, {what}: within noise at month {a} ({va} {ca}) but {word_b} at month {b} "
                 "({vb} {cb}). A weaker statement: at month {a} the experiment cannot tell it from zero."),
                ("{indicator}，{what}：第{a}月处于噪声范围内（{va} {ca}），第{b}月{word_b}（{vb} {cb}）。"
                 "较弱的结论：第{a}月尚无法与零区分。")),
}


def text(key: str, lang: str, **kw: object) -> str:
    """A phrase of the report in ``lang``, with ``{placeholders}`` filled."""
    en, zh = TEXT.get(key, (key, key))
    return (zh if lang == "zh" else en).format(**kw)


def indicator_name(name: str, lang: str) -> str:
    """An indicator's readable name in ``lang`` (its code name, spaced in English, when it has none)."""
    en, zh = INDICATOR_NAMES.get(name, (name.replace("_", " "), name))
    return zh if lang == "zh" else en


def indicator_unit(name: str, lang: str) -> str:
    """An indicator's unit in ``lang`` ("" for an indicator the model does not declare)."""
    return unit_name(DISTRICT_INDICATORS.get(name, ("", 0, ""))[0], lang)


def unit_name(unit: str, lang: str) -> str:
    """A declared unit in ``lang`` (the unit itself when it has no translation)."""
    en, zh = UNITS.get(unit, (unit, unit))
    return zh if lang == "zh" else en


def parameter_unit(unit: str, lang: str) -> str:
    """A parameter's declared unit in ``lang`` ("" in Chinese for one without a translation)."""
    return PARAMETER_UNITS_ZH.get(unit, "") if lang == "zh" else unit


def parameter_label(path: str, lang: str) -> str:
    """A parameter's path with its unit in ``lang`` ("admin.committee_tasks (items)"); another model's path alone."""
    from model.parameters import PARAMETERS

    unit = parameter_unit(PARAMETERS[path].unit, lang) if path in PARAMETERS else ""
    return f"{path} ({unit})" if unit else path


def axis_label(name: str, lang: str, diff: bool = False) -> str:
    """Indicator name and unit, for an axis or a column; ``diff`` for a difference (a share's in points)."""
    unit = (POINTS_UNIT[lang == "zh"] if diff and DISTRICT_INDICATORS.get(name, ("",))[0] == "share"
            else indicator_unit(name, lang))
    return f"{indicator_name(name, lang)} ({unit})" if unit else indicator_name(name, lang)


def street_name(index: int, lang: str) -> str:
    """A street's name in ``lang`` by its index (the index itself past the known streets)."""
    if lang == "zh":
        return STREETS_ZH[index] if index < len(STREETS_ZH) else str(index)
    return STREET_NAMES[index] if index < len(STREET_NAMES) else str(index)
