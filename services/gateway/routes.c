/* services/gateway/routes.c - the one route table: method + path -> handler or bus method
 *
 * Every route of the gateway is a line here; the OpenAPI document, the
 * per-route metrics and the scope checks are derived from this table. A bus
 * route names the service descriptor and method; proxy.c does the rest. A
 * local route names its handler, which gw_local_phase (the content phase,
 * phases.c) calls.
 */
#include "gateway.h"
#include "services.h"

#include "hf/codec.h"
#include "hf/log.h"
#include "hrflow/v1/identity.pb-c.h"
#include "hrflow/v1/notify.pb-c.h"
#include "hrflow/v1/payroll.pb-c.h"
#include "hrflow/v1/pipeline.pb-c.h"
#include "hrflow/v1/scheduling.pb-c.h"
#include "hrflow/v1/scoring.pb-c.h"

#include <string.h>
#include <strings.h>

/* A route served by a local handler; `inline` when it never waits and may
 * run on libmicrohttpd's own threads. */
#define LOCAL(method, pattern, fn, name, inline, summary) \
    { method, pattern, fn, name, NULL, NULL, NULL, 0, 0, summary, inline, 0, NULL, NULL, NULL, 0 }
/* A route served by a bus method: body is NULL, "*" or the request field it
 * fills; scopes may call it (admin always may); status of a success (0 = 200). */
#define BUS(method, pattern, name, service, rpc, body, scopes, status, summary) \
    { method, pattern, NULL, name, service, rpc, body, scopes, status, summary, 0, 0, NULL, NULL, \
      NULL, 0 }
/* A bus route whose body may be as large as HF_GATEWAY_MAX_UPLOAD. */
#define BUS_UPLOAD(method, pattern, name, service, rpc, body, scopes, status, summary) \
    { method, pattern, NULL, name, service, rpc, body, scopes, status, summary, 0, 1, NULL, NULL, \
      NULL, 0 }
/* A bus route whose body is a file (CSV, NDJSON) for the bytes field `field`. */
#define BUS_FILE(method, pattern, name, service, rpc, field, scopes, status, summary) \
    { method, pattern, NULL, name, service, rpc, NULL, scopes, status, summary, 0, 1, field, NULL, \
      NULL, 0 }

/* A file route whose optional body is a form (media
 * application/x-www-form-urlencoded), such as RFC 8058's one-click
 * "List-Unsubscribe=One-Click": the OpenAPI document says so instead of a file. */
#define BUS_FORM(method, pattern, name, service, rpc, field, scopes, status, summary) \
    { method, pattern, NULL, name, service, rpc, NULL, scopes, status, summary, 0, 1, field, NULL, \
      "application/x-www-form-urlencoded", 0 }

/* A bus route whose answer is a file of type media (an .ics): the reply's bytes
 * field `field` is the body. */
#define BUS_DOWNLOAD(method, pattern, name, service, rpc, field, media, scopes, summary) \
    { method, pattern, NULL, name, service, rpc, NULL, scopes, 0, summary, 0, 0, NULL, field, \
      media, 0 }

/* A bus route whose answer is a Server-Sent Events stream (text/event-stream)
 * of the pages its method hands out, one after another (stream.c). */
#define BUS_STREAM(method, pattern, name, service, rpc, scopes, summary) \
    { method, pattern, NULL, name, service, rpc, NULL, scopes, 0, summary, 0, 0, NULL, NULL, \
      "text/event-stream", 1 }

#define ID &hrflow__v1__identity__descriptor
#define SC &hrflow__v1__scoring__descriptor
#define PL &hrflow__v1__pipeline__descriptor
#define SCH &hrflow__v1__scheduling__descriptor
#define NT &hrflow__v1__notify__descriptor
#define PR &hrflow__v1__payroll__descriptor
#define REC GW_SCOPE_RECRUITER
#define HIRING (GW_SCOPE_RECRUITER | GW_SCOPE_INTEGRATOR)
#define READ GW_SCOPE_ANY
#define ADMIN GW_SCOPE_ADMIN
#define ENGINE GW_SCOPE_ENGINE
#define PAY GW_SCOPE_PAYROLL /* payroll routes: recruiters never see employees or salaries */

