/* services/scoring/tests/test-categories.c - evidence.h's promises for each category of answer
 *
 * The categories are those of docs/scoring-rating-guide.md, section 3. Each
 * has answers written for this test (not taken from the labelled sets) in
 * English, simplified and traditional Chinese, and Chinese with English
 * terms, and each answer is checked against what evidence.h promises for
 * its category:
 *  - a story (strong, modest, hedged, rambling, full of fillers): no flag
 *    that means "no story", at least one first-person action; a strong one
 *    has an outcome, and a sized one when it gives numbers;
 *  - keyword list, credentials, generic claim, negated, hypothetical, team
 *    without me: the flag is set, its span inside the answer, and no
 *    first-person action where the category has none;
 *  - a borrowed result: the company's or market's change is not the
 *    speaker's outcome;
 *  - off topic: no flag that would cap a real story, no outcome; a
 *    deflection is flagged off topic unless a story on the subject follows;
 *    habits and pastimes have no deed and no STAR part.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ev_fixture.h"

/* One answer: its language (en, zh-Hans, zh-Hant, mixed), the text, the
 * competency keywords in play (NULL-terminated, may be empty) and, for a
 * borrowed result, the words of the change that is not the speaker's. */
typedef struct {
    const char *lang;
    const char *text;
    const char *kw[8];
    const char *borrowed;
} case_t;

typedef struct {
    sc_text_t *t;
    sc_evidence_t star;
    sc_ev_t ev;
    const case_t *c;
} run_t;

/* Analyse as the scorer does (ev_fixture.h). */
static run_t analyse(const case_t *c)
{
    run_t r = { NULL, { 0 }, { 0 }, c };
    ev_analyse(c->text, c->kw, &r.t, &r.star, &r.ev);
    return r;
}

static void done(run_t *r)
{
    ev_release(&r->t, &r->star, &r->ev);
}

static void print(const run_t *r)
{
    const char *s = r->c->text;
    print_message("[%s] %s\n", r->c->lang, s);
    for (size_t i = 0; i < r->ev.n_items; i++) {
        const sc_ev_item_t *it = &r->ev.items[i];
        print_message("  %s \"%.*s\" size %.3f\n", sc_ev_kind_name(it->kind),
                      (int)(it->span.end - it->span.start), s + it->span.start, it->size);
    }
    for (int f = 0; f < SC_EVF_N; f++)
        if (r->ev.flag[f].set)
            print_message("  flag %s \"%.*s\"\n", sc_ev_flag_name((sc_ev_flag_t)f),
                          (int)(r->ev.flag[f].span.end - r->ev.flag[f].span.start),
                          s + r->ev.flag[f].span.start);
    print_message("  unattributed %zu sized %zu\n", r->ev.unattributed, r->ev.sized);
}

/* A broken promise is printed with the answer's evidence and counted, so
 * that one run names every answer of a category that fails. */
static size_t failed;

#define CHECK(r, cond, ...)                                                                   \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            print_error(__VA_ARGS__);                                                         \
            print_error("\n");                                                                \
            print(r);                                                                         \
            failed++;                                                                         \
        }                                                                                     \
    } while (0)

/* The flags that say the answer tells no story of the speaker's. */
static const sc_ev_flag_t no_story[] = { SC_EVF_KEYWORD_LIST, SC_EVF_CREDENTIALS,
                                         SC_EVF_GENERIC_CLAIM, SC_EVF_NEGATED,
                                         SC_EVF_HYPOTHETICAL, SC_EVF_TEAM_WITHOUT_ME };

static void expect_no_flag(const run_t *r)
{
    for (size_t i = 0; i < sizeof no_story / sizeof *no_story; i++)
        CHECK(r, !r->ev.flag[no_story[i]].set, "flag %s set on a story",
              sc_ev_flag_name(no_story[i]));
    CHECK(r, !r->ev.flag[SC_EVF_NEARBY_STORY].set, "a story told as a nearby one");
}

static void expect_flag(const run_t *r, sc_ev_flag_t f)
{
    const sc_ev_flagged_t *g = &r->ev.flag[f];
    CHECK(r, g->set, "flag %s not set", sc_ev_flag_name(f));
    if (!g->set)
        return;
    CHECK(r, g->reason != NULL, "flag %s has no reason", sc_ev_flag_name(f));
    CHECK(r, g->span.start < g->span.end && g->span.end <= strlen(r->c->text),
          "flag %s span [%zu, %zu) not inside the answer", sc_ev_flag_name(f),
          (size_t)g->span.start, (size_t)g->span.end);
}

typedef enum { STORY, STRONG, STRONG_SIZED } story_t;

static void check_story(const case_t *cs, size_t n, story_t kind)
{
    failed = 0;
    for (size_t i = 0; i < n; i++) {
        run_t r = analyse(&cs[i]);
        expect_no_flag(&r);
        CHECK(&r, r.ev.count[SC_EV_ACTION] >= 1, "no first-person action");
        if (kind >= STRONG)
            CHECK(&r, r.ev.count[SC_EV_OUTCOME] >= 1, "no outcome");
        if (kind == STRONG_SIZED)
            CHECK(&r, r.ev.sized >= 1, "no sized outcome");
        done(&r);
    }
    assert_int_equal(failed, 0);
}

