// Reads a JSON array of iCalendar texts on stdin; prints, for each, what Mozilla's ical.js
// understood: METHOD, and per VEVENT its UID, SEQUENCE, STATUS and its times in UTC.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const texts = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const out = texts.map((text) => {
  // Each calendar's times are read with its own VTIMEZONE (ical.js looks it up in the
  // calendar); nothing is registered globally, so one file cannot lend another its zone.
  const root = new ICAL.Component(ICAL.parse(text));
  const utc = (t) => t.convertToZone(ICAL.Timezone.utcTimezone).toString();
  return {
    method: root.getFirstPropertyValue("method"),
    events: root.getAllSubcomponents("vevent").map((vevent) => {
      const event = new ICAL.Event(vevent);
      return {
        uid: event.uid,
        sequence: event.sequence,
        status: vevent.getFirstPropertyValue("status"),
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
