/** The user page's styles (same palette as the operator dashboard), served as an asset for the CSP. */
export const USER_PAGE_CSS = `
:root {
  --bg: #0b1120; --panel: #111a2e; --panel-2: #16213a; --line: #22304d; --text: #e6edf7; --muted: #93a3bc;
  --premium: #a78bfa; --standard: #2dd4bf; --spend: #38bdf8; --warn: #f59e0b; --ok: #22c55e; --focus: #fbbf24;
  font-family: ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
* { box-sizing: border-box; }
html { background: var(--bg); }
body { margin: 0; color: var(--text); min-height: 100vh; font-size: 16px; line-height: 1.45;
  background: radial-gradient(1100px 600px at 10% -10%, #1b2a4a 0%, rgba(11, 17, 32, 0) 60%) no-repeat; }
[hidden] { display: none !important; }
.muted { color: var(--muted); }
.small { font-size: 13px; margin: 0; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 12px; top: 12px; z-index: 20; background: var(--panel-2); padding: 8px 12px; border-radius: 8px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.top { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; justify-content: space-between;
  padding: 14px clamp(14px, 3vw, 32px); border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; font-size: 18px; display: flex; align-items: center; gap: 10px; }
.logo { width: 22px; height: 22px; border-radius: 6px; background: conic-gradient(from 200deg, var(--premium), var(--standard), var(--spend), var(--premium)); }
.who { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; min-width: 0; }
.who span { overflow-wrap: anywhere; }
button, input, select, textarea { font: inherit; color: inherit; }
button { cursor: pointer; border: 1px solid var(--line); background: var(--panel-2); border-radius: 10px; padding: 9px 14px; }
button:hover { border-color: #3a4d75; }
button:disabled { opacity: 0.65; cursor: progress; }
button.primary { background: linear-gradient(90deg, #7c3aed, #0ea5e9); border: 0; font-weight: 600; }
button.ghost { background: transparent; color: var(--muted); }
button.small-button { margin-top: 8px; padding: 6px 12px; font-size: 14px; }
input, select, textarea { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 9px 12px; max-width: 100%; }
select { color-scheme: dark; }
textarea { width: 100%; resize: vertical; }
main { padding: clamp(12px, 3vw, 32px); max-width: 1200px; margin: 0 auto; }
.card { background: linear-gradient(180deg, var(--panel-2), var(--panel)); border: 1px solid var(--line); border-radius: 16px;
  padding: 16px 18px; box-shadow: 0 10px 30px rgba(0, 0, 0, 0.25); }
.gate { display: grid; place-items: center; min-height: 60vh; }
.gate-card { width: min(440px, 100%); display: grid; gap: 10px; }
.gate-card h1 { margin: 0; font-size: 24px; }
.gate-card p { margin: 0; }
label { font-weight: 600; font-size: 14px; color: var(--muted); }
.alert { margin: 16px 0; padding: 12px 14px; border-radius: 12px; color: #fde68a; background: rgba(245, 158, 11, 0.1);
  border: 1px solid rgba(245, 158, 11, 0.45); }
.status { display: grid; gap: 14px; grid-template-columns: repeat(3, minmax(0, 1fr)); margin-bottom: 16px; }
.kpi .label { font-size: 12px; text-transform: uppercase; letter-spacing: 0.7px; color: var(--muted); font-weight: 600; }
.kpi .value { font-size: clamp(22px, 3vw, 30px); font-weight: 700; margin-top: 4px; font-variant-numeric: tabular-nums; }
.kpi .detail { font-size: 13px; color: var(--muted); margin-top: 4px; }
.bar { height: 6px; border-radius: 6px; background: #24324f; margin-top: 10px; overflow: hidden; }
.bar > span { display: block; height: 100%; width: 0; background: linear-gradient(90deg, var(--spend), var(--premium)); }
.packs ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 10px; }
.packs { margin-bottom: 16px; }
.compose { display: grid; gap: 10px; }
.options { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; }
.options label { display: grid; gap: 4px; }
.options .primary { min-width: 140px; padding: 11px 18px; }
.result { margin-top: 16px; }
.result h2, .history h2 { margin: 0 0 10px; font-size: 18px; }
.result figure { margin: 0; }
.result img { display: block; width: auto; height: auto; max-width: 100%; max-height: 70vh; border-radius: 12px; background: #000; }
.result figcaption { margin-top: 8px; }
.badges { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 10px; }
.badge { border-radius: 999px; padding: 4px 12px; font-size: 13px; font-weight: 700; border: 1px solid transparent; }
.badge.premium { color: var(--premium); background: rgba(167, 139, 250, 0.12); border-color: rgba(167, 139, 250, 0.45); }
.badge.standard { color: var(--standard); background: rgba(45, 212, 191, 0.12); border-color: rgba(45, 212, 191, 0.45); }
.badge.downgraded { color: var(--warn); background: rgba(245, 158, 11, 0.12); border-color: rgba(245, 158, 11, 0.45); }
.badge.cached { color: var(--ok); background: rgba(34, 197, 94, 0.12); border-color: rgba(34, 197, 94, 0.45); }
.history { margin-top: 24px; }
.grid { list-style: none; margin: 0; padding: 0; display: grid; gap: 14px; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); }
.thumb { display: grid; gap: 8px; align-content: start; padding: 12px; }
.thumb img { width: 100%; height: 160px; object-fit: cover; border-radius: 10px; background: #000; }
.thumb p { margin: 0; overflow-wrap: anywhere; }
.thumb .prompt { font-size: 14px; }
.thumb .muted { font-size: 13px; }
.print { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; }
.print .size { display: grid; gap: 4px; font-size: 13px; }
.print input { width: 96px; }
.links { display: grid; gap: 4px; width: 100%; margin: 0; font-size: 14px; }
a { color: var(--spend); }
#more { margin-top: 14px; }
@media (max-width: 760px) {
  .status { grid-template-columns: minmax(0, 1fr); }
  .options label { flex: 1 1 40%; }
  .options select { width: 100%; }
  .options .primary { flex: 1 1 100%; }
}
`;