/* none: the category holds no first-person action (count[ACTION] == 0) */
static void check_flagged(const case_t *cs, size_t n, sc_ev_flag_t f, bool none)
{
    failed = 0;
    for (size_t i = 0; i < n; i++) {
        run_t r = analyse(&cs[i]);
        expect_flag(&r, f);
        if (none)
            CHECK(&r, r.ev.count[SC_EV_ACTION] == 0, "a first-person action in a %s answer",
                  sc_ev_flag_name(f));
        done(&r);
    }
    assert_int_equal(failed, 0);
}

#define N(a) (sizeof(a) / sizeof *(a))

/* ---- stories ---- */

static const case_t strong_numbers[] = {
    { "en", "In my second year at a logistics startup, our same-day delivery rate had slipped to "
            "71%. I owned the fix. I mapped every late order for two weeks, found that half of "
            "them waited on a manual address check, and I wrote a script that validated addresses "
            "at checkout. Within a month same-day delivery rose to 93%.", { 0 }, 0 },
    { "zh-Hans", "前年我在一家连锁药房做会员运营，复购率只有18%。我负责把老会员拉回来，先把一年没来的会员"
                 "按病种分了组，给慢病用户设计了按月提醒取药的短信，还说服店长在店里加了一个续方窗口。"
                 "半年后复购率升到了31%，短信带来的订单每月多了四千单。", { 0 }, 0 },
    { "zh-Hant", "去年我在一家電商公司負責客服排班，高峰時段平均等待時間超過八分鐘。我把過去三個月的"
                 "進線量按小時拉出來，重新排了早晚班，又說服主管增加兩個兼職。兩個月後等待時間降到了"
                 "兩分鐘以內，客訴少了四成。", { 0 }, 0 },
    { "mixed", "去年 Q3 我负责 onboarding flow 的改版，当时新用户的 day-7 retention 只有 22%。我做了 12 场 "
               "user interview，发现大部分人卡在绑卡那一步，就把绑卡挪到了首单之后，和 designer 一起"
               "重做了引导页。上线一个月后 retention 升到了 35%。", { 0 }, 0 },
    /* 提到了 + a number is "raised to" */
    { "mixed", "上个季度我负责 search 的排序，CTR 只有 3%。我加了 query 分类，又和算法同学一起调了召回，"
               "一个月后 CTR 提到了 4.5%。", { 0 }, 0 },
};

static const case_t strong_no_numbers[] = {
    { "en", "At my previous job a key client kept threatening to leave because their invoices were "
            "always wrong. I asked to take the account. I spent an afternoon with their finance "
            "lead, traced the errors to a tax rule we applied to their overseas offices, and "
            "rewrote their billing template myself. Their complaints dropped off after the next "
            "cycle and they renewed in the spring.", { 0 }, 0 },
    { "zh-Hans", "在上一家公司，仓库拣错货一直是客户投诉最多的问题。我主动接了这件事，先跟了几天夜班，"
                 "发现错误大多出在包装相似的货放在相邻货位，我就重新排了这些货位，还给容易混的商品贴了"
                 "颜色标签。之后拣错的投诉明显减少了，客户也不再要求我们每单拍照复核。", { 0 }, 0 },
    { "zh-Hant", "前年我在一家補習班負責招生，家長常抱怨試聽課排不到時間。我把試聽改成線上預約，自己"
                 "打電話給每一位排隊的家長重新約時間，也說服老師們把週末的空堂開放出來。後來報名的家長"
                 "明顯增加，老闆把這套做法推到了其他分校。", { 0 }, 0 },
    { "mixed", "之前在上一家 SaaS 公司，我负责 customer success，有个大客户因为 API 老是 timeout 准备 "
               "churn。我拉着 backend 一起查了 log，发现是他们的 batch job 把我们的 rate limit 打满了，"
               "我帮他们重新设计了调用的节奏，还每周给他们发 usage report。后来他们的 ticket 明显少了，"
               "年底续约还加购了新的 module。", { 0 }, 0 },
};

static const case_t modest_real[] = {
    { "en", "When I started at the front desk, guests kept asking where to park and we had nothing "
            "written down. I wrote a one-page guide with the nearby garages and left copies at the "
            "counter. My manager liked it and the other receptionists started handing it out too.",
      { 0 }, 0 },
    { "zh-Hans", "我刚入职的时候，组里的周报都是各写各的，格式很乱。我做了一个简单的模板发到群里让大家"
                 "试用，后来组长就让大家都按这个来写了。", { 0 }, 0 },
    { "zh-Hant", "去年我在門市打工，常有客人找不到想要的咖啡豆。我就整理了一張常被問到的品項位置表，"
                 "貼在收銀台旁邊，後來同事們也都照著這張表回答。", { 0 }, 0 },
    { "mixed", "上个月 daily standup 经常拖到半小时，我提议每个人只讲 blocker，还做了一个简单的 Notion "
               "模板，现在基本十五分钟就能结束。", { 0 }, 0 },
    /* 我就把…记在 (把 inside the ICU word 就把); 帮他 is an object, not the subject */
    { "zh-Hant", "去年我在門市打工，有位老客人常常找不到他要的咖啡豆。我就把他常買的品項記在一張卡片上，"
                 "每次他來就先幫他準備好，他後來每週都固定來買。", { 0 }, 0 },
    { "zh-Hans", "上周有个客户说收不到验证码，我先帮他查了手机号码，发现少填了一位，就帮他改好了。",
      { 0 }, 0 },
};

