const ASPECT_RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4', '3:1', '1:3'];

/** The sign-in form: a user id in dev auth mode (X-User-Id), a bearer token in JWT mode. */
function gate(auth: 'dev' | 'jwt'): string {
  const field =
    auth === 'dev'
      ? `<label for="credential">Your user id</label>
      <input id="credential" name="credential" type="text" autocomplete="username" spellcheck="false"
        pattern="[A-Za-z0-9._:@\\-]{1,128}" maxlength="128" required aria-describedby="credential-help">
      <p id="credential-help" class="muted small">1-128 letters, digits or <code>. _ : @ -</code>. The service
        runs with development sign-in: it is remembered for this browser tab only.</p>`
      : `<label for="credential">Your access token</label>
      <input id="credential" name="credential" type="password" autocomplete="off" spellcheck="false" required
        aria-describedby="credential-help">
      <p id="credential-help" class="muted small">The JWT your account gives you; kept for this browser tab only.</p>`;
  return `<section id="gate" class="gate" hidden>
    <form id="sign-in" class="card gate-card">
      <h1>Make an image</h1>
      <p class="muted">Three free images a day, then paid credits. Repeated prompts come from the cache, free.</p>
      ${field}
      <button id="enter" type="submit" class="primary">Continue</button>
      <p id="gate-message" class="alert" role="alert" hidden></p>
    </form>
  </section>`;
}

/** The user's page. Script and styles are separate assets, so it runs under a strict CSP. */
export function userPageHtml(auth: 'dev' | 'jwt'): string {
  const ratios = ASPECT_RATIOS.map((r) => `<option value="${r}">${r}</option>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark">
<title>genledger · images</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
</head>
<body data-state="loading" data-auth="${auth}">
<a class="skip" href="#prompt">Skip to the prompt</a>
<header class="top">
  <div class="brand"><span class="logo" aria-hidden="true"></span>genledger</div>
  <div class="who" id="who" hidden><span id="who-name" class="muted"></span>
    <button id="sign-out" type="button" class="ghost">${auth === 'dev' ? 'Switch user' : 'Sign out'}</button></div>
</header>
<main>
  ${gate(auth)}
  <section id="studio" hidden>
    <section class="status" aria-label="Your credits and the month's budget">
      <div class="card kpi"><div class="label">Free images</div>
        <div class="value" id="free" aria-live="polite"></div><div class="detail" id="free-reset"></div></div>
      <div class="card kpi"><div class="label">Paid credits</div>
        <div class="value" id="paid"></div><div class="detail" id="paid-detail"></div>
        <button id="buy" type="button" class="small-button" hidden aria-expanded="false" aria-controls="packs">Buy credits</button></div>
      <div class="card kpi"><div class="label">Service spend this month</div>
        <div class="value" id="spend"></div><div class="bar" aria-hidden="true"><span id="spend-bar"></span></div>
        <div class="detail" id="tier-now"></div></div>
    </section>
    <section id="packs" class="card packs" hidden aria-label="Credit packs"><ul id="pack-list"></ul></section>
    <form id="generate-form" class="card compose">
      <label for="prompt">Describe the image</label>
      <textarea id="prompt" name="prompt" rows="3" maxlength="2000" required placeholder="a lighthouse at dawn"
        aria-describedby="prompt-help"></textarea>
      <p id="prompt-help" class="muted small">Enter generates; Shift+Enter starts a new line.</p>
      <div class="options">
        <label>Aspect ratio <select id="aspect" name="aspectRatio">${ratios}</select></label>
        <label>Tier <select id="tier" name="tier"><option value="premium">Premium</option><option value="standard">Standard</option></select></label>
        <label>Quality <select id="quality" name="quality"><option value="standard">Standard</option><option value="hd">HD</option></select></label>
        <button id="generate" type="submit" class="primary">Generate</button>
      </div>
    </form>
    <p id="message" class="alert" role="alert" hidden></p>
    <section id="result" class="card result" tabindex="-1" hidden aria-labelledby="result-title">
      <h2 id="result-title">Your image</h2>
      <figure><img id="result-image" alt=""><figcaption id="result-prompt"></figcaption></figure>
      <div class="badges" id="result-badges"></div>
      <p id="result-facts" class="muted"></p>
    </section>
    <section class="history" aria-labelledby="history-title">
      <h2 id="history-title">Your images</h2>
      <p id="history-empty" class="muted" hidden>Nothing yet: your images appear here.</p>
      <ul id="history" class="grid"></ul>
      <button id="more" type="button" hidden>Show older images</button>
    </section>
  </section>
</main>
<script src="/assets/app.js"></script>
</body>
</html>
`;
}