const gw_route_t gw_routes[] = {
    LOCAL("GET", "/healthz", gw_healthz, "healthz", 1, "Liveness: the process answers HTTP"),
    LOCAL("GET", "/readyz", gw_readyz, "readyz", 0,
          "Readiness: ready or not (PostgreSQL, Redis, the broker and every service answer)"),
    LOCAL("GET", "/openapi.json", gw_openapi, "openapi", 1, "This API's OpenAPI 3.1 document"),
    LOCAL("GET", "/asyncapi.json", gw_asyncapi, "asyncapi", 1,
          "The events' AsyncAPI 3.0 document (docs/events.md)"),

    BUS("GET", "/v1/tenants", "listTenants", ID, "ListTenants", NULL, READ, 0,
        "List the tenants the key can see (its own)"),
    BUS("GET", "/v1/tenants/{id}", "getTenant", ID, "GetTenant", NULL, READ, 0,
        "Get a tenant; \"current\" is the key's own"),
    BUS("PATCH", "/v1/tenants/{id}", "updateTenant", ID, "UpdateTenant", "tenant", ADMIN, 0,
        "Change a tenant's name; fields absent from the body are left alone"),

    BUS("GET", "/v1/companies", "listCompanies", ID, "ListCompanies", NULL, READ, 0,
        "List the companies of the group"),
    BUS("POST", "/v1/companies", "createCompany", ID, "CreateCompany", "company", ADMIN, 201,
        "Add a company (subsidiary) to the group"),
    BUS("GET", "/v1/companies/{id}", "getCompany", ID, "GetCompany", NULL, READ, 0,
        "Get a company"),
    BUS("PATCH", "/v1/companies/{id}", "updateCompany", ID, "UpdateCompany", "company", ADMIN, 0,
        "Change a company; fields absent from the body are left alone"),

    BUS("GET", "/v1/apikeys", "listApiKeys", ID, "ListApiKeys", NULL, ADMIN, 0,
        "List the tenant's API keys (never their secrets)"),
    BUS("POST", "/v1/apikeys", "createApiKey", ID, "CreateApiKey", "*", ADMIN, 201,
        "Create an API key; the token is shown once"),
    BUS("POST", "/v1/apikeys/{id}:revoke", "revokeApiKey", ID, "RevokeApiKey", NULL, ADMIN, 0,
        "Revoke an API key, effective at once"),

    BUS("GET", "/v1/jobs", "listJobs", PL, "ListJobs", NULL, HIRING, 0,
        "List jobs (requisitions), by company and status"),
    BUS("POST", "/v1/jobs", "createJob", PL, "CreateJob", "job", REC, 201,
        "Open a job: company, title, headcount, stages, automation rules"),
    BUS("GET", "/v1/jobs/{id}", "getJob", PL, "GetJob", NULL, HIRING, 0, "Get a job"),
    BUS("PATCH", "/v1/jobs/{id}", "updateJob", PL, "UpdateJob", "job", REC, 0,
        "Change a job; fields absent from the body are left alone"),
    BUS("GET", "/v1/jobs/{jobId}/applications", "listApplications", PL, "ListApplications",
        NULL, HIRING, 0, "List a job's applications, by stage"),
    BUS("POST", "/v1/candidates", "createCandidate", PL, "CreateCandidate", "candidate", REC,
        201, "Add a candidate, or find the one with the same phone, email or external id"),
    BUS("GET", "/v1/candidates/{id}", "getCandidate", PL, "GetCandidate", NULL, REC, 0,
        "Get a candidate"),
    BUS("POST", "/v1/applications", "createApplication", PL, "CreateApplication",
        "application", REC, 201, "Apply a candidate to a job (its first stage)"),
    BUS("GET", "/v1/applications/{id}", "getApplication", PL, "GetApplication", NULL, HIRING, 0,
        "Get an application with its stage history"),
    BUS("POST", "/v1/applications/{id}:advance", "advanceApplication", PL,
        "AdvanceApplication", "*", REC, 0,
        "Move an application to the next stage, or to toStage; If-Match guards the version"),
    BUS("POST", "/v1/applications/{id}:reject", "rejectApplication", PL, "RejectApplication",
        "*", REC, 0, "Reject an application, with a reason"),
    BUS_FILE("POST", "/v1/jobs/{jobId}/candidates:import", "importCandidates", PL,
             "ImportCandidates", "content", REC, 202,
             "Import candidates from a CSV, .xlsx or NDJSON file into a job; runs in the background"),
    BUS_FILE("POST", "/v1/candidates:import", "importCandidatesToJob", PL, "ImportCandidates",
             "content", REC, 202,
             "The same import with the job as ?jobId=: for tools that post every file to one URL"),
    BUS("POST", "/v1/applications/{applicationId}/assessments", "recordAssessment", PL,
        "RecordAssessment", "assessment", HIRING, 0,
        "Record a result (screening, AI interview, test, background check) and run the job's "
        "rules on it; the same eventId twice acts once"),
    BUS("GET", "/v1/applications/{applicationId}/assessments", "listAssessments", PL,
        "ListAssessments", NULL, HIRING, 0,
        "Every result of an application with what the job's rules decided on it, and why"),
    BUS("GET", "/v1/applications/{applicationId}/evaluation", "getEvaluation", PL,
        "GetEvaluation", NULL, HIRING, 0,
        "The composite evaluation: weighted score, band, recommendation, missing parts"),
    BUS("GET", "/v1/jobs/{jobId}/audit", "getAudit", PL, "GetAudit", NULL, GW_SCOPE_ADMIN, 0,
        "Adverse-impact audit: selection rate per self-reported group and stage, "
        "flagged below four fifths of the best"),
    BUS("GET", "/v1/jobs/{jobId}/funnel", "getFunnel", PL, "GetFunnel", NULL, HIRING, 0,
        "A job's funnel: per stage, applications now and ever, conversion, time in stage"),
    BUS("GET", "/v1/imports/{id}", "getImport", PL, "GetImport", NULL, HIRING, 0,
        "An import's progress: processed, created, duplicates, failed, per-row errors"),
    BUS("POST", "/v1/jobs/{jobId}/rules:dryRun", "dryRunRules", PL, "DryRunRules", "*", REC, 0,
        "Which applications a job's rules (or rules to try) would move, and why; changes nothing"),
    BUS("GET", "/v1/candidate-status/{token}", "getCandidateStatus", PL, "GetCandidateStatus",
        NULL, GW_SCOPE_PUBLIC, 0,
        "For the candidate, no API key: stage, next step, interview time, feedback hints"),
    BUS("POST", "/v1/candidate-status/{token}:requestReview", "requestHumanReview", PL,
        "RequestHumanReview", "*", GW_SCOPE_PUBLIC, 0,
        "For the candidate, no API key: ask for a person to review the automated decisions"),

    BUS("GET", "/v1/competency-models", "listCompetencyModels", SC, "ListCompetencyModels",
        NULL, HIRING, 0, "List competency models (the latest version of each)"),
    BUS("POST", "/v1/competency-models", "createCompetencyModel", SC, "CreateCompetencyModel",
        "model", GW_SCOPE_RECRUITER, 201, "Create a competency model (version 1)"),
    BUS("GET", "/v1/competency-models/{id}", "getCompetencyModel", SC, "GetCompetencyModel",
        NULL, HIRING, 0, "Get a competency model; ?version=N for an older version"),
    BUS("PATCH", "/v1/competency-models/{id}", "updateCompetencyModel", SC,
        "UpdateCompetencyModel", "model", GW_SCOPE_RECRUITER, 0,
        "Change a competency model: a new version; reports keep naming the one they used"),
    BUS("GET", "/v1/questions", "listQuestions", SC, "ListQuestions", NULL, HIRING, 0,
        "List the question bank, with usage statistics"),
    BUS("POST", "/v1/questions", "createQuestion", SC, "CreateQuestion", "question",
        GW_SCOPE_RECRUITER, 201, "Add a question to the bank"),
    BUS("GET", "/v1/questions/{id}", "getQuestion", SC, "GetQuestion", NULL, HIRING, 0,
        "Get a question and its statistics (times asked, average score, points often missed)"),
    BUS("POST", "/v1/scoring:preview", "previewScore", SC, "Preview", "*", HIRING, 0,
        "Score one answer against a competency model, stateless"),
    BUS("POST", "/v1/scoring:screenResume", "screenResume", SC, "ScreenResume", "*", HIRING, 0,
        "Screening score (0-100) of a resume against a model and requirements"),
    BUS("POST", "/v1/scoring:screenResumes", "screenResumes", SC, "ScreenResumes", "*", HIRING,
        0, "Screening scores of up to 64 resumes at once, each refused on its own"),
    BUS("POST", "/v1/scoring:selectQuestions", "selectQuestions", SC, "SelectQuestions", "*",
        HIRING, 0, "Pick interview questions for a resume and a job, with the reasons"),
    BUS_UPLOAD("POST", "/v1/interviews/{interviewId}:score", "scoreInterview", SC,
               "ScoreInterview", "*", HIRING | GW_SCOPE_ENGINE, 0,
               "Score an AI interview's transcript (and call audio) into its report"),
    BUS("GET", "/v1/interviews/{interviewId}/report", "getInterviewReport", SC, "GetReport",
        NULL, HIRING, 0, "The report of a scored interview"),
    BUS("GET", "/v1/scoring/settings", "getScoringSettings", SC, "GetScoringSettings", NULL,
        GW_SCOPE_ANY, 0, "The tenant's scoring settings (emotion labels)"),
    BUS("PATCH", "/v1/scoring/settings", "updateScoringSettings", SC, "UpdateScoringSettings",
        "settings", ADMIN, 0, "Change the tenant's scoring settings"),

    /* ---- scheduling: AI-interview lines and interviews ---- */
    BUS("GET", "/v1/interview-lines", "getLineSettings", SCH, "GetLineSettings", NULL, HIRING, 0,
        "The group's AI-interview lines: concurrent calls, slot length, time zone, working "
        "hours, invitation window"),
    BUS("PATCH", "/v1/interview-lines", "updateLineSettings", SCH, "UpdateLineSettings",
        "settings", ADMIN, 0,
        "Change the group's lines; the future slots follow, no booking is dropped"),
    BUS("GET", "/v1/companies/{companyId}/interview-lines", "getCompanyLineSettings", SCH,
        "GetLineSettings", NULL, HIRING, 0,
        "A company's AI-interview lines: its own settings and what applies to it"),
    BUS("PATCH", "/v1/companies/{companyId}/interview-lines", "updateCompanyLineSettings", SCH,
        "UpdateLineSettings", "settings", ADMIN, 0,
        "Change a company's lines (0 and empty fields: the group's)"),
    BUS("GET", "/v1/interview-closures", "listClosures", SCH, "ListClosures", NULL, HIRING, 0,
        "Holidays and blackouts without AI interviews, of the group and of ?companyId="),
    BUS("POST", "/v1/interview-closures", "createClosure", SCH, "CreateClosure", "closure", ADMIN,
        201, "Close a day (holiday) or a window (blackout) to AI interviews"),
    BUS("DELETE", "/v1/interview-closures/{id}", "deleteClosure", SCH, "DeleteClosure", NULL,
        ADMIN, 0, "Reopen a closed day or window"),
    BUS("GET", "/v1/interview-slots", "listSlots", SCH, "ListSlots", NULL, HIRING, 0,
        "A company's AI-interview slots with their free seats, per slot and per day"),
    BUS("GET", "/v1/interviews", "listInterviews", SCH, "ListInterviews", NULL, HIRING, 0,
        "AI interviews, by job, application, state and time"),
    BUS("GET", "/v1/interviews/{id}", "getInterview", SCH, "GetInterview", NULL, HIRING, 0,
        "An AI interview: its state, its slot and why it last moved"),
    BUS("POST", "/v1/interviews/{id}:cancel", "cancelInterview", SCH, "CancelInterview", "*", REC,
        0, "Cancel an AI interview; its seat is free again"),
    BUS("POST", "/v1/interviews/{id}:reschedule", "rescheduleInterview", SCH,
        "RescheduleInterview", "*", REC, 0,
        "Move an AI interview to a free slot (startTime), or to the next free one"),
    BUS_DOWNLOAD("GET", "/v1/interviews/{id}/calendar.ics", "getInterviewCalendar", SCH,
                 "GetInterviewCalendar", "data", "text/calendar", HIRING,
                 "An AI interview as a calendar file (RFC 5545): the same UID on every "
                 "version, SEQUENCE up on each reschedule, METHOD:CANCEL once cancelled"),
    /* ---- scheduling: the candidate's booking link (the token is the key) ---- */
    BUS("GET", "/v1/interview-booking/{token}", "getInterviewBooking", SCH,
        "GetInterviewBooking", NULL, GW_SCOPE_PUBLIC, 0,
        "For the candidate, no API key: their AI interview, reschedules left, the link's end"),
    BUS("GET", "/v1/interview-booking/{token}/slots", "listBookingSlots", SCH, "ListBookingSlots",
        NULL, GW_SCOPE_PUBLIC, 0,
        "For the candidate: free slots they may book (?fromDay=&days=), before the link ends"),
    BUS("POST", "/v1/interview-booking/{token}:reschedule", "bookInterview", SCH,
        "BookInterview", "*", GW_SCOPE_PUBLIC, 0,
        "For the candidate: book a free slot (startTime), or move to one, up to the job's limit"),
    BUS("POST", "/v1/interview-booking/{token}:cancel", "cancelBooking", SCH, "CancelBooking",
        "*", GW_SCOPE_PUBLIC, 0, "For the candidate: cancel the AI interview"),
    BUS_DOWNLOAD("GET", "/v1/interview-booking/{token}/calendar.ics", "getBookingCalendar", SCH,
                 "GetInterviewCalendar", "data", "text/calendar", GW_SCOPE_PUBLIC,
                 "For the candidate: their AI interview as a calendar file (RFC 5545)"),
    BUS("GET", "/v1/jobs/{jobId}/interview-settings", "getJobInterviewSettings", SCH,
        "GetJobInterviewSettings", NULL, HIRING, 0,
        "A job's AI-interview settings (reminders, no-show grace, invitation expiry, "
        "reschedules, calls): its own and what applies"),
    BUS("PATCH", "/v1/jobs/{jobId}/interview-settings", "updateJobInterviewSettings", SCH,
        "UpdateJobInterviewSettings", "settings", REC, 0,
        "Change a job's AI-interview settings; its open interviews' coming reminders follow"),
    /* ---- scheduling: call engines ---- */
    BUS("POST", "/v1/call-engine/leases", "claimCalls", SCH, "ClaimCalls", "*", ENGINE, 0,
        "Claim up to max AI interviews due now, each under a lease (never more than the lines "
        "free)"),
    BUS("POST", "/v1/call-engine/leases/{leaseId}:renew", "renewCallLease", SCH,
        "RenewCallLease", "*", ENGINE, 0,
        "Keep a lease while the call runs; a lease not renewed lapses and its interview goes "
        "back"),
    BUS("GET", "/v1/call-engine/leases/{leaseId}/questions", "getCallQuestions", SCH,
        "GetCallQuestions", NULL, ENGINE, 0,
        "Whom to call and what to ask: questions chosen for the candidate's resume"),
    BUS("POST", "/v1/call-engine/leases/{leaseId}:report", "reportCall", SCH, "ReportCall", "*",
        ENGINE, 0,
        "Report a call: started, completed, no_answer or failed (retried, then no-show)"),
    /* ---- scheduling: rounds ---- */
    BUS("GET", "/v1/interviewers", "listInterviewers", SCH, "ListInterviewers", NULL, REC, 0,
        "List interviewers, by company or email"),
    BUS("POST", "/v1/interviewers", "createInterviewer", SCH, "CreateInterviewer", "interviewer",
        REC, 201, "Add an interviewer of a company: name, email, time zone, weekly working hours"),
    BUS("GET", "/v1/interviewers/{id}", "getInterviewer", SCH, "GetInterviewer", NULL, REC, 0,
        "Get an interviewer"),
    BUS("PATCH", "/v1/interviewers/{id}", "updateInterviewer", SCH, "UpdateInterviewer",
        "interviewer", REC, 0,
        "Change an interviewer's name, email, time zone or working hours; booked rounds stay"),
    BUS("POST", "/v1/interviewers/{interviewerId}/busy-blocks", "addBusyBlock", SCH,
        "AddBusyBlock", "busy_block", REC, 201,
        "Mark an interviewer busy (from their calendar); refused over a round of theirs"),
    BUS("GET", "/v1/interviewers/{interviewerId}/busy-blocks", "listBusyBlocks", SCH,
        "ListBusyBlocks", NULL, REC, 0, "An interviewer's busy blocks"),
    BUS("DELETE", "/v1/interviewers/{interviewerId}/busy-blocks/{id}", "removeBusyBlock", SCH,
        "RemoveBusyBlock", NULL, REC, 0, "Remove a busy block: the interviewer is free again"),
    BUS("POST", "/v1/rounds:suggest", "suggestRoundSlots", SCH, "SuggestRoundSlots", "*", REC, 0,
        "Common free slots of a panel in a window: all inside their working hours, none busy "
        "or booked; earliest first"),
    BUS("POST", "/v1/rounds", "scheduleRound", SCH, "ScheduleRound", "round", REC, 201,
        "Book an HR or final round for an application with a panel; 409 naming who is not free"),
    BUS("GET", "/v1/rounds", "listRounds", SCH, "ListRounds", NULL, HIRING, 0,
        "List rounds, by application, interviewer and status"),
    BUS("GET", "/v1/rounds/{id}", "getRound", SCH, "GetRound", NULL, HIRING, 0, "Get a round"),
    BUS_DOWNLOAD("GET", "/v1/rounds/{id}/calendar.ics", "getRoundCalendar", SCH,
                 "GetRoundCalendar", "data", "text/calendar", HIRING,
                 "A round as a calendar file (RFC 5545): its latest version under the first "
                 "one's UID, SEQUENCE up on each reschedule, METHOD:CANCEL once cancelled"),
    BUS("POST", "/v1/rounds/{id}:complete", "completeRound", SCH, "CompleteRound", "*", REC, 0,
        "A scheduled round took place; If-Match guards the version"),
    BUS("POST", "/v1/rounds/{id}:noShow", "markRoundNoShow", SCH, "MarkRoundNoShow", "*", REC, 0,
        "The candidate did not come to a scheduled round"),
    BUS("POST", "/v1/rounds/{id}:cancel", "cancelRound", SCH, "CancelRound", "*", REC, 0,
        "Cancel a scheduled round: its panel's time is free again"),
    BUS("POST", "/v1/rounds/{id}:reschedule", "rescheduleRound", SCH, "RescheduleRound", "*",
        REC, 0, "Move a scheduled round to a new time (and panel): a new round replaces it"),
    /* ---- payroll: attendance (work calendars, shifts, punches, leave, the month) ---- */
    BUS("GET", "/v1/attendance/calendars/{calendar}", "getWorkCalendar", PR, "GetWorkCalendar",
        NULL, PAY, 0,
        "A year of a work calendar (?year=): statutory holidays, rest days and adjusted "
        "workdays; the tenant's own or the shipped one (cn: 2025, 2026)"),
    BUS("POST", "/v1/attendance/calendars/{calendar}", "setWorkCalendarYear", PR,
        "SetWorkCalendarYear", "*", PAY, 0,
        "Set the tenant's year of a calendar (replaces its special days of that year); a key "
        "of the whole group"),
    BUS("GET", "/v1/attendance/companies/{companyId}/settings", "getAttendanceSettings", PR,
        "GetAttendanceSettings", NULL, PAY, 0,
        "A company's attendance settings: calendar, time zone, default shift"),
    BUS("PATCH", "/v1/attendance/companies/{companyId}/settings", "updateAttendanceSettings", PR,
        "UpdateAttendanceSettings", "settings", PAY, 0,
        "Choose a company's calendar, time zone or default shift"),
    BUS("POST", "/v1/attendance/shifts", "createShift", PR, "CreateShift", "shift", PAY, 201,
        "Add a named shift of a company: start, end (crossing midnight), graces, break"),
    BUS("GET", "/v1/attendance/shifts", "listShifts", PR, "ListShifts", NULL, PAY, 0,
        "A company's shifts (?companyId=)"),
    BUS("GET", "/v1/attendance/shifts/{id}", "getShift", PR, "GetShift", NULL, PAY, 0,
        "Get a shift"),
    BUS("POST", "/v1/attendance/employees/{employeeId}/shift-assignments", "assignShift", PR,
        "AssignShift", "*", PAY, 0, "An employee works a shift from a day on"),
    BUS_UPLOAD("POST", "/v1/attendance/punches:batch", "recordPunches", PR, "RecordPunches", "*",
               PAY, 0,
               "Record device punches (up to 5000): every row checked, nothing written when one "
               "is wrong (422 naming each row), a punch stored once (duplicates reported); "
               "dryRun checks only"),
    BUS("POST", "/v1/attendance/summaries:compute", "computeAttendance", PR, "ComputeAttendance",
        "*", PAY, 0,
        "Compute a company's month (days and summaries of every employee) again; idempotent"),
    BUS("GET", "/v1/attendance/summaries", "listAttendanceSummaries", PR, "ListAttendanceMonths",
        NULL, PAY, 0,
        "The month's attendance of every employee of a company (?companyId=&month=), as payroll "
        "reads it"),
    BUS("GET", "/v1/attendance/employees/{employeeId}/days", "listAttendanceDays", PR,
        "ListAttendanceDays", NULL, PAY, 0, "An employee's days of a month (?month=)"),
    BUS("GET", "/v1/leave-types", "listLeaveTypes", PR, "ListLeaveTypes", NULL, PAY, 0,
        "Leave types: shipped (annual, sick, personal, marriage, maternity …) and the tenant's"),
    BUS("POST", "/v1/leave-types", "saveLeaveType", PR, "SaveLeaveType", "leave_type", PAY, 0,
        "Add or change the tenant's leave type (paid, unit, balance); a key of the whole group"),
    BUS("POST", "/v1/attendance/employees/{employeeId}/leave-balances:grant", "grantLeave", PR,
        "GrantLeave", "*", PAY, 0, "Add days to an employee's leave of a type and year"),
    BUS("GET", "/v1/attendance/employees/{employeeId}/leave-balances", "listLeaveBalances", PR,
        "ListLeaveBalances", NULL, PAY, 0, "An employee's leave balances (?year=)"),
    BUS("POST", "/v1/leave-requests", "submitLeaveRequest", PR, "SubmitLeaveRequest",
        "leave_request", PAY, 201,
        "Submit leave: whole days, a half day or hours; refused beyond the balance"),
    BUS("GET", "/v1/leave-requests", "listLeaveRequests", PR, "ListLeaveRequests", NULL, PAY, 0,
        "An employee's leave requests (?employeeId=&status=)"),
    BUS("GET", "/v1/leave-requests/{id}", "getLeaveRequest", PR, "GetLeaveRequest", NULL, PAY, 0,
        "Get a leave request"),
    BUS("POST", "/v1/leave-requests/{id}:approve", "approveLeaveRequest", PR,
        "ApproveLeaveRequest", "*", PAY, 0,
        "Approve a submitted request: the balance is deducted (422 when it no longer covers it)"),
    BUS("POST", "/v1/leave-requests/{id}:reject", "rejectLeaveRequest", PR, "RejectLeaveRequest",
        "*", PAY, 0, "Reject a submitted request"),
    BUS("POST", "/v1/leave-requests/{id}:cancel", "cancelLeaveRequest", PR, "CancelLeaveRequest",
        "*", PAY, 0, "Cancel a request; an approved one's days go back to the balance"),
    /* ---- payroll: spreadsheet imports of the old system's data ---- */
    BUS_FILE("POST", "/v1/payroll/imports/employees", "importEmployees", PR, "ImportEmployees",
             "content", PAY, 202,
             "Import employees from a CSV or .xlsx file in the background: 202 with the import, "
             "queued; every row checked, all written or none; ?dryRun=true checks only; a number "
             "already stored is left as it is"),
    BUS_FILE("POST", "/v1/payroll/imports/contracts", "importContracts", PR, "ImportContracts",
             "content", PAY, 202,
             "Import employees' contracts from a CSV or .xlsx file in the background, all or "
             "none; ?dryRun=true checks only"),
    BUS_FILE("POST", "/v1/payroll/imports/ytd-openings", "importYtdOpenings", PR,
             "ImportYtdOpenings", "content", PAY, 202,
             "Import opening year-to-date tax figures (sealed) from a CSV or .xlsx file in the "
             "background, all or none; a year imported again is replaced; ?dryRun=true checks "
             "only"),
    BUS_FILE("POST", "/v1/payroll/imports/punches", "importPunches", PR, "ImportPunches",
             "content", PAY, 202,
             "Import a fingerprint or face terminal's export of punches (CSV or .xlsx) in the "
             "background, all or none; a punch already stored is a problem; ?dryRun=true checks "
             "only"),
    BUS("GET", "/v1/payroll/imports", "listPayrollImports", PR, "ListPayrollImports", NULL, PAY,
        0, "The imports of the companies the key acts for, oldest first (?companyId=&kind=)"),
    BUS("GET", "/v1/payroll/imports/{id}", "getPayrollImport", PR, "GetPayrollImport", NULL, PAY,
        0, "An import: its state (queued, running, succeeded, failed), counts and problemCount"),
    BUS("GET", "/v1/payroll/imports/{id}/problems", "listPayrollImportProblems", PR,
        "ListPayrollImportProblems", NULL, PAY, 0,
        "An import's problems by row (the first 1000; problemCount counts them all), paged"),
    BUS("GET", "/v1/employees/{employeeId}/ytd-openings", "getYtdOpening", PR, "GetYtdOpening",
        NULL, PAY, 0,
        "An employee's opening year-to-date tax figures of a year (?taxYear=), as imported"),
    /* ---- notify: templates of letters (versions, preview) and consent ---- */
    BUS("GET", "/v1/notification-templates", "listNotificationTemplates", NT, "ListTemplates",
        NULL, HIRING, 0,
        "Every template letters use: the company's own, the tenant's, or the shipped default"),
    BUS("GET", "/v1/notification-templates/{name}", "getNotificationTemplate", NT, "GetTemplate",
        NULL, HIRING, 0, "A template (\"reminder.sms.zh-CN\"): its content, versions, variables"),
    BUS("POST", "/v1/notification-templates/{name}/versions", "saveNotificationTemplate", NT,
        "SaveTemplate", "*", REC, 201,
        "Save a new version and make it active; 422 with line:column for a syntax error or an "
        "unknown variable"),
    BUS("POST", "/v1/notification-templates/{name}:activate", "activateNotificationTemplate", NT,
        "ActivateTemplate", "*", REC, 0, "Make an older (or newer) version the active one"),
    BUS("DELETE", "/v1/notification-templates/{name}", "deleteNotificationTemplate", NT,
        "DeleteTemplate", NULL, REC, 0,
        "Delete the tenant's (or company's) own template and its versions (answered as it was): "
        "letters use the default again"),
    BUS("POST", "/v1/notification-templates/{name}:preview", "previewNotificationTemplate", NT,
        "PreviewTemplate", "*", HIRING, 0,
        "Render a template (saved, a version, or given) with sample or given values; sends nothing"),
    BUS("GET", "/v1/candidates/{candidateId}/consent", "getCandidateConsent", NT,
        "GetCandidateConsent", NULL, HIRING, 0,
        "A candidate's opt-outs from marketing letters per channel, and the unsubscribe tokens"),
    BUS("POST", "/v1/candidates/{candidateId}/consent", "setCandidateConsent", NT,
        "SetCandidateConsent", "*", REC, 0,
        "Record a candidate's opt-out from (or opt-in to) marketing letters on a channel"),
    BUS("GET", "/v1/unsubscribe/{token}", "getUnsubscribe", NT, "GetUnsubscribe", NULL,
        GW_SCOPE_PUBLIC, 0, "For the recipient, no API key: what the one-click link would do"),
    /* a form route: mail clients post the body "List-Unsubscribe=One-Click" (or none) */
    BUS_FORM("POST", "/v1/unsubscribe/{token}", "unsubscribe", NT, "Unsubscribe", "body",
             GW_SCOPE_PUBLIC, 0,
             "For the recipient, no API key: unsubscribe from marketing letters (RFC 8058 "
             "one-click: any body, the form \"List-Unsubscribe=One-Click\" included)"),

    /* ---- notify: reactions (the letters events send) ---- */
    BUS("GET", "/v1/notification-settings", "getNotificationSettings", NT,
        "GetNotificationSettings", NULL, HIRING, 0,
        "Which letters events send and on which channels, the letters' locale and zone"),
    BUS("PATCH", "/v1/notification-settings", "updateNotificationSettings", NT,
        "UpdateNotificationSettings", "settings", REC, 0,
        "Change the letters events send (a recruiter key of the whole group): the kinds named "
        "replace theirs, the others stay"),

    /* ---- notify: webhooks ---- */
    BUS("POST", "/v1/webhook-endpoints", "createWebhookEndpoint", NT, "CreateWebhookEndpoint",
        "endpoint", GW_SCOPE_INTEGRATOR, 201,
        "Add a webhook endpoint: url and eventTypes (empty = every type); answers its secret, once"),
    BUS("GET", "/v1/webhook-endpoints", "listWebhookEndpoints", NT, "ListWebhookEndpoints", NULL,
        GW_SCOPE_INTEGRATOR, 0, "List webhook endpoints (never their secrets)"),
    BUS("GET", "/v1/webhook-endpoints/{id}", "getWebhookEndpoint", NT, "GetWebhookEndpoint", NULL,
        GW_SCOPE_INTEGRATOR, 0, "Get a webhook endpoint (never its secret)"),
    BUS("PATCH", "/v1/webhook-endpoints/{id}", "updateWebhookEndpoint", NT,
        "UpdateWebhookEndpoint", "endpoint", GW_SCOPE_INTEGRATOR, 0,
        "Change a webhook endpoint's url, eventTypes, description or status (re-enable it)"),
    BUS("DELETE", "/v1/webhook-endpoints/{id}", "deleteWebhookEndpoint", NT,
        "DeleteWebhookEndpoint", NULL, GW_SCOPE_INTEGRATOR, 0, "Remove a webhook endpoint"),
    BUS("POST", "/v1/webhook-endpoints/{id}/rotate-secret", "rotateWebhookSecret", NT,
        "RotateWebhookSecret", "*", GW_SCOPE_INTEGRATOR, 0,
        "A new secret, answered once; the previous one keeps signing for overlapHours (24)"),
    BUS("POST", "/v1/webhook-endpoints/{id}/test", "testWebhookEndpoint", NT,
        "TestWebhookEndpoint", "*", GW_SCOPE_INTEGRATOR, 0,
        "Send a signed test event now: the receiver's status, latency and what it means"),
    BUS("GET", "/v1/webhook-endpoints/{id}/deliveries", "listWebhookDeliveries", NT,
        "ListWebhookDeliveries", NULL, GW_SCOPE_INTEGRATOR, 0,
        "An endpoint's delivery log: state, attempts, status code, latency, last error, times"),
    BUS("POST", "/v1/webhook-endpoints/{id}:replay", "replayWebhookEvents", NT,
        "ReplayWebhookEvents", "*", GW_SCOPE_INTEGRATOR, 0,
        "Send every matching event again from fromEventId or fromTime (same webhook-ids)"),
    BUS("POST", "/v1/webhook-endpoints/{id}/deliveries/{deliveryId}:retry",
        "retryWebhookDelivery", NT, "RetryWebhookDelivery", NULL, GW_SCOPE_INTEGRATOR, 0,
        "Queue a dead delivery again, from its first attempt"),

    /* ---- notify: the event log ---- */
    BUS_DOWNLOAD("GET", "/v1/events", "listEvents", NT, "ListEvents", "body", "application/json",
                 GW_SCOPE_INTEGRATOR,
                 "The tenant's events in commit order after a cursor (CloudEvents; "
                 "?after=&types=&limit=)"),
    BUS_STREAM("GET", "/v1/events/stream", "streamEvents", NT, "ListEvents",
               GW_SCOPE_INTEGRATOR,
               "The same events as Server-Sent Events as they commit; resumes from "
               "Last-Event-ID"),

    /* ---- notify: delivery ---- */
    BUS("POST", "/v1/messages", "sendMessage", NT, "SendMessage", "*", REC, 202,
        "Send a candidate a letter or SMS (their address from the pipeline); queued, answered "
        "with its id"),
    BUS("GET", "/v1/messages", "listMessages", NT, "ListMessages", NULL, HIRING, 0,
        "List messages, by candidate and state; addresses masked"),
    BUS("GET", "/v1/messages/{id}", "getMessage", NT, "GetMessage", NULL, HIRING, 0,
        "A message's delivery: state, attempts, last error, times; the address masked"),
    BUS("POST", "/v1/messages/{id}:retry", "retryMessage", NT, "RetryMessage", NULL, REC, 0,
        "Queue a dead message again, from its first attempt"),

    /* ---- payroll: runs, payslips, the bank file, adjustments ---- */
    BUS("POST", "/v1/payroll/runs", "createPayrollRun", PR, "CreatePayrollRun", "*", PAY, 202,
        "Make (or find) a company's run of a month and queue its calculation"),
    BUS("POST", "/v1/payroll/runs:group", "createGroupPayrollRuns", PR, "CreateGroupPayrollRuns",
        "*", PAY, 202,
        "Make or recalculate the runs of a month of every company the key acts for"),
    BUS("GET", "/v1/payroll/runs", "listPayrollRuns", PR, "ListPayrollRuns", NULL, PAY, 0,
        "Payroll runs (?companyId=&month=), in creation order"),
    BUS("GET", "/v1/payroll/runs/{id}", "getPayrollRun", PR, "GetPayrollRun", NULL, PAY, 0,
        "A run with its state, totals and the digest of its inputs"),
    BUS("POST", "/v1/payroll/runs/{id}:calculate", "calculatePayrollRun", PR,
        "CalculatePayrollRun", "*", PAY, 202,
        "Queue a recalculation of a draft or calculated run (a locked run refuses)"),
    BUS("POST", "/v1/payroll/runs/{id}:approve", "approvePayrollRun", PR, "ApprovePayrollRun",
        "*", PAY, 0, "Approve a calculated run; If-Match the version checked (409 if it changed)"),
    BUS("POST", "/v1/payroll/runs/{id}:pay", "payPayrollRun", PR, "PayPayrollRun", "*", PAY, 0,
        "Mark an approved run paid: it is locked; If-Match the version"),
    BUS("DELETE", "/v1/payroll/runs/{id}", "deletePayrollRun", PR, "DeletePayrollRun", NULL, PAY,
        0, "Discard a draft or calculated run with its payslips (If-Match optional)"),
    BUS("GET", "/v1/payroll/runs/{runId}/payslips", "listPayslips", PR, "ListPayslips", NULL,
        PAY, 0, "A run's payslips without their lines, a page at a time"),
    BUS("GET", "/v1/payroll/runs/{runId}/payslips/{employeeId}", "getPayslip", PR, "GetPayslip",
        NULL, PAY, 0, "One payslip with every line explained"),
    BUS_DOWNLOAD("GET", "/v1/payroll/runs/{id}/bank-file", "getBankFile", PR, "GetBankFile",
                 "data", "text/csv", PAY,
                 "The bank transfer file of an approved or paid run (CSV; pii scope; audited)"),
    BUS("POST", "/v1/payroll/adjustments", "createPayrollAdjustment", PR,
        "CreatePayrollAdjustment", "*", PAY, 201,
        "Correct an employee's paid month: a line of the company's next run"),
    BUS("GET", "/v1/payroll/adjustments", "listPayrollAdjustments", PR, "ListPayrollAdjustments",
        NULL, PAY, 0, "Adjustments (?companyId=), in creation order"),
    /* ---- payroll: the ledger export, summary reports, the employee's payslip link ---- */
    BUS_DOWNLOAD("GET", "/v1/payroll/runs/{id}/ledger", "getPayrollLedger", PR,
                 "GetPayrollLedger", "data", "text/csv", PAY,
                 "The ledger of a calculated, approved or paid run for finance (?format=csv|xlsx): "
                 "debits and credits per department and account"),
    BUS("GET", "/v1/payroll/reports/summary", "getPayrollSummary", PR, "GetPayrollSummary", NULL,
        PAY, 0,
        "A month's pay by company, department or city (?month=&by=&companyId=) and the group's "
        "total"),
    BUS("POST", "/v1/payroll/runs/{runId}/payslips/{employeeId}:link", "createPayslipLink", PR,
        "CreatePayslipLink", "*", PAY, 201,
        "A signed link (90 days by default) to an employee's payslip of an approved or paid run"),
    BUS("GET", "/v1/payslips/{token}", "getEmployeePayslip", PR, "GetEmployeePayslip", NULL,
        GW_SCOPE_PUBLIC, 0,
        "For the employee, no API key: their payslip through a signed link; ID number and bank "
        "account masked"),
    /* ---- payroll: statutory rules (income tax calculators, city policies) ---- */
    BUS("POST", "/v1/payroll/tax:preview", "previewTax", PR, "PreviewTax", "*", PAY, 0,
        "Income tax withheld month by month (cumulative withholding; months: income and "
        "deductions in yuan, the first month first); stateless"),
    BUS("POST", "/v1/payroll/bonus-tax:preview", "previewBonusTax", PR, "PreviewBonusTax", "*",
        PAY, 0, "Tax of an annual one-time bonus taxed on its own (monthly table, bonus / 12); "
        "stateless"),
    BUS("POST", "/v1/payroll/contributions:preview", "previewContributions", PR,
        "PreviewContributions", "*", PAY, 0,
        "A month's social insurance and housing fund on a wage under the city's policy of a day"),
    BUS("GET", "/v1/payroll/city-policies", "listCityPolicies", PR, "ListCityPolicies", NULL,
        PAY, 0, "City policies of social insurance and housing fund: shipped and the tenant's own"),
    BUS("POST", "/v1/payroll/city-policies", "createCityPolicy", PR, "CreateCityPolicy", "policy",
        PAY, 201, "Add the tenant's own policy of a city for a period (not overlapping another)"),
    BUS("GET", "/v1/payroll/city-policies/{id}", "getCityPolicy", PR, "GetCityPolicy", NULL, PAY,
        0, "A city policy"),
    BUS("GET", "/v1/payroll/minimum-wages", "listMinimumWages", PR, "ListMinimumWages", NULL, PAY,
        0, "Cities' monthly minimum wages by period (the pay input min_wage): shipped and the "
        "tenant's own"),
    BUS("POST", "/v1/payroll/minimum-wages", "createMinimumWage", PR, "CreateMinimumWage",
        "minimum_wage", PAY, 201,
        "Add the tenant's own minimum wage of a city for a period (not overlapping another)"),
    BUS("GET", "/v1/payroll/minimum-wages/{id}", "getMinimumWage", PR, "GetMinimumWage", NULL,
        PAY, 0, "A city's minimum wage of a period"),
    /* ---- payroll: employees (payroll and admin keys; recruiters never see them) ---- */
    BUS("POST", "/v1/employees", "createEmployee", PR, "CreateEmployee", "employee", PAY, 201,
        "Add an employee (draft or active) of a company: name, ID number, bank account, phone "
        "sealed at rest"),
    BUS("GET", "/v1/employees", "listEmployees", PR, "ListEmployees", NULL, PAY, 0,
        "List employees, by company, status and department; ID numbers and accounts masked"),
    BUS("GET", "/v1/employees/{id}", "getEmployee", PR, "GetEmployee", NULL, PAY, 0,
        "Get an employee; ID number and bank account masked"),
    BUS("PATCH", "/v1/employees/{id}", "updateEmployee", PR, "UpdateEmployee", "employee", PAY, 0,
        "Change an employee's own fields (updateMask); If-Match guards the version"),
    BUS("POST", "/v1/employees/{id}:activate", "activateEmployee", PR, "ActivateEmployee", "*",
        PAY, 0, "A draft employee starts (hireDate); If-Match guards the version"),
    BUS("POST", "/v1/employees/{id}:leave", "leaveEmployee", PR, "LeaveEmployee", "*", PAY, 0,
        "An active employee leaves on leaveDate, with a reason; If-Match guards the version"),
    BUS("POST", "/v1/employees/{id}:reveal", "revealEmployee", PR, "RevealEmployee", "*", PAY, 0,
        "The unmasked ID number or bank account, for a key with the pii scope; audited with "
        "the reason"),
    BUS("GET", "/v1/employee-reveals", "listEmployeeReveals", PR, "ListReveals", NULL, ADMIN, 0,
        "The audit of reveals: who, when, which fields, why (never the values)"),
    BUS("POST", "/v1/employees/{employeeId}/compensations", "setCompensation", PR,
        "SetCompensation", "compensation", PAY, 201,
        "Pay from a month on: base salary and fixed allowances (sealed); the same month replaces"),
    BUS("GET", "/v1/employees/{employeeId}/compensations", "listCompensations", PR,
        "ListCompensations", NULL, PAY, 0, "An employee's pay history, newest month first"),
    BUS("POST", "/v1/employees/{employeeId}/tax-profiles", "setTaxProfile", PR, "SetTaxProfile",
        "tax_profile", PAY, 201,
        "Tax facts from a month on: residency, special additional deductions, bonus tax choice"),
    BUS("GET", "/v1/employees/{employeeId}/tax-profiles", "listTaxProfiles", PR,
        "ListTaxProfiles", NULL, PAY, 0, "An employee's tax profiles, newest month first"),
    BUS("POST", "/v1/employees/{employeeId}/contracts", "createContract", PR, "CreateContract",
        "contract", PAY, 201,
        "Add a contract (or a renewal of one); contract.expiring is written before its end"),
    BUS("GET", "/v1/employees/{employeeId}/contracts", "listContracts", PR, "ListContracts", NULL,
        PAY, 0, "An employee's contracts, newest first, with when each alert is due"),
    BUS("POST", "/v1/employees/{employeeId}/position-changes", "createPositionChange", PR,
        "CreatePositionChange", "change", PAY, 201,
        "Department, position, grade, company or city from a day on (today: at once)"),
    BUS("GET", "/v1/employees/{employeeId}/position-changes", "listPositionChanges", PR,
        "ListPositionChanges", NULL, PAY, 0, "An employee's position history by effective date"),
    BUS("GET", "/v1/employee-settings", "getEmployeeSettings", PR, "GetEmployeeSettings", NULL,
        PAY, 0, "The archive's settings: days before a contract's end its alert is written"),
    BUS("PATCH", "/v1/employee-settings", "updateEmployeeSettings", PR,
        "UpdateEmployeeSettings", "settings", ADMIN, 0,
        "Change the archive's settings; pending alerts move with them"),
    /* ---- payroll: pay schemes (formulas, versions, preview) and performance reviews ---- */
    BUS("GET", "/v1/payroll/inputs", "listPayInputs", PR, "ListPayInputs", NULL, PAY, 0,
        "The catalogue of inputs a scheme's formulas may name, with types and defaults"),
    BUS("POST", "/v1/payroll/schemes", "createPayScheme", PR, "CreatePayScheme", "*", PAY, 201,
        "Create a company's pay scheme with its first version; 422 naming each faulty "
        "component, column and name (unknown names, cycles, division by zero, types)"),
    BUS("GET", "/v1/payroll/schemes", "listPaySchemes", PR, "ListPaySchemes", NULL, PAY, 0,
        "List pay schemes, by company, each with its newest version"),
    BUS("GET", "/v1/payroll/schemes/{id}", "getPayScheme", PR, "GetPayScheme", NULL, PAY, 0,
        "A pay scheme with the version effective in ?month= (or ?version=, or the newest) and "
        "the list of its versions"),
    BUS("POST", "/v1/payroll/schemes/{id}/versions", "addPaySchemeVersion", PR,
        "AddPaySchemeVersion", "*", PAY, 201,
        "Add an immutable version effective from a month; checked as a new scheme"),
    BUS("POST", "/v1/payroll/schemes/{id}:preview", "previewPayScheme", PR, "PreviewPayScheme",
        "*", PAY, 0,
        "Evaluate a saved version against given input values: every line's value, formula and "
        "the values it used"),
    BUS("POST", "/v1/payroll/schemes:preview", "previewInlinePayScheme", PR, "PreviewPayScheme",
        "*", PAY, 0, "Check and evaluate components given in the request; stores nothing"),
    BUS("POST", "/v1/payroll/review-cycles", "createReviewCycle", PR, "CreateReviewCycle", "*",
        PAY, 201,
        "Create a company's performance review cycle with its rating bands and coefficients"),
    BUS("GET", "/v1/payroll/review-cycles", "listReviewCycles", PR, "ListReviewCycles", NULL,
        PAY, 0, "List review cycles, by company"),
    BUS("GET", "/v1/payroll/review-cycles/{id}", "getReviewCycle", PR, "GetReviewCycle", NULL,
        PAY, 0, "A review cycle and its bands"),
    BUS("POST", "/v1/payroll/review-cycles/{id}/scores", "recordReviewScores", PR,
        "RecordReviewScores", "*", PAY, 0,
        "Record raters' scores (a rater's score again replaces it); a batch is whole or refused"),
    BUS("GET", "/v1/payroll/review-cycles/{id}/ratings", "listReviewRatings", PR,
        "ListReviewRatings", NULL, PAY, 0,
        "Each scored employee's rating (weighted mean), band and bonus coefficient"),
};

