/* services/notify/template_defaults.c - the templates that ship, zh-CN and en, email and SMS
 *
 * A tenant with no template of its own for an event, channel and locale
 * gets these (nt_template_effective). They use only what the event always
 * has bare, and the rest inside sections that test it, like any saved
 * template: test-template.c compiles and renders every one. docs/notify.md
 * "Templates" quotes them.
 */
#include "template.h"

#include <stddef.h>

#define ZH 0
#define EN 1
#define EMAIL(ev, loc, subject, text, html) { NT_EV_##ev, NT_CH_EMAIL, loc, subject, text, html }
#define SMS(ev, loc, text) { NT_EV_##ev, NT_CH_SMS, loc, NULL, text, NULL }

#define HTML_FOOT_ZH "<p>{{sender_name}}</p>{{#status_link}}<p><a href=\"{{status_link}}\">查看申请进度</a></p>{{/status_link}}"
#define HTML_FOOT_EN "<p>{{sender_name}}</p>{{#status_link}}<p><a href=\"{{status_link}}\">Your application's status</a></p>{{/status_link}}"
#define TEXT_FOOT_ZH "\n\n{{sender_name}}{{#status_link}}\n申请进度：{{status_link}}{{/status_link}}\n"
#define TEXT_FOOT_EN "\n\n{{sender_name}}{{#status_link}}\nYour application's status: {{status_link}}{{/status_link}}\n"

