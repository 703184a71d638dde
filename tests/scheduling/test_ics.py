"""tests/scheduling/test_ics.py - invitations of services/scheduling/ics.c read by a real parser.

ics-write (services/scheduling/tests/ics-write.c) writes each file into a
temporary directory through sd_ics_write(); Debian's python3-icalendar parses
it with icalendar.Calendar.from_ical, and the test checks what a calendar
would show: the start and end in UTC, the TZID and its VTIMEZONE, UID,
SEQUENCE, METHOD, STATUS, the text and the attendee.

python3-icalendar 4.0.3 resolves a TZID that is an IANA name with its own
zone database (pytz) and does not read the VTIMEZONE then; its to_tz() cannot
expand an RRULE whose UNTIL is in UTC, which RFC 5545 requires. So the
VTIMEZONE is checked here separately: its observances are expanded with
dateutil and the offset they give is compared with the system's zoneinfo.
"""
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import zoneinfo

import icalendar
from dateutil import rrule

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from tap import run, test  # noqa: E402

WRITE = os.environ.get("HF_TEST_ICS_WRITE", "")
UTC = datetime.timezone.utc
ID = "8d062711-1cee-4fa5-a7a9-2af42013e919"
UID = ID + "@hrflow.example.cn"
NOW = datetime.datetime(2026, 3, 1, tzinfo=UTC)
# 10:00-10:30 in Shanghai
SHANGHAI = datetime.datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
# 01:30 EST to 03:30 EDT: New York's clocks jump from 02:00 to 03:00 at 07:00Z
NEW_YORK = datetime.datetime(2026, 3, 8, 6, 30, tzinfo=UTC)

BASE = {
    "method": "request", "lang": "zh-CN", "kind": "ai", "interview_id": ID,
    "uid_domain": "hrflow.example.cn", "sequence": 0, "zone": "Asia/Shanghai",
    "start_us": SHANGHAI, "end_us": SHANGHAI + datetime.timedelta(minutes=30), "now_us": NOW,
    "company_name": "华星集团", "organizer_email": "interviews@hrflow.example.cn",
    "job_title": "产品经理", "attendee_email": "zhang.san@example.cn", "attendee_name": "张三",
}

tmp = None


def setup():
    global tmp
    assert os.access(WRITE, os.X_OK), "HF_TEST_ICS_WRITE is not the ics-write program: %r" % WRITE
    tmp = tempfile.mkdtemp(prefix="hf-ics-")


def teardown():
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)


def arg(value):
    if isinstance(value, datetime.datetime):
        return str(int(value.timestamp()) * 1000000)
    return str(value)


