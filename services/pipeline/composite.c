/* services/pipeline/composite.c - composite evaluation of an application (see composite.h) */
#include "composite.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *kind, *zh;
    double weight;
} defaults[] = {
    { "ai_interview", "AI面试", 40 },
    { "written_test", "笔试", 20 },
    { "online_assessment", "在线测评", 20 },
    { "screening", "简历筛选", 20 },
};

static const char *zh_name(const char *kind)
{
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
        if (!strcmp(defaults[i].kind, kind))
            return defaults[i].zh;
    return kind;
}

size_t pl_composite_defaults(pl_part_t *parts, size_t max)
{
    size_t n = 0;
    for (; n < max && n < sizeof(defaults) / sizeof(defaults[0]); n++)
        parts[n] = (pl_part_t){ defaults[n].kind, defaults[n].weight, false, 0 };
    return n;
}

void pl_composite_eval(const pl_part_t *parts, size_t n, const char *background_check, bool zh,
                       pl_composite_t *out)
{
    memset(out, 0, sizeof(*out));
    double num = 0, den = 0;
    char missing[256] = "";
    for (size_t i = 0; i < n; i++) {
        if (parts[i].present && parts[i].weight > 0) {
            num += parts[i].weight * parts[i].score;
            den += parts[i].weight;
        } else if (!parts[i].present && parts[i].weight > 0) {
            size_t used = strlen(missing);
            snprintf(missing + used, sizeof(missing) - used, "%s%s", used ? (zh ? "、" : ", ") : "",
                     zh ? zh_name(parts[i].kind) : parts[i].kind);
        }
    }
    out->scored = den > 0;
    out->score = out->scored ? round(num / den * 10) / 10 : 0;
    int failed_check = background_check && !strcmp(background_check, "fail");
    if (!out->scored) {
        out->band = "";
        out->recommendation = "pending";
    } else {
        out->band = out->score >= 85 ? "A" : out->score >= 70 ? "B" : out->score >= 60 ? "C" : "D";
        out->recommendation = failed_check ? "reject"
                              : out->score >= 80 ? "advance"
                              : out->score >= 60 ? "review"
                                                 : "reject";
    }
    const char *advice_zh = !out->scored                        ? "尚无评估结果"
                            : failed_check                      ? "背景调查未通过，不建议录用"
                            : !strcmp(out->recommendation, "advance") ? "建议进入终面"
                            : !strcmp(out->recommendation, "review")  ? "建议人工复核"
                                                                      : "不建议录用";
    const char *advice_en = !out->scored                        ? "no results yet"
                            : failed_check                      ? "background check failed: do not hire"
                            : !strcmp(out->recommendation, "advance") ? "advance to the final round"
                            : !strcmp(out->recommendation, "review")  ? "have a person review it"
                                                                      : "do not hire";
    /* the whole score of the explanation is the shown score rounded half up
     * (86.5 reads 87), not printf's half-to-even of it */
    long whole = lround(out->score);
    if (zh)
        snprintf(out->explanation, sizeof(out->explanation), "综合得分 %ld，%s%s%s", whole,
                 advice_zh, *missing ? "；缺少：" : "", missing);
    else
        snprintf(out->explanation, sizeof(out->explanation), "composite score %ld: %s%s%s",
                 whole, advice_en, *missing ? "; missing: " : "", missing);
}