const size_t gw_n_routes = sizeof(gw_routes) / sizeof(gw_routes[0]);

static const char *const scope_names[GW_N_SCOPES] = { "admin", "recruiter", "payroll",
                                                      "integrator", "public", "engine" };

const char *gw_scope_name(unsigned bit)
{
    for (int i = 0; i < GW_N_SCOPES; i++)
        if (bit == 1u << i)
            return scope_names[i];
    return NULL;
}

unsigned gw_scope_bit(const char *name)
{
    for (int i = 0; i < GW_N_SCOPES; i++)
        if (strcmp(name, scope_names[i]) == 0)
            return 1u << i;
    return 0;
}

const char *const gw_service_names[] = { GW_SERVICE_NAMES };
const size_t gw_n_service_names = sizeof(gw_service_names) / sizeof(gw_service_names[0]);

const char *gw_route_service_name(const gw_route_t *route)
{
    /* protobuf-c's service descriptor: short_name "Identity"; the bus name is
     * its lowercase form, as services register (HF_SERVICE_MAIN), and must be
     * a service of services/services.list */
    if (!route->service)
        return NULL;
    for (size_t i = 0; i < gw_n_service_names; i++)
        if (strcasecmp(route->service->short_name, gw_service_names[i]) == 0)
            return gw_service_names[i];
    return NULL;
}