static const case_t hedged[] = {
    { "en", "I'm not sure it really counts as mine, honestly. There was a shipping delay on a big "
            "order and I kind of helped sort it out. I called the carrier a few times and I guess "
            "I updated the customer every day. Maybe that helped, I don't really know.", { 0 }, 0 },
    { "zh-Hans", "这个我也不太确定算不算我做的。当时系统迁移，我大概就是帮忙核对了一下数据，可能也写了"
                 "几个校验的脚本吧，具体效果怎么样我也说不太清楚。", { 0 }, 0 },
    { "zh-Hant", "其實我也不太確定這算不算我的功勞啦。那時候客戶抱怨退款很慢，我好像有去跟財務催了幾次，"
                 "也整理了一份清單給主管，後來好像有比較快一點。", { 0 }, 0 },
    { "mixed", "我不太确定这个算不算 leadership。去年有个 project 快 delay 了，我好像是约了几个 "
               "stakeholder 开了个会，大概也重新排了一下 priority，最后应该是按时 ship 了吧，不过主要"
               "还是 PM 在推。", { 0 }, 0 },
};

static const case_t rambling[] = {
    { "en", "So, this was, well, let me back up, I worked in retail before I moved into operations, "
            "which is a long story, my uncle had a shop. Anyway, at the warehouse last winter the "
            "loading dock was always jammed in the mornings, and those docks are tiny. I moved the "
            "outbound pickups to the afternoon and I set up a sign-up sheet for the carriers. Oh and "
            "the coffee machine broke that week too. But after that the trucks stopped queuing on "
            "the street.", { 0 }, 0 },
    { "zh-Hans", "这个嘛，我想想，其实我之前是学会计的，后来才转的运营，中间还在老家待了半年。说回来，"
                 "去年店里搞周年庆，排队特别夸张，我记得那天还下雨。我就临时拉了两个同事在门口发号，"
                 "又把收银台从两个加到了四个，反正最后没出什么乱子，就是都挺累的，晚上还去吃了火锅。",
      { 0 }, 0 },
    { "zh-Hant", "嗯，這個要從頭講，我大學念的是外文，本來想當翻譯，後來覺得不好找工作就來做客服了。"
                 "那時候，對，前年吧，有一個客人連續三天打來罵，說包裹不見了，其實是地址寫錯，我就自己"
                 "去查了物流紀錄，找到了包裹停在哪個站，再打給那個站請他們轉寄。後來那個客人還寫了感謝信，"
                 "主管好像有貼在公告欄上，不過那個公告欄後來拆掉了。", { 0 }, 0 },
    { "mixed", "这个问题，其实我第一份工作是做 QA 的，后来转了 backend，中间也做过一阵 DevOps，说来"
               "话长。有一次，好像是前年，CI 特别慢，一个 build 要四十分钟，大家都在抱怨，我那时候还在"
               "减肥天天不吃午饭。然后我就去看了一下 pipeline，把 test 拆成了几个并行的 job，又加了 "
               "cache。反正后来快了很多，具体多少我忘了。", { 0 }, 0 },
};

static const case_t fillers[] = {
    { "en", "Um, so, last year, uh, we had this, like, this backlog of returns, you know, like three "
            "weeks of returns. And I, um, I took the lead on it, I sorted them by, uh, by reason, and "
            "I, like, I set up a quick triage table. And, um, the backlog went down to, uh, two days "
            "by the end of the month.", { 0 }, 0 },
    { "zh-Hans", "嗯，那个，就是去年双十一的时候，嗯，仓库的那个，打包线老是堵。然后我就，就是，我把打包台"
                 "重新，呃，重新排了一下，把大件和小件分开了。然后，嗯，那个，后面打包速度就提升了很多。",
      { 0 }, 0 },
    { "zh-Hant", "嗯，那個，就是上個月，呃，系統一直寄不出驗證碼。然後我就，就是，先查了一下簡訊平台的"
                 "紀錄，呃，發現是帳號餘額用完了，我就，嗯，馬上儲值了，然後，那個，驗證碼就正常了。",
      { 0 }, 0 },
    { "mixed", "嗯，那个，就是我之前在做 payment 的时候，呃，有一个 bug，就是 refund 会重复打款。然后我"
               "就，嗯，我先把 log 拉出来看了一下，然后，呃，发现是 retry 没有做 idempotency，我就加了一个 "
               "key。然后，那个，后面就没再出现过了。", { 0 }, 0 },
};

static void test_strong_numbers(void **state)
{
    (void)state;
    check_story(strong_numbers, N(strong_numbers), STRONG_SIZED);
}

static void test_strong_no_numbers(void **state)
{
    (void)state;
    check_story(strong_no_numbers, N(strong_no_numbers), STRONG);
}

static void test_modest_real(void **state)
{
    (void)state;
    check_story(modest_real, N(modest_real), STORY);
}

static void test_hedged(void **state)
{
    (void)state;
    check_story(hedged, N(hedged), STORY);
}

