#!/bin/bash
# deploy/local/demo-data.sh GATEWAY_URL ADMIN_KEY_FILE - the demo tenant's hiring data
#
# Run by `./hrflow up` once the gateway answers: through the public API (as a
# recruiter's tool would), a competency model for product managers, a job at
# 华星科技(上海) with the group's default automation rules, and 24 candidates
# imported from a CSV with resumes, so the screener screens them through the
# scoring service and the rules invite, wait or reject — the funnel, the
# audit and the candidates' status pages have something to show; ten AI-interview
# lines, so the invited get slots and are called; and payroll's demo
# (deploy/local/demo-payroll.py). Running it again changes nothing: it stops
# when the demo job exists.
set -euo pipefail
url=$1
key=$(cat "$2")
job_title="产品经理（示例）"

api() { # METHOD PATH [BODY]: the JSON answer; fails on an HTTP error
  local method=$1 path=$2 body=${3:-}
  if [[ -n $body ]]; then
    curl -sS --fail-with-body -X "$method" "$url$path" -H "Authorization: Bearer $key" \
      -H 'Content-Type: application/json' --data-binary "$body"
  else
    curl -sS --fail-with-body -X "$method" "$url$path" -H "Authorization: Bearer $key"
  fi
}
field() { # EXPR: evaluate EXPR over the JSON on stdin (d is the document)
  python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"
}

# payroll's demo (employees, attendance, a pay scheme, last month's run): its own script,
# which also stops when its data is there
"$(dirname "$0")/demo-payroll.py" "$url" "$2"

existing=$(api GET "/v1/jobs?page_size=500" |
  field "next((j['id'] for j in d['jobs'] if j['title'] == '$job_title'), '')")
if [[ -n $existing ]]; then
  echo "demo data: job $existing is there already"
  exit 0
fi

# the group's AI-interview lines: the invitations of the rules below get slots, and the
# reference call engine (./hrflow up starts it) calls them when their slots come
api PATCH /v1/interview-lines '{"lines": 10}' >/dev/null

company=$(api GET "/v1/companies?page_size=500" |
  field "[c['id'] for c in d['companies'] if c['code'] == 'HX-SH'][0]")
model=$(api POST /v1/competency-models '{
  "name": "产品经理（示例）", "jobFamily": "product",
  "competencies": [
    {"name": "数据分析", "weight": 3, "keywords": [
      {"term": "数据分析", "synonyms": ["data analysis", "数据驱动"]},
      {"term": "A/B测试", "synonyms": ["AB测试"]}, {"term": "留存率"}]},
    {"name": "用户导向", "weight": 2, "keywords": [
      {"term": "用户调研", "synonyms": ["用户访谈"]}, {"term": "用户反馈"}]},
    {"name": "跨团队协作", "weight": 2, "keywords": [
      {"term": "跨部门", "synonyms": ["跨团队"]}, {"term": "协调"}]}]}' | field "d['id']")
job=$(api POST /v1/jobs "{\"companyId\": \"$company\", \"title\": \"$job_title\",
  \"department\": \"用户增长\", \"location\": \"上海\", \"headcount\": 30,
  \"competencyModelId\": \"$model\",
  \"rules\": \"when screened if screening_score >= 70 then invite_ai_interview\\nwhen interview_scored if ai_score >= 80 then advance to hr_interview\\nwhen interview_scored if ai_score < 60 then reject with template thank_you\\nwhen screened if screening_score < 45 then reject with template thank_you\\n\"}" |
  field "d['id']")

resumes=(
  "五年产品经验，负责用户增长，做过大量数据分析和A/B测试，组织用户访谈，跨部门推动上线，次日留存率提升12%。本科。"
  "三年运营经验，做过用户调研与活动策划，协调市场与客服团队。本科。"
  "两年产品助理，参与数据分析，协助跨部门沟通，整理用户反馈。硕士。"
  "应届生，大专，做过销售兼职。"
)
csv=$(mktemp)
trap 'rm -f "$csv"' EXIT
{
  echo "姓名,手机,邮箱,性别,年龄段,工作年限,学历,来源,简历"
  for i in $(seq 0 23); do
    printf '候选人%02d,1390000%04d,demo%02d@example.com,%s,%s,%d,本科,%s,%s\n' \
      "$i" "$i" "$i" "$([[ $((i % 2)) == 0 ]] && echo 女 || echo 男)" \
      "$([[ $((i % 3)) == 0 ]] && echo 18-24 || echo 25-34)" "$((i % 8))" \
      "$([[ $((i % 4)) == 0 ]] && echo 内推 || echo 校园招聘)" "${resumes[$((i % 4))]}"
  done
} >"$csv"
import=$(curl -sS --fail-with-body -X POST "$url/v1/jobs/$job/candidates:import" \
  -H "Authorization: Bearer $key" -H 'Content-Type: text/csv' --data-binary @"$csv" |
  field "d['id']")
echo "demo data: job $job ($job_title), 24 candidates importing ($import);" \
  "see $url/v1/jobs/$job/funnel"