static const nt_default_t defaults[] = {
    /* ---- invitation ---- */
    EMAIL(INVITATION, ZH, "邀请您参加{{company_name}}「{{job_title}}」的AI面试",
          "{{candidate_name}}您好：\n\n感谢您申请{{company_name}}的「{{job_title}}」职位。我们诚邀您参加一场AI面试。"
          "{{#interview_time}}\n面试时间：{{interview_time}}。{{/interview_time}}"
          "\n请通过以下链接选择或确认面试时间：{{booking_link}}"
          "{{#booking_deadline}}\n链接有效期至{{booking_deadline}}。{{/booking_deadline}}" TEXT_FOOT_ZH,
          "<p>{{candidate_name}}您好：</p><p>感谢您申请{{company_name}}的「{{job_title}}」职位。我们诚邀您参加一场AI面试。</p>"
          "{{#interview_time}}<p>面试时间：{{interview_time}}。</p>{{/interview_time}}"
          "<p><a href=\"{{booking_link}}\">选择或确认面试时间</a></p>"
          "{{#booking_deadline}}<p>链接有效期至{{booking_deadline}}。</p>{{/booking_deadline}}" HTML_FOOT_ZH),
    EMAIL(INVITATION, EN, "Your AI interview for {{job_title}} at {{company_name}}",
          "Dear {{candidate_name}},\n\nThank you for applying for {{job_title}} at {{company_name}}. "
          "We would like to invite you to an AI interview."
          "{{#interview_time}}\nIt is set for {{interview_time}}.{{/interview_time}}"
          "\nChoose or confirm your time here: {{booking_link}}"
          "{{#booking_deadline}}\nThe link works until {{booking_deadline}}.{{/booking_deadline}}" TEXT_FOOT_EN,
          "<p>Dear {{candidate_name}},</p><p>Thank you for applying for {{job_title}} at {{company_name}}. "
          "We would like to invite you to an AI interview.</p>"
          "{{#interview_time}}<p>It is set for {{interview_time}}.</p>{{/interview_time}}"
          "<p><a href=\"{{booking_link}}\">Choose or confirm your time</a></p>"
          "{{#booking_deadline}}<p>The link works until {{booking_deadline}}.</p>{{/booking_deadline}}" HTML_FOOT_EN),
    SMS(INVITATION, ZH, "【{{sender_name}}】{{candidate_name}}您好，邀请您参加「{{job_title}}」AI面试，请选择时间：{{booking_link}}"),
    SMS(INVITATION, EN, "{{sender_name}}: {{candidate_name}}, you are invited to an AI interview for {{job_title}}. Book a time: {{booking_link}}"),

    /* ---- reminder ---- */
    EMAIL(REMINDER, ZH, "提醒：您的AI面试将于{{interview_when}}开始",
          "{{candidate_name}}您好：\n\n您应聘{{company_name}}「{{job_title}}」的AI面试将于{{interview_time}}开始，请提前准备好安静的环境。"
          "{{#booking_link}}\n如需改期：{{booking_link}}{{/booking_link}}" TEXT_FOOT_ZH,
          "<p>{{candidate_name}}您好：</p><p>您应聘{{company_name}}「{{job_title}}」的AI面试将于<strong>{{interview_time}}</strong>开始，请提前准备好安静的环境。</p>"
          "{{#booking_link}}<p><a href=\"{{booking_link}}\">如需改期</a></p>{{/booking_link}}" HTML_FOOT_ZH),
    EMAIL(REMINDER, EN, "Reminder: your AI interview is {{interview_when}}",
          "Dear {{candidate_name}},\n\nYour AI interview for {{job_title}} at {{company_name}} starts on {{interview_time}}. "
          "Please find a quiet place beforehand."
          "{{#booking_link}}\nTo move it: {{booking_link}}{{/booking_link}}" TEXT_FOOT_EN,
          "<p>Dear {{candidate_name}},</p><p>Your AI interview for {{job_title}} at {{company_name}} starts on <strong>{{interview_time}}</strong>. "
          "Please find a quiet place beforehand.</p>"
          "{{#booking_link}}<p><a href=\"{{booking_link}}\">To move it</a></p>{{/booking_link}}" HTML_FOOT_EN),
    SMS(REMINDER, ZH, "【{{sender_name}}】您的AI面试将于{{interview_when}}开始，应聘职位：{{job_title}}，请准时参加。{{#booking_link}}改期：{{booking_link}}{{/booking_link}}"),
    SMS(REMINDER, EN, "{{sender_name}}: your AI interview for {{job_title}} starts {{interview_when}}.{{#booking_link}} To move it: {{booking_link}}{{/booking_link}}"),

    /* ---- reschedule ---- */
    EMAIL(RESCHEDULE, ZH, "您的AI面试时间已调整为{{interview_time}}",
          "{{candidate_name}}您好：\n\n您应聘{{company_name}}「{{job_title}}」的AI面试已由{{previous_time}}调整为{{interview_time}}。"
          "{{#reason}}\n原因：{{reason}}{{/reason}}"
          "{{#booking_link}}\n如需再次改期：{{booking_link}}{{/booking_link}}" TEXT_FOOT_ZH,
          "<p>{{candidate_name}}您好：</p><p>您应聘{{company_name}}「{{job_title}}」的AI面试已由{{previous_time}}调整为<strong>{{interview_time}}</strong>。</p>"
          "{{#reason}}<p>原因：{{reason}}</p>{{/reason}}"
          "{{#booking_link}}<p><a href=\"{{booking_link}}\">如需再次改期</a></p>{{/booking_link}}" HTML_FOOT_ZH),
    EMAIL(RESCHEDULE, EN, "Your AI interview moved to {{interview_time}}",
          "Dear {{candidate_name}},\n\nYour AI interview for {{job_title}} at {{company_name}} has moved from {{previous_time}} to {{interview_time}}."
          "{{#reason}}\nReason: {{reason}}{{/reason}}"
          "{{#booking_link}}\nTo move it again: {{booking_link}}{{/booking_link}}" TEXT_FOOT_EN,
          "<p>Dear {{candidate_name}},</p><p>Your AI interview for {{job_title}} at {{company_name}} has moved from {{previous_time}} to <strong>{{interview_time}}</strong>.</p>"
          "{{#reason}}<p>Reason: {{reason}}</p>{{/reason}}"
          "{{#booking_link}}<p><a href=\"{{booking_link}}\">To move it again</a></p>{{/booking_link}}" HTML_FOOT_EN),
    SMS(RESCHEDULE, ZH, "【{{sender_name}}】您的AI面试已调整为{{interview_time}}（原{{previous_time}}），职位：{{job_title}}。"),
    SMS(RESCHEDULE, EN, "{{sender_name}}: your AI interview for {{job_title}} moved to {{interview_time}} (was {{previous_time}})."),

    /* ---- cancellation ---- */
    EMAIL(CANCELLATION, ZH, "您{{interview_time}}的AI面试已取消",
          "{{candidate_name}}您好：\n\n您应聘{{company_name}}「{{job_title}}」、原定于{{interview_time}}的AI面试已取消。"
          "{{#reason}}\n原因：{{reason}}{{/reason}}"
          "{{#booking_link}}\n您可以重新预约：{{booking_link}}{{/booking_link}}" TEXT_FOOT_ZH,
          "<p>{{candidate_name}}您好：</p><p>您应聘{{company_name}}「{{job_title}}」、原定于{{interview_time}}的AI面试已取消。</p>"
          "{{#reason}}<p>原因：{{reason}}</p>{{/reason}}"
          "{{#booking_link}}<p><a href=\"{{booking_link}}\">重新预约</a></p>{{/booking_link}}" HTML_FOOT_ZH),
    EMAIL(CANCELLATION, EN, "Your AI interview on {{interview_time}} is cancelled",
          "Dear {{candidate_name}},\n\nYour AI interview for {{job_title}} at {{company_name}}, set for {{interview_time}}, is cancelled."
          "{{#reason}}\nReason: {{reason}}{{/reason}}"
          "{{#booking_link}}\nYou may book again: {{booking_link}}{{/booking_link}}" TEXT_FOOT_EN,
          "<p>Dear {{candidate_name}},</p><p>Your AI interview for {{job_title}} at {{company_name}}, set for {{interview_time}}, is cancelled.</p>"
          "{{#reason}}<p>Reason: {{reason}}</p>{{/reason}}"
          "{{#booking_link}}<p><a href=\"{{booking_link}}\">Book again</a></p>{{/booking_link}}" HTML_FOOT_EN),
    SMS(CANCELLATION, ZH, "【{{sender_name}}】您{{interview_time}}的AI面试（{{job_title}}）已取消。{{#booking_link}}重新预约：{{booking_link}}{{/booking_link}}"),
    SMS(CANCELLATION, EN, "{{sender_name}}: your AI interview for {{job_title}} on {{interview_time}} is cancelled.{{#booking_link}} Book again: {{booking_link}}{{/booking_link}}"),

    /* ---- thank_you (the application is declined) ---- */
    EMAIL(THANK_YOU, ZH, "感谢您申请{{company_name}}「{{job_title}}」职位",
          "{{candidate_name}}您好：\n\n感谢您对{{company_name}}「{{job_title}}」职位的关注与投入。经过慎重评估，我们这次无法与您继续推进。"
          "我们会保留您的资料，期待未来有合作的机会。" TEXT_FOOT_ZH,
          "<p>{{candidate_name}}您好：</p><p>感谢您对{{company_name}}「{{job_title}}」职位的关注与投入。经过慎重评估，我们这次无法与您继续推进。"
          "我们会保留您的资料，期待未来有合作的机会。</p>" HTML_FOOT_ZH),
    EMAIL(THANK_YOU, EN, "Thank you for applying for {{job_title}} at {{company_name}}",
          "Dear {{candidate_name}},\n\nThank you for your interest in {{job_title}} at {{company_name}} and for the time you gave us. "
          "After careful review we will not move forward with your application this time. "
          "We will keep your details and hope our paths cross again." TEXT_FOOT_EN,
          "<p>Dear {{candidate_name}},</p><p>Thank you for your interest in {{job_title}} at {{company_name}} and for the time you gave us. "
          "After careful review we will not move forward with your application this time. "
          "We will keep your details and hope our paths cross again.</p>" HTML_FOOT_EN),
    SMS(THANK_YOU, ZH, "【{{sender_name}}】{{candidate_name}}您好，感谢您申请「{{job_title}}」，很遗憾本次未能进入下一轮，期待未来合作。"),
    SMS(THANK_YOU, EN, "{{sender_name}}: {{candidate_name}}, thank you for applying for {{job_title}}. We will not move forward this time."),

    /* ---- offer ---- */
    EMAIL(OFFER, ZH, "恭喜！{{company_name}}「{{job_title}}」录用通知",
          "{{candidate_name}}您好：\n\n恭喜您！我们很高兴向您发出{{company_name}}「{{job_title}}」职位的录用通知。"
          "{{#start_date}}\n入职日期：{{start_date}}。{{/start_date}}"
          "\n我们的招聘同事会尽快与您联系确认细节。" TEXT_FOOT_ZH,
          "<p>{{candidate_name}}您好：</p><p>恭喜您！我们很高兴向您发出{{company_name}}「{{job_title}}」职位的录用通知。</p>"
          "{{#start_date}}<p>入职日期：{{start_date}}。</p>{{/start_date}}"
          "<p>我们的招聘同事会尽快与您联系确认细节。</p>" HTML_FOOT_ZH),
    EMAIL(OFFER, EN, "Your offer for {{job_title}} at {{company_name}}",
          "Dear {{candidate_name}},\n\nCongratulations! We are delighted to offer you the position of {{job_title}} at {{company_name}}."
          "{{#start_date}}\nYour first day: {{start_date}}.{{/start_date}}"
          "\nA recruiter will contact you shortly about the details." TEXT_FOOT_EN,
          "<p>Dear {{candidate_name}},</p><p>Congratulations! We are delighted to offer you the position of {{job_title}} at {{company_name}}.</p>"
          "{{#start_date}}<p>Your first day: {{start_date}}.</p>{{/start_date}}"
          "<p>A recruiter will contact you shortly about the details.</p>" HTML_FOOT_EN),
    SMS(OFFER, ZH, "【{{sender_name}}】恭喜{{candidate_name}}！您已获得「{{job_title}}」录用通知，详情请查收邮件。"),
    SMS(OFFER, EN, "{{sender_name}}: congratulations {{candidate_name}}! You have an offer for {{job_title}}; details by email."),
};

const nt_default_t *nt_default(nt_event_t ev, nt_channel_t ch, int locale)
{
    for (size_t i = 0; i < sizeof(defaults) / sizeof(*defaults); i++)
        if (defaults[i].event == ev && defaults[i].channel == ch && defaults[i].locale == locale)
            return &defaults[i];
    return NULL;
}
