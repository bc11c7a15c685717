import type { userPageFormat } from './user-page.format';
import type { userPageHistory } from './user-page.history';
import type { userPagePacks } from './user-page.packs';

/**
 * The user page's browser script, served as its source text (user-page.controller.ts): this
 * function called with the window and the other parts' factories. Written here so that it is
 * compiled and checked with the service; every part must stay self-contained (hence the type-only
 * imports). DOM values are `any`: the service compiles without the DOM type library. All text is
 * written with `textContent`.
 */
export function userPageClient(
  win: any,
  createFormat: typeof userPageFormat,
  createHistory: typeof userPageHistory,
  createPacks: typeof userPagePacks,
): void {
  const doc = win.document;
  const auth: string = doc.body.dataset.auth;
  const KEY = auth === 'dev' ? 'genledger.userId' : 'genledger.userToken';
  const format = createFormat();
  const byId = (id: string): any => doc.getElementById(id);
  let credits: any = null;
  let canBuy = false;

  const setState = (state: string): void => {
    doc.body.dataset.state = state;
  };

  /** One call of the user API with the tab's credential; never throws. */
  async function request(method: string, path: string, json?: unknown): Promise<any> {
    const credential = win.sessionStorage.getItem(KEY) ?? '';
    const headers: Record<string, string> = { accept: 'application/json' };
    if (auth === 'dev') headers['x-user-id'] = credential;
    else headers.authorization = 'Bearer ' + credential;
    if (json !== undefined) headers['content-type'] = 'application/json';
    try {
      const response = await win.fetch(path, {
        method,
        headers,
        body: json === undefined ? undefined : JSON.stringify(json),
      });
      const body = await response.json().catch(() => ({}));
      const retry = response.headers.get('retry-after');
      return { status: response.status, ok: response.ok, body, retryAfter: retry === null ? null : Number(retry) };
    } catch (error: any) {
      return {
        status: 0,
        ok: false,
        body: { detail: 'the service did not answer: ' + error.message },
        retryAfter: null,
      };
    }
  }

  function say(text: string | null): void {
    const message = byId('message');
    message.hidden = text === null;
    message.textContent = text ?? '';
  }

  /** A refused credential sends the user back to the sign-in form with the reason. */
  function refused(answer: any): boolean {
    if (answer.status !== 401 && answer.status !== 403 && answer.body.code !== 'validation_failed') return false;
    if (answer.status === 400 && !String(answer.body.detail ?? '').includes('X-User-Id')) return false;
    win.sessionStorage.removeItem(KEY);
    showGate(
      (auth === 'dev' ? 'That user id was refused' : 'That token was refused') + ' (' + answer.body.detail + ').',
    );
    return true;
  }

  const history = createHistory(doc, request, format, say);
  const packs = createPacks(win, request, format, say);

  function showGate(message?: string): void {
    byId('studio').hidden = true;
    byId('who').hidden = true;
    byId('gate').hidden = false;
    const alert = byId('gate-message');
    alert.hidden = !message;
    alert.textContent = message ?? '';
    byId('credential').value = '';
    byId('credential').focus();
    setState(message ? 'rejected' : 'gate');
  }

  function renderCredits(next: any): void {
    credits = next;
    byId('free').textContent = next.freeRemainingToday + ' free today';
    byId('free-reset').textContent =
      'of ' + next.freeDailyQuota + ' a day; the count resets ' + format.resetTime(next.quotaResetsAt);
    byId('paid').textContent = format.plural(next.paidCredits, 'credit', 'credits');
    byId('paid-detail').textContent =
      next.reservedCredits > 0 ? next.reservedCredits + ' held by images in progress' : 'used after the free images';
    byId('spend').textContent = format.spendOfCap(next.monthlySpend, next.monthlyCap);
    const ratio = next.monthlyCap > 0 ? next.monthlySpend / next.monthlyCap : 1;
    byId('spend-bar').style.width = Math.min(100, ratio * 100).toFixed(1) + '%';
    byId('tier-now').textContent =
      next.tier === 'premium' ? 'Premium images available' : 'Premium requests are served by Standard this month';
  }

  /** False when the credential was refused (the sign-in form is back); other failures are said. */
  async function loadCredits(): Promise<boolean> {
    const answer = await request('GET', '/v1/credits');
    if (refused(answer)) return false;
    if (answer.ok) renderCredits(answer.body);
    else
      say(
        'Could not load your credits: ' +
          format.problemMessage(answer.status, answer.body, answer.retryAfter, null, false),
      );
    return true;
  }

  function badge(text: string, kind: string): any {
    const node = doc.createElement('span');
    node.className = 'badge ' + kind;
    node.textContent = text;
    return node;
  }

  function showResult(generation: any): void {
    const image = byId('result-image');
    image.src = generation.image.url;
    image.alt = generation.prompt ?? byId('prompt').value.trim();
    image.width = generation.image.width;
    image.height = generation.image.height;
    byId('result-prompt').textContent = image.alt;
    const badges = [badge(generation.tier === 'premium' ? 'Premium' : 'Standard', generation.tier)];
    if (generation.downgraded) badges.push(badge('downgraded', 'downgraded'));
    if (generation.cached) badges.push(badge('Cached · saved ' + format.usd(generation.savedUsd ?? 0), 'cached'));
    byId('result-badges').replaceChildren(...badges);
    const charged =
      generation.charge === 'free' ? 'a free image' : generation.charge === 'paid' ? 'paid credits' : 'nothing';
    byId('result-facts').textContent =
      'Cost ' +
      format.usd(generation.costUsd) +
      ' · provider ' +
      generation.provider +
      ' (' +
      generation.model +
      ')' +
      ' · ' +
      generation.image.width +
      ' x ' +
      generation.image.height +
      ' px · charged: ' +
      charged;
    byId('result').hidden = false;
    byId('result').focus();
  }

  async function generate(): Promise<void> {
    const prompt = byId('prompt').value.trim();
    if (!prompt) return;
    const button = byId('generate');
    if (button.disabled) return;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    button.textContent = 'Generating…';
    setState('generating');
    say(null);
    const body = {
      prompt,
      aspectRatio: byId('aspect').value,
      tier: byId('tier').value,
      quality: byId('quality').value,
    };
    const answer = await request('POST', '/v1/generations', body);
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.textContent = 'Generate';
    if (refused(answer)) return;
    if (answer.ok) {
      showResult({ ...answer.body, prompt: answer.body.prompt ?? prompt });
      renderCredits(answer.body.credits);
      await history.reload();
      setState('generated');
      return;
    }
    await loadCredits();
    say(format.problemMessage(answer.status, answer.body, answer.retryAfter, credits, canBuy));
    setState('problem');
  }

  async function enter(): Promise<void> {
    const credential = win.sessionStorage.getItem(KEY);
    if (!credential) return showGate();
    if (!(await loadCredits())) return;
    byId('who-name').textContent = auth === 'dev' ? 'Signed in as ' + credential : 'Signed in';
    byId('gate').hidden = true;
    byId('who').hidden = false;
    byId('studio').hidden = false;
    byId('prompt').focus();
    if (credits === null) return setState('error');
    const [packCount] = await Promise.all([packs.load(), history.reload()]);
    canBuy = packCount > 0;
    setState('ready');
  }

  byId('sign-in').addEventListener('submit', (event: any) => {
    event.preventDefault();
    const value = byId('credential').value.trim();
    if (!value) return;
    win.sessionStorage.setItem(KEY, value);
    void enter();
  });
  byId('sign-out').addEventListener('click', () => {
    win.sessionStorage.removeItem(KEY);
    credits = null;
    byId('result').hidden = true;
    history.clear();
    say(null);
    showGate();
  });
  // Enter generates, Shift+Enter starts a new line (a prompt is usually one line).
  byId('prompt').addEventListener('keydown', (event: any) => {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    byId('generate-form').requestSubmit();
  });
  byId('generate-form').addEventListener('submit', (event: any) => {
    event.preventDefault();
    void generate();
  });
  void enter();
}