def write(name, **fields):
    """Writes BASE updated with fields (None removes one) to tmp/name; its path."""
    values = dict(BASE, **fields)
    path = os.path.join(tmp, name)
    out = subprocess.run([WRITE, path] + ["%s=%s" % (k, arg(v)) for k, v in values.items()
                                          if v is not None],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr
    return path


def parse(path):
    """The bytes, the calendar and its one event."""
    with open(path, "rb") as f:
        data = f.read()
    cal = icalendar.Calendar.from_ical(data)
    events = cal.walk("VEVENT")
    assert len(events) == 1, events
    return data, cal, events[0]


def utc(event, name):
    value = event.decoded(name)
    assert value.tzinfo is not None, (name, value)
    return value.astimezone(UTC)


def vtimezone_offset(cal, tzid, when):
    """The UTC offset the calendar's VTIMEZONE named tzid gives at the instant
    when: of all observances' onsets at or before it, the latest one's
    TZOFFSETTO. Onsets are local times of the offset before them
    (TZOFFSETFROM); an RRULE's UNTIL is UTC."""
    zones = [c for c in cal.walk("VTIMEZONE") if str(c["TZID"]) == tzid]
    assert len(zones) == 1, [str(c["TZID"]) for c in cal.walk("VTIMEZONE")]
    best = None
    for obs in zones[0].subcomponents:
        assert obs.name in ("STANDARD", "DAYLIGHT"), obs.name
        start = obs["DTSTART"].dt
        assert start.tzinfo is None, start  # a VTIMEZONE's DTSTART is local time
        before, after = obs["TZOFFSETFROM"].td, obs["TZOFFSETTO"].td
        limit = when.astimezone(UTC).replace(tzinfo=None) + before
        onsets = [start]
        if "RRULE" in obs:
            recur = dict(obs["RRULE"])
            until = recur.pop("UNTIL", [None])[0]
            if until is not None:
                assert until.tzinfo is not None, until
                limit = min(limit, until.astimezone(UTC).replace(tzinfo=None) + before)
            text = icalendar.vRecur(recur).to_ical().decode()
            onsets.append(rrule.rrulestr(text, dtstart=start).before(limit, inc=True))
        rdates = obs.get("RDATE", [])
        for rdate in rdates if isinstance(rdates, list) else [rdates]:
            onsets += [d.dt for d in rdate.dts]
        for onset in onsets:
            if onset is not None and onset <= limit:
                at = (onset - before).replace(tzinfo=UTC)
                if best is None or at > best[0]:
                    best = (at, after)
    assert best is not None, "no observance of %s before %s" % (tzid, when)
    return best[1]


def assert_zone(cal, event, zone):
    """DTSTART and DTEND name zone, a VTIMEZONE of that TZID exists, and it
    gives zoneinfo's offset at both."""
    for name in ("DTSTART", "DTEND"):
        assert event[name].params.get("TZID") == zone, (name, event[name].params)
        when = utc(event, name)
        want = when.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()
        assert vtimezone_offset(cal, zone, when) == want, (name, when, want)


def assert_lines(data):
    """CRLF line ends, lines of at most 75 octets, each whole UTF-8."""
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    for line in lines:
        assert b"\r" not in line and b"\n" not in line, line
        assert len(line) <= 75, (len(line), line)
        line.decode("utf-8")  # raises if a fold cut a character


@test
def shanghai_invitation_in_chinese():
    data, cal, ev = parse(write("shanghai.ics"))
    assert_lines(data)
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(ev["UID"]) == UID
    assert int(ev["SEQUENCE"]) == 0
    assert str(ev["STATUS"]) == "CONFIRMED"
    assert utc(ev, "DTSTART") == SHANGHAI
    assert utc(ev, "DTEND") == SHANGHAI + datetime.timedelta(minutes=30)
    assert ev.decoded("DTSTART").replace(tzinfo=None) == datetime.datetime(2026, 3, 10, 10, 0)
    assert utc(ev, "DTSTAMP") == NOW
    assert_zone(cal, ev, "Asia/Shanghai")
    assert str(ev["SUMMARY"]) == "AI 电话面试：产品经理（华星集团）"
    assert ev["SUMMARY"].params["LANGUAGE"] == "zh-CN"
    assert str(ev["DESCRIPTION"]).splitlines() == [
        "AI 电话面试 华星集团，应聘职位：产品经理。",
        "时间：2026年3月10日（星期二）10:00–10:30（Asia/Shanghai）",
        "届时我们将致电您。",
    ]
    assert str(ev["ATTENDEE"]) == "mailto:zhang.san@example.cn"
    assert ev["ATTENDEE"].params["CN"] == "张三"
    assert ev["ATTENDEE"].params["ROLE"] == "REQ-PARTICIPANT"
    assert str(ev["ORGANIZER"]) == "mailto:interviews@hrflow.example.cn"
    assert ev["ORGANIZER"].params["CN"] == "华星集团"


@test
def new_york_across_the_dst_change():
    end = NEW_YORK + datetime.timedelta(hours=1)
    data, cal, ev = parse(write("new-york.ics", lang="en", zone="America/New_York",
                                start_us=NEW_YORK, end_us=end, company_name="Huaxing Group",
                                job_title="Product Manager", attendee_name="John Smith",
                                attendee_email="john.smith@example.com"))
    assert_lines(data)
    assert utc(ev, "DTSTART") == NEW_YORK
    assert utc(ev, "DTEND") == end
    assert ev.decoded("DTSTART").utcoffset() == datetime.timedelta(hours=-5)
    assert ev.decoded("DTEND").utcoffset() == datetime.timedelta(hours=-4)
    assert_zone(cal, ev, "America/New_York")
    # the VTIMEZONE is right for every later interview too, until its rules run out
    ny = zoneinfo.ZoneInfo("America/New_York")
    for year in range(2026, 2041):
        for month in range(1, 13):
            when = datetime.datetime(year, month, 15, 12, tzinfo=UTC)
            if when >= NEW_YORK:
                assert vtimezone_offset(cal, "America/New_York", when) == \
                    when.astimezone(ny).utcoffset(), when
    assert str(ev["SUMMARY"]) == "AI phone interview: Product Manager (Huaxing Group)"
    assert ev["ATTENDEE"].params["CN"] == "John Smith"
    assert str(ev["ATTENDEE"]) == "mailto:john.smith@example.com"


@test
def berlin_repeated_hour_is_written_in_utc():
    start = datetime.datetime(2026, 10, 24, 23, 30, tzinfo=UTC)  # 01:30 CEST
    end = start + datetime.timedelta(hours=2)  # 02:30 CET, after 02:30 CEST
    _, cal, ev = parse(write("berlin.ics", zone="Europe/Berlin", start_us=start, end_us=end))
    assert utc(ev, "DTSTART") == start
    assert utc(ev, "DTEND") == end
    assert ev["DTSTART"].params.get("TZID") == "Europe/Berlin"
    assert "TZID" not in ev["DTEND"].params
    assert vtimezone_offset(cal, "Europe/Berlin", start) == datetime.timedelta(hours=2)
    assert vtimezone_offset(cal, "Europe/Berlin", end) == datetime.timedelta(hours=1)


@test
def reschedule_keeps_the_uid_and_raises_the_sequence():
    later = SHANGHAI + datetime.timedelta(days=1, hours=4)
    _, _, first = parse(write("first.ics"))
    _, cal, moved = parse(write("moved.ics", sequence=1, start_us=later,
                                end_us=later + datetime.timedelta(minutes=30)))
    assert str(moved["UID"]) == str(first["UID"]) == UID
    assert int(moved["SEQUENCE"]) == 1 > int(first["SEQUENCE"])
    assert str(cal["METHOD"]) == "REQUEST"
    assert utc(moved, "DTSTART") == later
    assert_zone(cal, moved, "Asia/Shanghai")


@test
def cancel_removes_the_same_event():
    data, cal, ev = parse(write("cancel.ics", method="cancel", sequence=2, alarm_minutes=30))
    assert_lines(data)
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(ev["STATUS"]) == "CANCELLED"
    assert str(ev["UID"]) == UID
    assert int(ev["SEQUENCE"]) == 2
    assert str(ev["ATTENDEE"]) == "mailto:zhang.san@example.cn"
    assert ev.walk("VALARM") == []
    assert str(ev["SUMMARY"]) == "已取消：AI 电话面试：产品经理（华星集团）"
    assert utc(ev, "DTSTART") == SHANGHAI


@test
def chinese_text_round_trips():
    title = "高级产品经理（人工智能方向）" + "招聘平台、面试系统" * 8 + ", AI; C\\D"
    note = "请携带身份证;\n提前 5 分钟,保持电话畅通\\\r\n谢谢"
    data, _, ev = parse(write("chinese.ics", job_title=title, note=note,
                              round_name="终面", kind="round", address="上海市浦东新区世纪大道 88 号 5 楼",
                              manage_url="https://hrflow.example.cn/b/abc"))
    assert_lines(data)
    assert data.count(b"\r\n ") >= 8  # folded
    assert str(ev["SUMMARY"]) == "终面：%s（华星集团）" % title
    assert str(ev["LOCATION"]) == "上海市浦东新区世纪大道 88 号 5 楼"
    assert str(ev["DESCRIPTION"]).split("\n") == [
        "终面 华星集团，应聘职位：%s。" % title,
        "时间：2026年3月10日（星期二）10:00–10:30（Asia/Shanghai）",
        "地点：上海市浦东新区世纪大道 88 号 5 楼",
        "改期或取消：https://hrflow.example.cn/b/abc",
        "",
        "请携带身份证;",
        "提前 5 分钟,保持电话畅通\\",  # the CR of CRLF is dropped, the line stays
        "谢谢",
    ]


@test
def download_has_the_link_and_the_alarm_but_no_attendee():
    data, cal, ev = parse(write("download.ics", method="publish", alarm_minutes=15,
                                join_url="https://meet.example.com/j/123?pwd=a;b",
                                dial_in="+86 400 820 1234"))
    assert str(cal["METHOD"]) == "PUBLISH"
    assert "ATTENDEE" not in ev
    assert b"zhang.san" not in data and "张三".encode() not in data
    assert str(ev["URL"]) == "https://meet.example.com/j/123?pwd=a;b"
    assert str(ev["LOCATION"]) == "https://meet.example.com/j/123?pwd=a;b"
    assert "电话：+86 400 820 1234" in str(ev["DESCRIPTION"]).splitlines()
    [alarm] = ev.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == datetime.timedelta(minutes=-15)


@test
def an_unknown_zone_writes_nothing():
    path = os.path.join(tmp, "mars.ics")
    out = subprocess.run([WRITE, path] + ["%s=%s" % (k, arg(v)) for k, v in
                                          dict(BASE, zone="Mars/Olympus_Mons").items()],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 1, out
    assert out.stdout.startswith("unknown time zone zone: "), out.stdout
    assert not os.path.exists(path)


if __name__ == "__main__":
    run(setup, teardown)