static void test_rambling(void **state)
{
    (void)state;
    check_story(rambling, N(rambling), STORY);
}

static void test_fillers(void **state)
{
    (void)state;
    check_story(fillers, N(fillers), STORY);
}

/* ---- no story ---- */

static const case_t keyword_list[] = {
    { "en", "Stakeholder management, roadmaps, prioritisation, OKRs, discovery, delivery, I'm "
            "comfortable with the whole toolkit.",
      { "stakeholder management", "roadmap", "prioritisation", "okrs", 0 }, 0 },
    { "zh-Hans", "库存周转、安全库存、循环盘点、补货模型、ABC分类，这些我都比较熟。",
      { "库存周转", "安全库存", "盘点", "补货", 0 }, 0 },
    { "zh-Hant", "客訴處理、滿意度調查、首次解決率、話術、質檢，這些都是我每天在接觸的東西。",
      { "客訴處理", "滿意度", "首次解決率", 0 }, 0 },
    { "mixed", "SQL、Python、Tableau dashboard、A/B test、cohort 分析，这些工具我都用得很熟。",
      { "sql", "python", "dashboard", "a/b test", 0 }, 0 },
};

static const case_t credentials[] = {
    { "en", "I have twelve years of experience in B2B sales, I've worked at three employers, I was "
            "promoted twice and I'm a certified negotiation trainer.", { 0 }, 0 },
    { "zh-Hans", "我在物流行业干了九年，待过两家上市公司，管过三个仓，有注册安全工程师证书，还被评过优秀"
                 "员工。", { 0 }, 0 },
    { "zh-Hant", "我做業務七年了，待過兩家外商，連續四年達成業績，拿過年度銷冠，也有國際貿易的證照。",
      { 0 }, 0 },
    { "mixed", "我做 HRBP 八年，在两家 Fortune 500 待过，有 SHRM 的 certification，带过一个 15 人的团队。",
      { 0 }, 0 },
};

static const case_t generic_claim[] = {
    { "en", "I'm a very organised person and I believe planning is everything. Deadlines are "
            "important to me.", { 0 }, 0 },
    { "zh-Hans", "我是一个很负责任的人，做事认真，注重细节，领导交代的事情一定会做好。", { 0 }, 0 },
    { "zh-Hant", "我認為品質是產品的生命線，我做事一向很細心，對自己要求也很高。", { 0 }, 0 },
    { "mixed", "我觉得 ownership 很重要，做 PM 最关键的是 empathy，我一直都是 user-first 的。", { 0 }, 0 },
    /* an action verb as the topic of a claim (沟通是最重要的) is no deed */
    { "zh-Hans", "我觉得沟通是最重要的，我这个人比较有耐心，跟谁都能处得来。", { 0 }, 0 },
};

static const case_t negated[] = {
    { "en", "To be honest I've never run a budget myself. The numbers were always my director's "
            "part, and I mostly helped with slides for the quarterly review. So I don't have an "
            "example of managing costs.", { 0 }, 0 },
    { "zh-Hans", "招聘这块我没负责过，面试安排、谈薪、发offer都是HR在弄，我就是偶尔帮忙面一下技术。",
      { 0 }, 0 },
    { "zh-Hant", "跨部門的專案我沒有帶過，都是主管在協調，我比較多是做自己手上的報表。", { 0 }, 0 },
    { "mixed", "说实话 code review 我基本没做过，我们组都是 tech lead 在 review，我只负责写 feature。",
      { 0 }, 0 },
};

static const case_t hypothetical[] = {
    { "en", "If a shipment were late I would call the customer first, then I'd check with the "
            "carrier and offer a partial refund if the delay was our fault.", { 0 }, 0 },
    { "zh-Hans", "假如团队里有人一直拖进度，我会先私下找他聊，了解原因，然后一起把任务拆小，每天跟进一次。",
      { 0 }, 0 },
    { "zh-Hant", "如果遇到客戶很生氣，我會先讓他把話講完，再跟他確認問題，最後給他一個明確的處理時間。",
      { 0 }, 0 },
    { "mixed", "如果线上出了 P0，我会先 rollback，然后拉 war room，再根据 monitoring 找 root cause，"
               "最后写 postmortem。", { 0 }, 0 },
};

static const case_t team_without_me[] = {
    { "en", "Last year our team migrated the whole billing system to the cloud. We planned it over "
            "three months, we finished ahead of schedule and everyone worked really hard.", { 0 }, 0 },
    { "zh-Hans", "去年我们部门做了一次全面的流程梳理，大家一起把审批环节从七个减到了四个，最后整个报销"
                 "周期缩短了一半。", { 0 }, 0 },
    { "zh-Hant", "前年我們團隊接了一個很急的案子，大家一起加班了兩個禮拜，最後準時交付，客戶也很滿意。",
      { 0 }, 0 },
    { "mixed", "去年我们 team 一起把 app 的 crash rate 从 2% 降到了 0.3%，大家 review 了所有的 crash "
               "log，做了很多优化。", { 0 }, 0 },
};

static void test_keyword_list(void **state)
{
    (void)state;
    check_flagged(keyword_list, N(keyword_list), SC_EVF_KEYWORD_LIST, true);
}