const ProtobufCMethodDescriptor *gw_route_rpc(const gw_route_t *route)
{
    if (!route->service || !route->rpc)
        return NULL;
    return protobuf_c_service_descriptor_get_method_by_name(route->service, route->rpc);
}

int gw_route_needs_key(const gw_route_t *route)
{
    return route->scopes != 0 && route->scopes != GW_SCOPE_PUBLIC;
}

/* The content phase for a local route: its own handler, on an I/O thread
 * when the route says it never waits. */
gw_rc_t gw_local_phase(gateway_t *gw, gw_request_t *req)
{
    const gw_route_t *route = gw_request_route(req);
    if (!route->fn)
        return GW_DECLINED;
    if (!route->inline_ok && !gw_request_may_wait(req))
        return GW_AGAIN;
    route->fn(gw, req);
    return GW_DONE;
}

int gw_routes_check(void)
{
    int bad = 0;
    for (size_t i = 0; i < gw_n_routes; i++) {
        const gw_route_t *r = &gw_routes[i];
        gw_param_t params[GW_MAX_PARAMS];
        if (!r->fn) {
            const ProtobufCMethodDescriptor *m = gw_route_rpc(r);
            if (!m || !gw_route_service_name(r)) {
                hf_error("route %s %s: unknown bus method %s (or a service not in "
                         "services/services.list)", r->method, r->pattern,
                         r->rpc ? r->rpc : "(none)");
                bad = 1;
                continue;
            }
            const ProtobufCFieldDescriptor *raw =
                r->raw ? protobuf_c_message_descriptor_get_field_by_name(m->input, r->raw) : NULL;
            if (r->raw && (!raw || raw->type != PROTOBUF_C_TYPE_BYTES ||
                           raw->label == PROTOBUF_C_LABEL_REPEATED)) {
                hf_error("route %s %s: %s has no bytes field %s", r->method, r->pattern,
                         m->input->name, r->raw);
                bad = 1;
            }
            const ProtobufCFieldDescriptor *dl =
                r->download ? protobuf_c_message_descriptor_get_field_by_name(m->output,
                                                                              r->download)
                            : NULL;
            if (r->download && (!dl || dl->type != PROTOBUF_C_TYPE_BYTES ||
                                dl->label == PROTOBUF_C_LABEL_REPEATED)) {
                hf_error("route %s %s: %s has no bytes field %s", r->method, r->pattern,
                         m->output->name, r->download);
                bad = 1;
            }
            if (r->stream && (!hf_codec_field(m->input, "after") ||
                              !hf_codec_field(m->output, "body") ||
                              !hf_codec_field(m->output, "next") ||
                              !hf_codec_field(m->output, "more"))) {
                hf_error("route %s %s: a stream's method takes after and answers body, next "
                         "and more", r->method, r->pattern);
                bad = 1;
            }
            if (r->body && strcmp(r->body, "*") != 0 &&
                !protobuf_c_message_descriptor_get_field_by_name(m->input, r->body)) {
                hf_error("route %s %s: %s has no field %s", r->method, r->pattern,
                         m->input->name, r->body);
                bad = 1;
            }
        }
        if (r->pattern[0] != '/' || gw_route_match(r->pattern, r->pattern, params,
                                                   GW_MAX_PARAMS) < 0) {
            /* A pattern matches itself ("{id}" is a valid value) unless malformed. */
            hf_error("route %s %s: malformed pattern", r->method, r->pattern);
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}
