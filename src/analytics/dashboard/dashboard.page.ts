/** The operator page. Its script and styles are separate assets, so the page runs under a strict CSP. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark">
<title>genledger · operations</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/assets/uplot.min.css">
<link rel="stylesheet" href="/dashboard/assets/dashboard.css">
</head>
<body data-state="loading">
<header class="top">
  <div class="brand"><span class="logo" aria-hidden="true"></span>genledger <span class="muted">operations</span></div>
  <nav class="controls" id="controls" hidden>
    <button id="prev" class="icon" type="button" aria-label="Previous month">&#8249;</button>
    <input id="month" type="month" aria-label="Month">
    <button id="next" class="icon" type="button" aria-label="Next month">&#8250;</button>
    <span id="tier" class="pill"></span>
    <button id="signout" class="ghost" type="button">Forget token</button>
  </nav>
</header>
<main>
  <section id="gate" class="gate" hidden>
    <form id="token-form" class="card gate-card">
      <h1>Operations dashboard</h1>
      <p class="muted">Spend, budget and cache figures come from the admin analytics API. Enter the
        service's admin token; it is kept for this browser tab only.</p>
      <label for="token">Admin token</label>
      <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required>
      <button id="unlock" type="submit">Open dashboard</button>
      <p id="gate-message" class="alert" role="alert" hidden></p>
    </form>
  </section>
  <section id="board" hidden>
    <p id="board-message" class="alert" role="alert" hidden></p>
    <div id="kpis" class="kpis"></div>
    <div id="empty" class="card empty" hidden>
      <h2>No generations yet</h2>
      <p id="empty-detail" class="muted"></p>
    </div>
    <div id="charts" class="charts">
      <section class="card chart wide" data-chart="spend">
        <h2>Spend against the cap</h2>
        <p class="sub">Month-to-date provider spend against the soft cap (left axis) and spend per day (right axis); a dashed line marks a tier change</p>
        <div class="plot"></div>
        <ul id="tier-events" class="events"></ul>
      </section>
      <section class="card chart" data-chart="tiers">
        <h2>Generations by tier</h2>
        <p class="sub">Provider generations per day (cache hits excluded)</p>
        <div class="plot"></div>
      </section>
      <section class="card chart" data-chart="cache">
        <h2>Cache hit rate and money saved</h2>
        <p class="sub">Share of requests served from the prompt cache, and the provider cost it avoided</p>
        <div class="plot"></div>
      </section>
      <section class="card chart" data-chart="charges">
        <h2>Free vs paid</h2>
        <p class="sub">Generations charged to the free daily quota or to paid credits</p>
        <div class="plot"></div>
      </section>
    </div>
    <section class="card alerts">
      <h2>Alerts this month</h2>
      <p class="sub">What the alert webhook was told, and whether it arrived</p>
      <ul id="alerts" class="events"></ul>
    </section>
    <footer id="updated" class="muted"></footer>
  </section>
</main>
<script src="/dashboard/assets/uplot.min.js"></script>
<script src="/dashboard/assets/dashboard.js"></script>
</body>
</html>
`;

export const DASHBOARD_CSS = `
:root {
  --bg: #0b1120; --panel: #111a2e; --panel-2: #16213a; --line: #22304d; --text: #e6edf7; --muted: #8b9bb4;
  --premium: #a78bfa; --standard: #2dd4bf; --spend: #38bdf8; --cap: #f87171; --saved: #34d399; --rate: #fbbf24;
  --free: #60a5fa; --paid: #f472b6; --warn: #f59e0b; --ok: #22c55e;
  font-family: ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
* { box-sizing: border-box; }
html { background: var(--bg); }
body { margin: 0; color: var(--text); background: radial-gradient(1200px 640px at 8% -8%, #1b2a4a 0%, rgba(11, 17, 32, 0) 60%) no-repeat; }
body { min-height: 100vh; font-size: 15px; line-height: 1.45; }
[hidden] { display: none !important; }
.muted { color: var(--muted); }
.top { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; justify-content: space-between;
  padding: 14px clamp(14px, 3vw, 32px); border-bottom: 1px solid var(--line); background: rgba(11, 17, 32, 0.75);
  backdrop-filter: blur(8px); position: sticky; top: 0; z-index: 10; }
.brand { font-weight: 700; font-size: 18px; letter-spacing: 0.2px; display: flex; align-items: center; gap: 10px; }
.brand .muted { font-weight: 500; }
.logo { width: 22px; height: 22px; border-radius: 6px; background: conic-gradient(from 200deg, var(--premium), var(--standard), var(--spend), var(--premium)); }
.controls { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
button, input { font: inherit; color: inherit; }
button { cursor: pointer; border: 1px solid var(--line); background: var(--panel-2); border-radius: 10px; padding: 8px 14px; }
button:hover { border-color: #3a4d75; }
button.icon { width: 38px; padding: 8px 0; font-size: 18px; line-height: 1; }
button.ghost { background: transparent; color: var(--muted); }
input[type=month], input[type=password] { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 8px 12px; }
input[type=month] { color-scheme: dark; }
.pill { border-radius: 999px; padding: 5px 12px; font-size: 13px; font-weight: 600; border: 1px solid transparent; }
.pill.ok { color: var(--ok); background: rgba(34, 197, 94, 0.1); border-color: rgba(34, 197, 94, 0.35); }
.pill.warn { color: var(--warn); background: rgba(245, 158, 11, 0.1); border-color: rgba(245, 158, 11, 0.4); }
main { padding: clamp(14px, 3vw, 32px); max-width: 1480px; margin: 0 auto; }
.card { background: linear-gradient(180deg, var(--panel-2), var(--panel)); border: 1px solid var(--line); border-radius: 16px;
  padding: 18px 20px; box-shadow: 0 10px 30px rgba(0, 0, 0, 0.25); }
.gate { display: grid; place-items: center; min-height: 70vh; }
.gate-card { width: min(440px, 100%); display: grid; gap: 12px; }
.gate-card h1 { margin: 0; font-size: 22px; }
.gate-card p { margin: 0; }
.gate-card label { font-weight: 600; font-size: 13px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.6px; }
.gate-card button { background: linear-gradient(90deg, #7c3aed, #0ea5e9); border: 0; font-weight: 600; padding: 11px; }
.alert { margin: 0 0 16px; padding: 12px 14px; border-radius: 12px; color: #fecaca; background: rgba(248, 113, 113, 0.1); border: 1px solid rgba(248, 113, 113, 0.45); }
.gate-card .alert { margin: 0; }
.kpis { display: grid; gap: 14px; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); margin-bottom: 18px; }
.kpi { padding: 14px 16px; }
.kpi .label { font-size: 12px; text-transform: uppercase; letter-spacing: 0.7px; color: var(--muted); font-weight: 600; }
.kpi .value { font-size: clamp(22px, 2.4vw, 30px); font-weight: 700; margin-top: 4px; font-variant-numeric: tabular-nums; }
.kpi .detail { font-size: 13px; color: var(--muted); margin-top: 2px; }
.bar { height: 6px; border-radius: 6px; background: #24324f; margin-top: 10px; overflow: hidden; }
.bar > span { display: block; height: 100%; border-radius: 6px; background: linear-gradient(90deg, var(--spend), var(--premium)); }
.bar.over > span { background: linear-gradient(90deg, var(--warn), var(--cap)); }
.charts { display: grid; gap: 18px; grid-template-columns: repeat(3, minmax(0, 1fr)); }
.chart.wide { grid-column: 1 / -1; }
.empty { display: grid; place-items: center; text-align: center; min-height: 220px; align-content: center; gap: 6px; }
.empty h2 { margin: 0; font-size: 20px; }
.empty p { margin: 0; max-width: 52ch; }
.chart h2, .alerts h2 { margin: 0; font-size: 16px; }
.chart .sub, .alerts .sub { margin: 2px 0 10px; font-size: 13px; color: var(--muted); }
.plot { min-height: 260px; }
.events { list-style: none; margin: 10px 0 0; padding: 0; display: grid; gap: 6px; font-size: 13px; }
.events li { padding: 8px 12px; border-radius: 10px; background: rgba(245, 158, 11, 0.08); border: 1px solid rgba(245, 158, 11, 0.3); }
.events li.restored { background: rgba(34, 197, 94, 0.08); border-color: rgba(34, 197, 94, 0.3); }
.events li.delivered, .events li.none { background: var(--panel-2); border-color: var(--line); }
.events li.dead { background: rgba(248, 113, 113, 0.1); border-color: rgba(248, 113, 113, 0.4); }
.alerts { margin-top: 18px; }
footer { margin-top: 18px; font-size: 13px; text-align: right; }
.uplot { font-family: inherit; }
.u-legend { font-size: 13px; color: var(--text); }
.u-legend .u-marker { border-radius: 3px; }
.u-legend th { font-weight: 500; }
.u-select { background: rgba(148, 163, 184, 0.12); }
@media (max-width: 1280px) {
  .charts { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .chart:last-child { grid-column: 1 / -1; }
}
@media (max-width: 900px) {
  .charts { grid-template-columns: minmax(0, 1fr); }
  .kpis { grid-template-columns: repeat(2, minmax(0, 1fr)); }
}
@media (max-width: 560px) {
  main { padding: 12px; }
  .card { padding: 14px; border-radius: 14px; }
  .kpis { gap: 10px; }
  .kpi:first-child { grid-column: 1 / -1; }
  .controls { width: 100%; }
  #month { flex: 1; }
}
`;
