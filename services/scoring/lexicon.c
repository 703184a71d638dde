/* services/scoring/lexicon.c - the word lists of text analysis, zh and en, as tables
 *
 * Only data lives here; text.c compiles the tables into matchers once per
 * analyzer, star.c and answer.c decide what a match means. Entries are short
 * on purpose: a cue that is also a common word (那个 "that", like) is in
 * the weak class, which counts only in filler positions. Keep entries
 * lowercase and simplified; the normaliser folds answers to that form.
 */
#include "lexicon.h"

#define W(s) { s, 0 }
#define T(s) { s, 1 }   /* whole token only */
#define TABLE(name, ...) static const sc_lex_word_t name[] = { __VA_ARGS__ }

TABLE(negation,
    W("没有"), W("没"), T("不"), T("未"), W("从未"), W("从没"), W("并未"), W("并没有"),
    W("不是"), W("不会"), W("不曾"), W("无法"),
    T("never"), T("not"), T("no"), T("don't"), T("didn't"), T("doesn't"), T("haven't"),
    T("hasn't"), T("hadn't"), T("wasn't"), T("weren't"), T("isn't"), T("won't"),
    T("can't"), T("cannot"), T("couldn't"), T("without"), T("neither"), T("nor"),
    T("dont"), T("didnt"));

TABLE(not_negation,
    W("不仅"), W("不但"), W("不断"), W("不少"), W("不错"), W("不同"), W("不得不"),
    W("没想到"), W("埋没"), W("不管"), W("不论"), W("not only"), W("no longer"), W("not just"),
    W("no doubt"));

TABLE(clause_break,
    W("但是"), T("但"), W("不过"), W("可是"), W("然而"), W("而是"),
    T("but"), T("however"), T("although"), T("instead"), T("whereas"));

TABLE(situation,
    W("当时"), W("期间"), W("背景"), W("那时"), W("那时候"), W("之前"), W("去年"),
    W("曾经"), W("上一家"), W("在一家"), W("有一次"), W("项目中"),
    W("at the time"), T("when"), W("back in"), W("while i was"), W("last year"),
    W("in my previous"), W("in my last"), W("once"), W("at my previous"),
    W("the situation"), W("the context"));

TABLE(task,
    W("负责"), W("目标"), W("任务"), W("需要"), W("要求"), W("挑战"), W("目的"),
    W("问题是"),
    W("my goal"), W("our goal"), W("the goal"), W("i was responsible"),
    W("responsible for"), W("my task"), W("my job was"), W("we needed"),
    W("needed to"), W("was asked to"), W("the challenge"), W("my role"),
    W("in charge of"), W("the problem was"));

TABLE(action,
    W("推动"), W("设计"), W("协调"), W("分析"), W("搭建"), W("组织"), W("制定"),
    W("优化"), W("上线"), W("开发"), W("实施"), W("带领"), W("主导"), W("建立"),
    W("推进"), W("沟通"), W("调研"), W("梳理"), W("落地"), W("发起"), W("重构"),
    W("拆解"), W("访谈"), W("做了"), W("解决"), W("引入"), W("改进"), W("部署"),
    W("编写"), W("跟进"), W("说服"), W("对齐"), W("召集"), W("复盘"), W("建模"),
    W("测试"), W("整理"), W("提出"), W("调整"), W("定位"), W("找到"), W("发现"),
    T("implemented"), T("led"), T("built"), T("organised"), T("organized"),
    T("designed"), T("analysed"), T("analyzed"), T("launched"), T("created"),
    T("developed"), T("ran"), T("coordinated"), T("introduced"), T("wrote"),
    T("negotiated"), T("convinced"), W("set up"), T("drove"), T("managed"),
    T("automated"), T("migrated"), T("interviewed"), T("tested"), T("rewrote"),
    T("fixed"), T("resolved"), T("proposed"), T("redesigned"), T("persuaded"),
    T("aligned"), T("mentored"), T("segmented"), T("modelled"), T("modeled"),
    T("prototyped"), T("shipped"), T("planned"), T("measured"));

TABLE(result,
    W("结果"), W("最终"), W("最后"), W("提升"), W("提高"), W("降低"), W("减少"),
    W("增长"), W("增加"), W("达成"), W("实现了"), W("节省"), W("缩短"), W("翻了"),
    W("成功"), W("带来"), W("上涨"), W("下降"), W("翻倍"), W("翻番"),
    T("result"), T("resulted"), T("increased"), T("reduced"), T("decreased"),
    T("achieved"), T("improved"), T("grew"), T("saved"), T("cut"), T("raised"),
    T("boosted"), T("delivered"), T("outcome"), W("as a result"), T("lowered"),
    T("doubled"), T("tripled"), T("dropped"));

TABLE(actor,
    W("我"), W("我们"), W("我们团队"), W("我和"), W("本人"),
    T("i"), T("we"), T("my"), T("our"), T("me"), T("us"));

TABLE(filler,
    T("嗯"), T("呃"), T("额"), T("啊"), T("唔"),
    T("um"), T("uh"), T("erm"), T("er"), T("hmm"), T("uhm"));

TABLE(filler_weak,
    T("那个"), T("就是"), T("然后"), T("这个"),
    T("like"), W("you know"), W("i mean"), T("basically"), T("actually"));

TABLE(vague,
    W("擅长"), W("精通"), W("很强"), W("熟悉"), W("善于"), W("热爱"), W("优秀"),
    W("丰富的经验"), W("具备"),
    W("good at"), W("passionate"), W("strong"), W("expert in"), W("skilled in"),
    W("familiar with"), W("excellent"), W("great at"), W("proficient"));

static const struct {
    const char *name;
    const sc_lex_word_t *words;
    size_t n;
} classes[SC_LEX_NCLASSES] = {
#define CLASS(id, name, tab) [id] = { name, tab, sizeof tab / sizeof tab[0] }
    CLASS(SC_LEX_NEGATION, "negation", negation),
    CLASS(SC_LEX_NOT_NEGATION, "not negation", not_negation),
    CLASS(SC_LEX_CLAUSE_BREAK, "clause break", clause_break),
    CLASS(SC_LEX_SITUATION, "situation", situation),
    CLASS(SC_LEX_TASK, "task", task),
    CLASS(SC_LEX_ACTION, "action verb", action),
    CLASS(SC_LEX_RESULT, "result", result),
    CLASS(SC_LEX_ACTOR, "first-person actor", actor),
    CLASS(SC_LEX_FILLER, "filler", filler),
    CLASS(SC_LEX_FILLER_WEAK, "filler in filler position", filler_weak),
    CLASS(SC_LEX_VAGUE, "vague claim", vague),
#undef CLASS
};

const sc_lex_word_t *sc_lexicon_words(sc_lex_class_t cls, size_t *n)
{
    *n = classes[cls].n;
    return classes[cls].words;
}

const char *sc_lexicon_class_name(sc_lex_class_t cls)
{
    return classes[cls].name;
}