static void test_credentials(void **state)
{
    (void)state;
    /* "I've worked at", 待过, 干了九年 are CV facts in the past: actions may be found */
    check_flagged(credentials, N(credentials), SC_EVF_CREDENTIALS, false);
}

static void test_generic_claim(void **state)
{
    (void)state;
    check_flagged(generic_claim, N(generic_claim), SC_EVF_GENERIC_CLAIM, true);
}

static void test_negated(void **state)
{
    (void)state;
    /* "I mostly helped with slides", 偶尔帮忙: routine work around the disowning */
    check_flagged(negated, N(negated), SC_EVF_NEGATED, false);
}

static void test_hypothetical(void **state)
{
    (void)state;
    check_flagged(hypothetical, N(hypothetical), SC_EVF_HYPOTHETICAL, true);
}

static void test_team_without_me(void **state)
{
    (void)state;
    check_flagged(team_without_me, N(team_without_me), SC_EVF_TEAM_WITHOUT_ME, true);
}

/* ---- borrowed results, off topic ---- */

static const case_t borrowed_result[] = {
    { "en", "I handled onboarding calls for new merchants at a fintech. That year the company's "
            "user base tripled and revenue went up about 60%.", { 0 }, "tripled" },
    { "en", "I was on the support desk back then, and the business grew 50% the year I was there.",
      { 0 }, "grew" },
    { "zh-Hans", "我是前年进的公司，那一年正好赶上行业爆发，公司营收涨了三倍，组里也扩了好几个人。",
      { 0 }, "涨了" },
    { "zh-Hant", "我在那裡做了兩年行政，那兩年公司的市佔率提升了一倍多，股價也翻了一番。", { 0 },
      "提升" },
    { "mixed", "我去年在一家做 cross-border e-commerce 的公司实习，主要整理了一些 competitor 的资料，"
               "那一年公司 GMV 增长了 200%。", { 0 }, "增长" },
};

static const case_t off_topic[] = {
    { "en", "Honestly my real passion is sailing. I spend most weekends on the water with my "
            "brother and next summer we want to sail along the coast.", { 0 }, 0 },
    { "zh-Hans", "说到这个，我其实更想聊聊老家的茶园，每年清明前后我都回去帮忙采茶，那种感觉特别放松。",
      { 0 }, 0 },
    { "zh-Hant", "這題我想先問一下，你們的辦公室在哪一區？通勤時間對我來說蠻重要的，我現在每天要搭一個"
                 "小時的捷運。", { 0 }, 0 },
    { "mixed", "我看了你们的 annual report，你们公司去年 revenue 增长了 50%，这个 growth 很厉害，所以"
               "很想加入。", { 0 }, 0 },
};

static void test_borrowed_result(void **state)
{
    (void)state;
    failed = 0;
    for (size_t i = 0; i < N(borrowed_result); i++) {
        const case_t *c = &borrowed_result[i];
        run_t r = analyse(c);
        const char *at = strstr(c->text, c->borrowed);
        assert_non_null(at);
        size_t u = (size_t)(at - c->text);
        for (size_t k = 0; k < r.ev.n_items; k++) {
            const sc_ev_item_t *it = &r.ev.items[k];
            CHECK(&r, it->kind != SC_EV_OUTCOME || u < it->span.start || u >= it->span.end,
                  "\"%s\" is taken as the speaker's outcome", c->borrowed);
        }
        CHECK(&r, r.ev.unattributed >= 1 || r.ev.count[SC_EV_OUTCOME] == 0,
              "no change left unattributed");
        done(&r);
    }
    assert_int_equal(failed, 0);
}

static void test_off_topic(void **state)
{
    (void)state;
    failed = 0;
    for (size_t i = 0; i < N(off_topic); i++) {
        run_t r = analyse(&off_topic[i]);
        expect_no_flag(&r);
        CHECK(&r, r.ev.count[SC_EV_OUTCOME] == 0, "an outcome in an off-topic answer");
        done(&r);
    }
    assert_int_equal(failed, 0);
}

/* ---- the flag rules of docs/scoring-text.md ("Flags") ---- */

/* A habit (I always, 每次) or a condition narrated in the past (If a carrier
 * was late, I moved…; 如果…我就…挪到了) inside a story: no plan, no claim. */
static const case_t story_with_habits[] = {
    { "en", "Last winter the loading dock was jammed every morning. If a carrier was late, I moved "
            "his pickup to the afternoon, and I always called the next one to come early. After two "
            "weeks the trucks stopped queuing on the street.", { 0 }, 0 },
    { "zh-Hans", "去年双十一仓库爆仓，如果有急单进来，我就先把它挪到了单独的打包台，每次都跟客服同步一下。"
                 "后来急单再也没有超时。", { 0 }, 0 },
    { "zh-Hant", "前年我在門市打工，如果客人找不到咖啡豆，我就帶他走到了貨架前，後來我乾脆整理了一張位置表"
                 "貼在收銀台，客人問路的次數少了一半。", { 0 }, 0 },
    { "mixed", "上个月 release 老是 delay，如果 QA 报了 blocker，我就当天拉了 dev 和 PM 一起过了一遍，"
               "后来连续三个 sprint 都按时 ship 了。", { 0 }, 0 },
    { "en", "Um, last month, uh, the, the, the report broke, and I, um, I rebuilt the query and it ran "
            "again the next morning.", { 0 }, 0 },
};

