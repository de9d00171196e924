// calendar_ner demo page: POST /extract with details, highlight each value at its span with its
// confidence, show the resolved event, download it as .ics. Plain JS, no dependencies.
"use strict";

const FIELDS = ["action", "date", "time", "attendees", "location", "duration", "recurrence",
  "notes"];
const DAYS = { MO: "Monday", TU: "Tuesday", WE: "Wednesday", TH: "Thursday", FR: "Friday",
  SA: "Saturday", SU: "Sunday" };
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];
const ORDINALS = { 1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", "-1": "last",
  "-2": "second to last" };
const $ = (id) => document.getElementById(id);

function pad(n) { return String(n).padStart(2, "0"); }

function init() {
  const now = new Date();
  $("reference").value = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}` +
    `T${pad(now.getHours())}:${pad(now.getMinutes())}`;
  $("timezone").value = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const zones = Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone") : [];
  $("zones").innerHTML = zones.map((z) => `<option value="${z}">`).join("");
  $("form").addEventListener("submit", (e) => { e.preventDefault(); extract(); });
  $("download").addEventListener("click", download);
}

function request(extra) {
  return {
    text: $("text").value,
    reference: $("reference").value || null,
    timezone: $("timezone").value || null,
    ...extra,
  };
}

async function post(body) {
  const response = await fetch("/extract", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    const detail = (await response.json().catch(() => ({}))).detail;
    const message = Array.isArray(detail) ? detail.map((d) => d.msg).join("; ") : detail;
    throw new Error(message || `HTTP ${response.status}`);
  }
  return response;
}

async function extract() {
  $("submit").disabled = true;
  $("error").hidden = true;
  try {
    const body = request({ details: true });
    const event = (await (await post(body)).json()).event;
    show(body.text, event);
  } catch (err) {
    $("error").textContent = err.message;
    $("error").hidden = false;
  } finally {
    $("submit").disabled = false;
  }
}

async function download() {
  try {
    const blob = await (await post(request({ format: "ics" }))).blob();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "event.ics";
    document.body.appendChild(link);
    link.click();
    link.remove();
  } catch (err) {
    $("error").textContent = err.message;
    $("error").hidden = false;
  }
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Every [start, end) span with its field, value and confidence, in text order, overlaps dropped.
function marks(event) {
  const found = [];
  for (const field of FIELDS) {
    const span = event.spans[field];
    const value = event.output[field];
    if (!span) continue;
    const pairs = field === "attendees" ? span.map((s, i) => [s, value[i]]) : [[span, value]];
    for (const [s, v] of pairs) if (s) found.push({ field, start: s[0], end: s[1], value: v });
  }
  found.sort((a, b) => a.start - b.start);
  return found.filter((m, i) => i === 0 || m.start >= found[i - 1].end);
}

function show(text, event) {
  let html = "";
  let at = 0;
  for (const m of marks(event)) {
    const p = event.confidence[m.field];
    const pct = Math.round(p * 100);
    html += escapeHtml(text.slice(at, m.start));
    html += `<mark class="f-${m.field}${p < 0.5 ? " low" : ""}" data-field="${m.field}" ` +
      `title="${m.field}: ${escapeHtml(String(m.value))} (confidence ${pct}%)">` +
      `${escapeHtml(text.slice(m.start, m.end))}<span class="badge">${pct}%</span></mark>`;
    at = m.end;
  }
  $("highlighted").innerHTML = html + escapeHtml(text.slice(at));
  $("legend").innerHTML = FIELDS.map((f) => {
    const value = event.output[f];
    const shown = value === null ? "null" : Array.isArray(value) ? value.join(", ") : value;
    const pct = Math.round(event.confidence[f] * 100);
    return `<span class="f-${f}" title="confidence ${pct}%">${f}: ${escapeHtml(shown)}` +
      ` · ${pct}%</span>`;
  }).join("");
  $("card").innerHTML = card(event);
  $("json").textContent = JSON.stringify(event, null, 2);
  $("result").hidden = false;
}

// "2026-11-30T10:00:00+01:00" -> "Monday 30 November 2026, 10:00" (the wall time as given).
function when(iso) {
  if (!iso) return null;
  const [y, mo, d] = iso.slice(0, 10).split("-").map(Number);
  const day = new Date(Date.UTC(y, mo - 1, d)).getUTCDay();
  const name = Object.values(DAYS)[(day + 6) % 7];
  const date = `${name} ${d} ${MONTHS[mo - 1]} ${y}`;
  return iso.length > 10 ? `${date}, ${iso.slice(11, 16)}` : date;
}

function dayName(code) {
  const m = /^([+-]?\d)?([A-Z]{2})$/.exec(code);
  if (!m) return code;
  return m[1] ? `the ${ORDINALS[Number(m[1])] || m[1]} ${DAYS[m[2]]}` : DAYS[m[2]];
}

function list(words) {
  return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

// A simple RFC 5545 rule in English: "every other week on Monday and Wednesday, 6 times"; a
// weekly rule without BYDAY repeats on the start's weekday.
function rruleText(rule, start) {
  if (!rule) return null;
  const p = Object.fromEntries(rule.split(";").map((kv) => kv.split("=")));
  const n = Number(p.INTERVAL || 1);
  const unit = { HOURLY: "hour", DAILY: "day", WEEKLY: "week", MONTHLY: "month",
    YEARLY: "year" }[p.FREQ] || p.FREQ.toLowerCase();
  let text = n === 1 ? `every ${unit}` : n === 2 ? `every other ${unit}` : `every ${n} ${unit}s`;
  let days = p.BYDAY ? p.BYDAY.split(",") : [];
  if (p.FREQ === "WEEKLY" && !days.length && start) {
    const [y, mo, d] = start.slice(0, 10).split("-").map(Number);
    days = [Object.keys(DAYS)[(new Date(Date.UTC(y, mo - 1, d)).getUTCDay() + 6) % 7]];
  }
  if (p.FREQ === "WEEKLY" && days.length) {
    const key = days.join(",");
    if (key === "MO,TU,WE,TH,FR" && n === 1) text = "every weekday";
    else if (key === "SA,SU" && n === 1) text = "every weekend day";
    else if (n === 1) text = `every ${list(days.map(dayName))}`;
    else text += ` on ${list(days.map(dayName))}`;
  } else if (days.length) {
    text = `${list(days.map(dayName))} of ${text}`;
  }
  if (p.BYMONTHDAY) {
    const d = Number(p.BYMONTHDAY);
    text += d === -1 ? " on its last day" : ` on day ${d}`;
  }
  if (p.BYMONTH) text += ` in ${list(p.BYMONTH.split(",").map((m) => MONTHS[Number(m) - 1]))}`;
  if (p.COUNT) text += `, ${p.COUNT} times`;
  if (p.UNTIL) {
    const u = p.UNTIL;
    text += `, until ${when(`${u.slice(0, 4)}-${u.slice(4, 6)}-${u.slice(6, 8)}`)}`;
  }
  return text;
}

function card(event) {
  const out = event.output;
  const r = event.resolved;
  const rows = [
    ["Starts", when(r.start) || "not placed"],
    ["Ends", when(r.end)],
    ["Duration", r.duration],
    ["Repeats", rruleText(r.rrule, r.start) || out.recurrence],
    ["Next", r.occurrences ? r.occurrences.map(when).join("; ") : null],
    ["With", out.attendees ? list(out.attendees) : null],
    ["Where", out.location],
    ["Notes", out.notes],
    ["Time zone", r.timezone],
  ].filter(([, v]) => v);
  const notes = r.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("");
  return `<h3 id="card-title">${escapeHtml(out.action || "(no title)")}</h3><dl>` +
    rows.map(([k, v]) => `<dt>${k}</dt><dd data-key="${k}">${escapeHtml(String(v))}</dd>`)
      .join("") +
    `</dl>${notes ? `<ul class="notes">${notes}</ul>` : ""}`;
}

init();
