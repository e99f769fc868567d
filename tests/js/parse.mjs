// Read an iCalendar file on stdin with Mozilla's ical.js and print what it understood, as JSON:
// {"calendar": {property: value}, "events": [{uid, sequence, status, summary, description,
// url, start, end}]}, times in UTC (ISO 8601). Exits non-zero when ical.js cannot parse it.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const root = new ICAL.Component(ICAL.parse(Buffer.concat(chunks).toString("utf8")));

for (const zone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}

const utc = (time) => (time ? time.toJSDate().toISOString() : null);
const calendar = {};
for (const prop of root.getAllProperties()) {
  calendar[prop.name] = String(prop.getFirstValue());
}
const events = root.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  return {
    uid: event.uid,
    sequence: event.sequence,
    status: vevent.getFirstPropertyValue("status"),
    summary: event.summary,
    description: event.description,
    url: vevent.getFirstPropertyValue("url"),
    start: utc(event.startDate),
    end: utc(event.endDate),
  };
});
console.log(JSON.stringify({ calendar, events }));