/* A story that names three of the field's terms among its deeds. */
static const case_t story_with_terms[] = {
    { "en", "Last spring sign-ups stalled. I pulled the funnel data, ran an A/B test on the sign-up "
            "page and checked retention by cohort. I found the SMS step lost a third of users, so I "
            "asked the team to drop it. Sign-ups rose 18% the next month.",
      { "data analysis", "funnel", "retention", "a/b test", 0 }, 0 },
    { "zh-Hans", "去年注册量一直上不去，我把注册漏斗拉了一遍，又看了各渠道的留存，还做了一轮A/B测试，发现"
                 "短信验证这一步流失最多。我说服开发改成了一键登录，一个月后注册转化提升了18%。",
      { "数据分析", "漏斗", "留存", "a/b测试", 0 }, 0 },
    { "zh-Hant", "去年註冊量一直上不去，我把註冊漏斗拉了一遍，又看了各渠道的留存，還做了一輪A/B測試，發現"
                 "簡訊驗證這一步流失最多。我說服開發改成了一鍵登入，一個月後註冊轉化提升了18%。",
      { "数据分析", "漏斗", "留存", "a/b测试", 0 }, 0 },
    { "mixed", "去年 sign-up 一直上不去，我把 funnel 拉了一遍，又看了各渠道的 retention，还做了一轮 A/B "
               "test，发现短信验证这一步流失最多。我说服 dev 改成了一键登录，一个月后注册转化提升了18%。",
      { "data analysis", "funnel", "retention", "a/b test", 0 }, 0 },
};

/* The field's terms listed, then one unexplained deed with a number: a list. */
static const case_t list_one_claim[] = {
    { "en", "Data analysis, funnels, A/B tests - I know them all; I grew retention 25% at my last job.",
      { "data analysis", "funnel", "retention", "a/b test", 0 }, 0 },
    { "zh-Hans", "数据分析、漏斗、留存、A/B测试我都做过，上一份工作我把留存率提升了25%。",
      { "数据分析", "漏斗", "留存", "a/b测试", 0 }, 0 },
    { "zh-Hant", "數據分析、漏斗、留存、A/B測試我都做過，上一份工作我把留存率提升了25%。",
      { "数据分析", "漏斗", "留存", "a/b测试", 0 }, 0 },
    { "mixed", "Data analysis、funnel、retention、A/B test 我都做过，上一份工作我把 retention 提升了 25%。",
      { "data analysis", "funnel", "retention", "a/b test", 0 }, 0 },
};

/* Disowned, naming the field's terms: negated is the reason, not a list. */
static const case_t list_disowned[] = {
    { "en", "I haven't really done data analysis myself. Funnels, retention, A/B tests, that was all "
            "the data team's job.", { "data analysis", "funnel", "retention", "a/b test", 0 }, 0 },
    { "zh-Hans", "数据分析我没做过，漏斗、留存、A/B测试都是数据组在管。",
      { "数据分析", "漏斗", "留存", "a/b测试", 0 }, 0 },
    { "zh-Hant", "數據分析我沒做過，漏斗、留存、A/B測試都是數據組在管。",
      { "数据分析", "漏斗", "留存", "a/b测试", 0 }, 0 },
    { "mixed", "Data analysis 我没做过，funnel、retention、A/B test 都是 data team 在管。",
      { "data analysis", "funnel", "retention", "a/b test", 0 }, 0 },
};

/* Disowned, then someone else's occasion: still negated. */
static const case_t disowned_then_theirs[] = {
    { "en", "I have never run an A/B test myself. Our data team did the analysis last year and "
            "retention rose by 25%.", { 0 }, 0 },
    { "zh-Hans", "我没做过数据分析，都是数据组在管，去年他们做了A/B测试，把留存提升了25%。", { 0 }, 0 },
    { "zh-Hant", "我沒做過數據分析，都是數據組在管。去年他們做了A/B測試，把留存提升了25%。", { 0 }, 0 },
    { "mixed", "我没做过 data analysis，都是 data team 在管，去年他们做了 A/B test，把 retention 提升了 "
               "25%。", { 0 }, 0 },
};

/* Disowned, then an occasion with the speaker's own deeds: not negated but
 * a nearby story, whose parts are told (an opener, an outcome or the
 * speaker's ownership marks the occasion). */
static const case_t disowned_then_mine[] = {
    { "en", "I haven't led a team formally, that was my manager's job. But last spring when she was "
            "on leave, I ran the morning shift for two months and I rebuilt the rota, and we had no "
            "late orders.", { 0 }, 0 },
    { "zh-Hans", "我没有正式带过团队，都是主管在管。不过去年主管休产假那两个月，我临时带了早班的七个人，"
                 "重新排了分区，那两个月没有一天延误。", { 0 }, 0 },
    { "zh-Hant", "大型改版我沒主導過，那都是總監拍板的。不過有個小的：我接手的退貨頁，我先把客訴按原因"
                 "整理了一遍，再把流程從五步改成了三步。", { 0 }, 0 },
    { "mixed", "Key account 我其实没独立谈过，都是经理在谈。不过去年经理出差那周，一个 client 临时要"
               "改交期，我先打电话稳住他，再跟工厂排了加班，最后货提前两天到了。", { 0 }, 0 },
    { "en", "I've never owned a launch end to end, the product lead did that. The closest was the "
            "refund page I took over last autumn: I read forty support tickets and cut the form from "
            "six fields to three, and refund complaints fell by half.", { 0 }, 0 },
};

