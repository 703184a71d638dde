// tests/e2e/webhook_check.js - a received webhook checked by independent implementations.
//
// Reads {"secrets": [...], "headers": {...}, "body": "..."} on stdin; prints
// {"verified": [true|false per secret], "event": {...}} on stdout: each secret's
// verdict from the standardwebhooks package (signature and timestamp), and the
// event as the cloudevents SDK reads the HTTP message (structured mode) and
// validates it (it throws on an invalid event).
const { Webhook } = require("standardwebhooks");
const { HTTP } = require("cloudevents");

let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  const m = JSON.parse(input);
  const verified = m.secrets.map((s) => {
    try {
      new Webhook(s).verify(m.body, m.headers);
      return true;
    } catch (e) {
      return false;
    }
  });
  const ev = HTTP.toEvent({ headers: m.headers, body: m.body });
  ev.validate();
  process.stdout.write(JSON.stringify({ verified, event: ev.toJSON() }));
});
