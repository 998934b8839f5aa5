// The diary in a browser: one page, a screen per capability (#today, #diary, #ask, #picture,
// #report, #insights, #me). Each screen asks the API only for what it shows when it is opened; the forms
// send one request each. No framework: the DOM, fetch and the strings of strings.js.
"use strict";

// config.json says where the API is and who the caller is: locally (web/config.json, make dev)
// {"auth": "local"}, the name typed on the page; deployed (make web-deploy), {"auth": "cognito",
// "api", "hosted_ui", "client_id", "redirect_uri", "region"}, signing in at the hosted UI.
let CONFIG = {auth: "local", api: ""};
let API = "";
let hostedUi = null; // signin.js's HostedUi when CONFIG.auth is "cognito"
const SCREENS = ["today", "diary", "ask", "picture", "report", "insights", "me"];
const INSIGHT_DAYS = 30;
const SVG = "http://www.w3.org/2000/svg";
const REPORT_POLL_MS = 2000;
const EXPORT_POLL_MS = 2000;
const POLL_TRIES = 60;

const $ = (id) => document.getElementById(id);
let lang = localStorage.getItem("lang") || "ko";
let user = sessionStorage.getItem("user") || "";
let draft = ""; // today's question, put into the record form when #today next opens

function t(key, ...args) {
  const value = STRINGS[lang][key];
  return typeof value === "function" ? value(...args) : value;
}

function localDate(date = new Date()) {
  // YYYY-MM-DD in the browser's own time zone ("sv-SE" writes dates that way).
  return date.toLocaleDateString("sv-SE");
}

function addDays(isoDate, days) {
  const date = new Date(`${isoDate}T12:00:00`);
  date.setDate(date.getDate() + days);
  return localDate(date);
}

// --- talking to the API ---------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, error, retryAfter) {
    super(error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = error?.code;
    this.retryAfter = retryAfter;
  }
}

async function caller() {
  if (!hostedUi) {
    // fetch() refuses a header value beyond Latin-1 (a name typed in Hangul), so the name travels
    // percent-encoded: the same name is always the same caller.
    return {"X-User-Id": encodeURIComponent(user)};
  }
  const token = await hostedUi.accessToken();
  if (!token) {
    // Expired and not renewed: sign in again.
    user = "";
    signedIn();
    throw new ApiError(401, {code: "signed_out"});
  }
  return {Authorization: `Bearer ${token}`};
}

async function api(method, path, body, extraHeaders = {}) {
  const headers = {...(await caller()), ...extraHeaders};
  const init = {method, headers};
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  // A key per request: a retry by the browser or a proxy cannot store the same thing twice.
  if (method !== "GET" && method !== "DELETE") headers["Idempotency-Key"] = crypto.randomUUID();
  let response;
  try {
    response = await fetch(API + path, init);
  } catch (networkError) {
    throw new ApiError(0, {code: "network"});
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data?.error, response.headers.get("retry-after"));
  return {status: response.status, data, location: response.headers.get("location")};
}

function say(message) {
  $("error").textContent = "";
  $("status").textContent = message;
}

function fail(error) {
  $("status").textContent = "";
  if (!(error instanceof ApiError)) throw error;
  let message = error.status === 0 ? t("error.network") : t("codes")[error.code] || t("error.generic", error.status);
  if (error.retryAfter) message += t("error.retry", error.retryAfter);
  $("error").textContent = message;
  // An erased account: nothing it showed before stays on the screen.
  if (error.code === "account_erasing" || error.code === "account_erased") {
    for (const screen of SCREENS) $(screen).hidden = true;
  }
}