/* No disowning of the speaker's: what the team had never done (the
 * situation the speaker changed), someone's quoted words, a measure that
 * hardly moved. */
static const case_t not_disowned[] = {
    { "zh-Hans", "去年有个汽车零部件客户一直压价。我们之前从没做过订阅制，我去说服了财务总监，改成三年"
                 "订阅年付，价格一分没降，最后签了一百八十万。", { 0 }, 0 },
    { "zh-Hans", "我接手夜班的时候，有个老师傅带头不扫码。他一开始挺冲，说“我干六年没出过事”。我就把"
                 "最近一个月的错单调出来给他看，后来夜班错单降到了跟白班一样。", { 0 }, 0 },
    { "zh-Hant", "去年三月續費率掉到三成，我把續費數據按渠道拆開，發現正常渠道其實沒怎麼掉，問題在活動頁，"
                 "我改了說明以後，兩個月回到了百分之四十二。", { 0 }, 0 },
    { "en", "Last spring our team had never shipped a mobile release on a weekend. I wrote the "
            "checklist, I ran the dry run on Friday, and the release went out with no rollback.",
      { 0 }, 0 },
};

/* CV facts in English number words: lengths and counts. */
static const case_t credentials_in_words[] = {
    { "en", "I've been in sales for six years, worked with a dozen enterprise accounts and closed "
            "over a hundred deals.", { 0 }, 0 },
    { "en", "I worked at two startups that were acquired, spent eight years in product and shipped "
            "a dozen features.", { 0 }, 0 },
};

static void test_flag_rules(void **state)
{
    (void)state;
    check_story(story_with_habits, N(story_with_habits), STORY);
    check_story(story_with_terms, N(story_with_terms), STRONG_SIZED);
    check_flagged(list_one_claim, N(list_one_claim), SC_EVF_KEYWORD_LIST, false);
    check_flagged(list_disowned, N(list_disowned), SC_EVF_NEGATED, true);
    check_flagged(disowned_then_theirs, N(disowned_then_theirs), SC_EVF_NEGATED, false);
    check_flagged(credentials_in_words, N(credentials_in_words), SC_EVF_CREDENTIALS, false);
    failed = 0;
    /* one reason: negated alone */
    for (size_t i = 0; i < N(list_disowned); i++) {
        run_t r = analyse(&list_disowned[i]);
        for (size_t f = 0; f < SC_EVF_N; f++)
            CHECK(&r, f == SC_EVF_NEGATED || !r.ev.flag[f].set, "flag %s set with negated",
                  sc_ev_flag_name((sc_ev_flag_t)f));
        done(&r);
    }
    for (size_t i = 0; i < N(disowned_then_mine); i++) {
        run_t r = analyse(&disowned_then_mine[i]);
        CHECK(&r, !r.ev.flag[SC_EVF_NEGATED].set, "negated although the speaker tells an occasion");
        expect_flag(&r, SC_EVF_NEARBY_STORY);
        CHECK(&r, r.ev.count[SC_EV_ACTION] >= 1, "no first-person action");
        CHECK(&r, r.ev.star[SC_STAR_ACTION].present, "the nearby story has no action part");
        done(&r);
    }
    for (size_t i = 0; i < N(not_disowned); i++) {
        run_t r = analyse(&not_disowned[i]);
        expect_no_flag(&r);
        CHECK(&r, r.ev.count[SC_EV_ACTION] >= 1, "no first-person action");
        done(&r);
    }
    assert_int_equal(failed, 0);
}


/* Habits and pastimes (平时…每天会…, "in my spare time", "I've been
 * learning"): no deed, no situation, so no STAR part; a deflection with
 * nothing on the subject (here: no keyword in play) is off topic. */
static const case_t habits[] = {
    /* one sentence: a later sentence with a stated "I built…" is a deed (a known gap) */
    { "en", "In my spare time I've been learning Rust, built a little chess engine and read a lot "
            "of blogs about compilers.", { 0 }, 0 },
    { "zh-Hans", "我平时挺喜欢摄影的，周末会去郊区拍鸟，自己还做了一个相册网站。去年拍了两千多张。",
      { 0 }, 0 },
    { "zh-Hant", "我平時很喜歡烘焙，每個週末都會做蛋糕，還自己開了一個粉絲專頁。", { 0 }, 0 },
    { "mixed", "我最近在学 machine learning，周末会刷 Kaggle 的比赛，也用 PyTorch 做了几个小 demo。",
      { 0 }, 0 },
};

