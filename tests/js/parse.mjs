// Read a JSON array of iCalendar texts on stdin and print, for each, what Mozilla's ical.js
// understood: {method, calendar: {property: value}, events: [{uid, sequence, status, summary,
// description, url, tzid, start, end, organizer, attendees}]}, times in UTC ("...Z").
// Exits non-zero when ical.js cannot parse a text.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const texts = JSON.parse(Buffer.concat(chunks).toString("utf8"));

// Each calendar's times are read with its own VTIMEZONE (ical.js looks it up in the calendar);
// nothing is registered globally, so one file cannot lend another its zone.
const utc = (t) => (t ? t.convertToZone(ICAL.Timezone.utcTimezone).toString() : null);

const out = texts.map((text) => {
  const root = new ICAL.Component(ICAL.parse(text));
  const calendar = {};
  for (const prop of root.getAllProperties()) calendar[prop.name] = String(prop.getFirstValue());
  return {
    method: root.getFirstPropertyValue("method"),
    calendar,
    events: root.getAllSubcomponents("vevent").map((vevent) => {
      const event = new ICAL.Event(vevent);
      return {
        uid: event.uid,
        sequence: event.sequence,
        status: vevent.getFirstPropertyValue("status"),
        summary: event.summary,
        description: event.description,
        url: vevent.getFirstPropertyValue("url"),
        tzid: vevent.getFirstProperty("dtstart").getParameter("tzid") || null,
        start: utc(event.startDate),
        end: utc(event.endDate),
        organizer: vevent.getFirstPropertyValue("organizer"),
        attendees: vevent.getAllProperties("attendee").map((p) => p.getFirstValue()),
      };
    }),
  };
});
process.stdout.write(JSON.stringify(out));