async function guarded(action) {
  try {
    await action();
  } catch (error) {
    fail(error);
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function day() {
  return $("day").value;
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

// --- screens ----------------------------------------------------------------------------------

const load = {
  async today() {
    const {data} = await api("GET", `/records?date=${day()}`);
    const list = $("records");
    list.replaceChildren(...data.items.map((record) => element("li", record.content)));
    $("records-empty").hidden = data.items.length > 0;
  },

  async diary() {
    try {
      showDiary((await api("GET", `/diaries/${day()}`)).data);
    } catch (error) {
      if (error.status !== 404) throw error;
      showDiary(null);
    }
  },

  async ask() {},

  async picture() {
    const {data} = await api("GET", "/images?limit=12");
    $("pictures").replaceChildren(...data.items.map(pictureItem));
    $("pictures-empty").hidden = data.items.length > 0;
  },

  async report() {
    $("report-to").value ||= day();
    $("report-from").value ||= addDays(day(), -6);
    const {data} = await api("GET", "/reports");
    $("reports").replaceChildren(...data.items.map(reportItem));
  },

  async insights() {
    // Two calls, side by side: today's question (in the page's language: Accept-Language is a
    // CORS-safelisted header) and the 30 days ending on the chosen day.
    const [prompt, insights] = await Promise.all([
      api("GET", "/prompts/today", undefined, {"Accept-Language": lang}),
      api("GET", `/insights?from=${addDays(day(), 1 - INSIGHT_DAYS)}&to=${day()}`),
    ]);
    $("prompt").hidden = false;
    $("prompt-question").textContent = prompt.data.question;
    showInsights(insights.data);
  },

  async me() {
    const {data} = await api("GET", "/me/usage");
    $("usage").textContent = t("me.usage", data);
  },
};

function showDiary(diary) {
  $("diary-empty").hidden = Boolean(diary);
  $("diary-view").hidden = !diary;
  if (!diary) return;
  $("diary-title").textContent = diary.title;
  $("diary-content").textContent = diary.content;
  $("diary-tags").textContent = diary.tags.map((tag) => `#${tag}`).join(" ");
  $("diary-by").textContent = diary.edited ? t("diary.byUser") : t("diary.byModel", diary.model);
  $("diary-title-input").value = diary.title;
  $("diary-content-input").value = diary.content;
  $("diary-tags-input").value = diary.tags.join(", ");
}

function pictureItem(image) {
  const figure = element("figure");
  const img = element("img");
  img.src = image.url;
  img.alt = image.diary_date ? t("picture.of", image.diary_date) : image.prompt;
  img.width = 320;
  img.height = 400; // portrait 4:5, so the page does not jump when it arrives
  figure.append(img, element("figcaption", image.prompt));
  const item = element("li");
  item.append(figure);
  return item;
}

function reportItem(report) {
  const button = element("button", `${t("report.title", report.start_date, report.end_date)} · ${t("report.status")[report.status]}`);
  button.type = "button";
  button.addEventListener("click", () => guarded(async () => showReport((await api("GET", `/reports/${report.report_id}`)).data)));
  const item = element("li");
  item.append(button);
  return item;
}

function showReport(report) {
  $("report-view").hidden = false;
  $("report-title").textContent = t("report.title", report.start_date, report.end_date);
  $("report-status").textContent = t("report.status")[report.status];
  $("report-average").textContent = report.average_score == null ? "" : t("report.average", report.average_score);
  $("report-days").querySelector("tbody").replaceChildren(
    ...(report.daily_scores || []).map((score) => {
      const row = element("tr");
      row.append(element("td", score.date), element("td", String(score.score)), element("td", score.themes.join(", ")));
      return row;
    }),
  );
  $("report-points").replaceChildren(...(report.feedback_points || []).map((point) => element("li", point)));
  $("report-feedback").textContent = report.feedback || report.failure || "";
}

function showInsights(data) {
  $("insights-period").textContent = t("insights.period", data.period);
  const empty = data.period.days_written === 0;
  $("insights-empty").hidden = !empty;
  $("insights-view").hidden = empty;
  if (empty) return;
  $("insights-days").textContent = t("insights.ofDays", data.period.days_written, data.period.days);
  $("insights-current").textContent = t("insights.streak", data.streaks.current);
  $("insights-longest").textContent = t("insights.streak", data.streaks.longest);
  showMood(data.mood, data.period);
  $("weekdays").querySelector("tbody").replaceChildren(
    ...data.weekdays.map((w) => {
      const row = element("tr");
      row.append(element("th", t("insights.weekdays")[w.weekday]), element("td", String(w.records)), element("td", String(w.days_written)));
      row.firstChild.scope = "row";
      return row;
    }),
  );
  const themes = data.themes.map((theme) => element("li", t("insights.theme", theme)));
  if (data.fading_themes.length) {
    themes.push(element("li", t("insights.fading", data.fading_themes.map((theme) => theme.theme).join(", ")), "hint"));
  }
  $("themes").replaceChildren(...themes);
  $("themes-empty").hidden = data.themes.length > 0;
}

function svg(tag, attributes) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

// The mood (1-10) of each day with a diary, and its 7-day moving average, over the period's days:
// a gap in the days is a gap on the x axis, not squeezed out. The SVG is one picture to a screen
// reader (role="img", named by the heading and the summary); the table under it holds the numbers.
function showMood(mood, period) {
  const points = mood.series;
  $("mood-empty").hidden = points.length > 0;
  $("mood-chart").hidden = points.length === 0;
  $("mood-summary").textContent = points.length ? t("insights.moodSummary", mood, points.length) : "";
  const chart = $("mood-svg");
  chart.replaceChildren();
  $("mood-table").querySelector("tbody").replaceChildren(
    ...points.map((p) => {
      const row = element("tr");
      row.append(element("td", p.date), element("td", String(p.mood)), element("td", String(p.moving_average)));
      return row;
    }),
  );
  if (!points.length) return;
  const [width, height, pad] = [320, 140, 16];
  const start = new Date(`${period.start}T12:00:00`);
  const span = Math.max(period.days - 1, 1);
  const x = (date) => pad + ((new Date(`${date}T12:00:00`) - start) / 86400000 / span) * (width - 2 * pad);
  const y = (value) => height - pad - ((value - 1) / 9) * (height - 2 * pad);
  for (const level of [1, 5.5, 10]) {
    chart.append(svg("line", {x1: pad, x2: width - pad, y1: y(level), y2: y(level), class: "grid"}));
  }
  for (const level of [1, 10]) {
    const label = svg("text", {x: 0, y: y(level) + 4, class: "axis"});
    label.textContent = level;
    chart.append(label);
  }
  const line = (key) => points.map((p, i) => `${i ? "L" : "M"}${x(p.date).toFixed(1)},${y(p[key]).toFixed(1)}`).join(" ");
  chart.append(svg("path", {d: line("moving_average"), class: "average"}), svg("path", {d: line("mood"), class: "mood"}));
  for (const p of points) chart.append(svg("circle", {cx: x(p.date).toFixed(1), cy: y(p.mood).toFixed(1), r: 3, class: "mood"}));
}

async function pollReport(report) {
  for (let tries = 0; (report.status === "pending" || report.status === "running") && tries < POLL_TRIES; tries++) {
    say(t("report.waiting"));
    await sleep(REPORT_POLL_MS);
    report = (await api("GET", `/reports/${report.report_id}`)).data;
  }
  return report;
}

async function exportDocument() {
  const answer = await api("GET", "/me/export");
  if (answer.status === 200) return new Blob([JSON.stringify(answer.data, null, 2)], {type: "application/json"});
  // A large account: the worker writes the document; poll its Location, then fetch it from the
  // bucket by its presigned URL (the bucket's CORS lets this page read it).
  let state = answer.data;
  for (let tries = 0; state.status !== "completed" && tries < POLL_TRIES; tries++) {
    if (state.status === "failed" || state.status === "expired") throw new ApiError(200, {code: `export_${state.status}`});
    say(t("me.exporting"));
    await sleep(EXPORT_POLL_MS);
    state = (await api("GET", answer.location)).data;
  }
  let response;
  try {
    response = await fetch(state.url);
  } catch (networkError) {
    throw new ApiError(0, {code: "network"});
  }
  if (!response.ok) throw new ApiError(response.status, null);
  return response.blob();
}

// --- wiring -----------------------------------------------------------------------------------

function currentScreen() {
  const name = location.hash.slice(1);
  return SCREENS.includes(name) ? name : "today";
}

async function open(focus) {
  const name = currentScreen();
  for (const screen of SCREENS) $(screen).hidden = screen !== name;
  for (const link of document.querySelectorAll("nav a")) {
    if (link.hash === `#${name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (name === "today" && draft) {
    // Today's question starts a record: on today's date, in the form, the cursor after it.
    $("day").value = localDate();
    $("record-text").value = `${draft}\n`;
    $("record-text").focus();
    draft = "";
  } else if (focus) $(`${name}-h`).focus();
  $("error").textContent = "";
  await guarded(load[name]);
  // For tests and for anyone waiting on the screen; the mark times it from the page's start.
  performance.mark(`ready:${name}`);
  document.body.dataset.ready = name;
}

function translate() {
  document.documentElement.lang = lang;
  document.title = t("title");
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  for (const node of document.querySelectorAll("[data-t-label]")) node.setAttribute("aria-label", t(node.dataset.tLabel));
  $("lang").textContent = t("switchTo");
  $("lang").lang = lang === "ko" ? "en" : "ko";
  if (user) $("signed-in").textContent = t("who.as", user);
}

function signedIn() {
  $("who").hidden = Boolean(user) || Boolean(hostedUi);
  $("signin").hidden = Boolean(user) || !hostedUi;
  $("app").hidden = !user;
  translate();
  if (user) open(false);
}

function on(id, event, action) {
  $(id).addEventListener(event, (e) => {
    e.preventDefault();
    guarded(() => action(e));
  });
}

on("who", "submit", async () => {
  user = $("user").value.trim();
  sessionStorage.setItem("user", user);
  signedIn();
});

$("signin-start").addEventListener("click", () => hostedUi.signIn());

$("sign-out").addEventListener("click", () => {
  if (hostedUi) {
    hostedUi.signOut();
    return;
  }
  user = "";
  sessionStorage.removeItem("user");
  signedIn();
});

$("lang").addEventListener("click", () => {
  lang = lang === "ko" ? "en" : "ko";
  localStorage.setItem("lang", lang);
  translate();
  if (user) open(false);
});

$("day").addEventListener("change", () => open(false));
window.addEventListener("hashchange", () => open(true));

on("record-form", "submit", async () => {
  await api("POST", "/records", {content: $("record-text").value, record_date: day()});
  $("record-text").value = "";
  say(t("today.saved"));
  await load.today();
});

on("diary-write", "click", async () => {
  let answer;
  try {
    answer = await api("POST", "/diaries", {date: day()});
  } catch (error) {
    if (error.code !== "diary_edited" || !confirm(t("diary.overwrite"))) throw error;
    answer = await api("POST", "/diaries", {date: day(), overwrite: true});
  }
  showDiary(answer.data);
  say(t("diary.written"));
});

on("diary-form", "submit", async () => {
  const tags = $("diary-tags-input").value.split(",").map((tag) => tag.trim()).filter(Boolean);
  const {data} = await api("PUT", `/diaries/${day()}`, {
    title: $("diary-title-input").value,
    content: $("diary-content-input").value,
    tags,
  });
  showDiary(data);
  say(t("diary.saved"));
});

on("ask-form", "submit", async () => {
  const {data} = await api("POST", "/questions", {question: $("question").value, current_date: day()});
  $("answer").hidden = false;
  $("answer-text").textContent = data.answer;
  $("answer-sources").textContent = t("ask.sources", data.sources.length);
});

on("draw", "click", async () => {
  const {data} = await api("POST", "/images", {date: day()});
  $("pictures").prepend(pictureItem(data));
  $("pictures-empty").hidden = true;
  say(t("picture.drawn"));
});

on("report-form", "submit", async () => {
  const {data} = await api("POST", "/reports", {start_date: $("report-from").value, end_date: $("report-to").value});
  const report = await pollReport(data);
  showReport(report);
  $("reports").prepend(reportItem(report));
  say(report.status === "completed" ? t("report.ready") : t("report.status")[report.status]);
});

on("export", "click", async () => {
  const blob = await exportDocument();
  const link = $("export-link");
  URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(blob);
  link.download = `diary-export-${localDate()}.json`;
  link.textContent = t("me.again");
  link.hidden = false;
  link.click();
  say(t("me.exported"));
});

$("prompt-start").addEventListener("click", () => {
  draft = $("prompt-question").textContent;
  location.hash = "#today";
  say(t("insights.started"));
});

$("erase-sure").addEventListener("change", () => {
  $("erase").disabled = !$("erase-sure").checked;
});

on("erase", "click", async () => {
  const {data} = await api("DELETE", "/me");
  $("erase-sure").checked = false;
  $("erase").disabled = true;
  say(data.status === "erased" ? t("me.erased") : t("me.erasing"));
});

async function loadConfig() {
  // Its own Cache-Control (no-cache, make web-deploy) makes the browser ask again at every load.
  const response = await fetch("config.json");
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  return response.json();
}

async function start() {
  $("day").value = localDate();
  // The API refuses a record dated after tomorrow (422 future_date): the picker offers no such day.
  $("day").max = addDays(localDate(), 1);
  CONFIG = await loadConfig();
  // Locally (make dev) `?api=` may point the page at an API on another origin, so that a browser
  // goes through CORS as it does with the deployed stack. A deployed page never takes it from a link.
  const local = CONFIG.auth !== "cognito";
  API = ((local && new URLSearchParams(location.search).get("api")) || CONFIG.api || "").replace(/\/$/, "");
  if (local) {
    $("user").value = user;
  } else {
    hostedUi = new HostedUi(CONFIG);
    const failed = await hostedUi.finishSignIn();
    user = hostedUi.who;
    signedIn();
    // After signedIn(): opening a screen clears the error line first.
    if (failed) $("error").textContent = t("codes")[failed];
    return;
  }
  signedIn();
}

start();