static const case_t deflections[] = {
    { "en", "I'd rather talk about my volunteering, if that's fine. I coached a kids' football team "
            "for two seasons.", { 0 }, 0 },
    { "zh-Hans", "这个问题我觉得有点难回答。我可以说说我为什么想加入贵公司吗？", { 0 }, 0 },
    { "zh-Hant", "我可以說說我在學校社團的經驗嗎？我大三的時候當過熱音社社長。", { 0 }, 0 },
    { "mixed", "Can I ask 一下这个 role 的 reporting line 是怎样的？我想先了解一下再回答。", { 0 }, 0 },
    /* another subject the speaker would rather talk about */
    { "zh-Hans", "开发客户这个，我先说一下为什么想来贵公司吧。我研究过你们的产品，觉得你们口碑特别好。",
      { 0 }, 0 },
    { "zh-Hans", "这个问题我觉得有点偏管理了，我更想聊聊技术。我最近一直在研究Rust。", { 0 }, 0 },
    { "zh-Hant", "我比較想講我怎麼拿下一個新客戶，因為那個比較有成就感。", { 0 }, 0 },
};

/* A deflection followed by a story with the competency's keyword: not off topic. */
static const case_t deflect_then_story[] = {
    { "en", "Can I talk about a different project? Last year our checkout kept failing, so I "
            "rewrote the retry logic and the failures dropped by half.", { "retry logic", 0 }, 0 },
    { "zh-Hans", "我可以说说另一个项目吗？去年我们的客户投诉很多，我把投诉分成三类，各找了负责人，"
                 "两个月后投诉少了一半。", { "客户投诉", 0 }, 0 },
    { "zh-Hant", "這個問題有點難回答，不過前年我處理過一次客訴：我先道歉，再查紀錄，當天就補寄了。",
      { "客訴", 0 }, 0 },
    { "mixed", "我可以讲讲上一份工作吗？那时 code review 很乱，我写了一份 checklist，"
               "后来 review 的时间少了一半。", { "code review", 0 }, 0 },
};

static void test_habits_and_deflections(void **state)
{
    (void)state;
    failed = 0;
    for (size_t i = 0; i < N(habits); i++) {
        run_t r = analyse(&habits[i]);
        CHECK(&r, r.ev.count[SC_EV_ACTION] == 0, "a deed in a habit");
        for (int p = 0; p < SC_STAR_N; p++)
            CHECK(&r, !r.ev.star[p].present, "STAR part %d in hobby talk", p);
        CHECK(&r, !r.ev.flag[SC_EVF_OFF_TOPIC].set, "off_topic with no deflection");
        done(&r);
    }
    for (size_t i = 0; i < N(deflections); i++) {
        run_t r = analyse(&deflections[i]);
        CHECK(&r, r.ev.flag[SC_EVF_OFF_TOPIC].set, "a deflection not flagged off_topic");
        sc_span_t z = r.ev.flag[SC_EVF_OFF_TOPIC].span;
        CHECK(&r, z.end > z.start && z.end <= strlen(deflections[i].text), "span outside the answer");
        done(&r);
    }
    for (size_t i = 0; i < N(deflect_then_story); i++) {
        run_t r = analyse(&deflect_then_story[i]);
        CHECK(&r, !r.ev.flag[SC_EVF_OFF_TOPIC].set, "off_topic although a story on the subject follows");
        CHECK(&r, r.ev.count[SC_EV_ACTION] >= 1, "no first-person action");
        done(&r);
    }
    assert_int_equal(failed, 0);
}

/* Every category has an answer in each language. */
static void test_languages(void **state)
{
    (void)state;
    static const struct {
        const case_t *c;
        size_t n;
    } all[] = {
        { strong_numbers, N(strong_numbers) }, { strong_no_numbers, N(strong_no_numbers) },
        { modest_real, N(modest_real) },       { hedged, N(hedged) },
        { rambling, N(rambling) },             { fillers, N(fillers) },
        { keyword_list, N(keyword_list) },     { credentials, N(credentials) },
        { generic_claim, N(generic_claim) },   { negated, N(negated) },
        { hypothetical, N(hypothetical) },     { team_without_me, N(team_without_me) },
        { borrowed_result, N(borrowed_result) }, { off_topic, N(off_topic) },
    };
    static const char *const langs[] = { "en", "zh-Hans", "zh-Hant", "mixed" };
    for (size_t g = 0; g < N(all); g++) {
        assert_true(all[g].n >= 3);
        for (size_t l = 0; l < N(langs); l++) {
            bool seen = false;
            for (size_t i = 0; i < all[g].n; i++)
                seen |= strcmp(all[g].c[i].lang, langs[l]) == 0;
            if (!seen)
                fail_msg("category group %zu has no %s answer", g, langs[l]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strong_numbers),
        cmocka_unit_test(test_strong_no_numbers),
        cmocka_unit_test(test_modest_real),
        cmocka_unit_test(test_hedged),
        cmocka_unit_test(test_rambling),
        cmocka_unit_test(test_fillers),
        cmocka_unit_test(test_keyword_list),
        cmocka_unit_test(test_credentials),
        cmocka_unit_test(test_generic_claim),
        cmocka_unit_test(test_negated),
        cmocka_unit_test(test_hypothetical),
        cmocka_unit_test(test_team_without_me),
        cmocka_unit_test(test_borrowed_result),
        cmocka_unit_test(test_off_topic),
        cmocka_unit_test(test_flag_rules),
        cmocka_unit_test(test_habits_and_deflections),
        cmocka_unit_test(test_languages),
    };
    return cmocka_run_group_tests(tests, ev_setup, ev_teardown);
}
