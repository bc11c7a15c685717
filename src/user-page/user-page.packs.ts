import type { UserPageFormat } from './user-page.format';

/**
 * Part of the user page's browser script (see user-page.client.ts): "Buy credits", shown only
 * where the service sells packs (`GET /v1/credits/packs` answers 200 with some); a pack starts a
 * Stripe Checkout (`POST /v1/credits/checkout`) and the page goes there. Self-contained.
 */
export function userPagePacks(
  win: any,
  request: (method: string, path: string, json?: unknown) => Promise<any>,
  format: UserPageFormat,
  say: (text: string | null) => void,
) {
  const doc = win.document;
  const byId = (id: string): any => doc.getElementById(id);

  async function checkout(pack: string, button: any): Promise<void> {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    const answer = await request('POST', '/v1/credits/checkout', { pack });
    button.disabled = false;
    button.removeAttribute('aria-busy');
    if (answer.ok && answer.body.checkoutUrl) return win.location.assign(answer.body.checkoutUrl);
    say(
      answer.body.code === 'purchases_disabled'
        ? 'Buying credits is switched off on this service. Nothing was charged.'
        : 'The purchase could not start: ' +
            format.problemMessage(answer.status, answer.body, answer.retryAfter, null, false),
    );
  }

  function packButton(pack: any): any {
    const item = doc.createElement('li');
    const button = doc.createElement('button');
    button.type = 'button';
    button.dataset.pack = pack.id;
    button.textContent = format.plural(pack.credits, 'credit', 'credits') + ' for ' + format.usd(pack.priceUsd);
    button.addEventListener('click', () => void checkout(pack.id, button));
    item.append(button);
    return item;
  }

  /** Shows the button when there are packs to buy; resolves with how many. */
  async function load(): Promise<number> {
    const answer = await request('GET', '/v1/credits/packs');
    const packs = answer.ok && Array.isArray(answer.body.packs) ? answer.body.packs : [];
    byId('buy').hidden = packs.length === 0;
    if (packs.length === 0) byId('packs').hidden = true;
    byId('pack-list').replaceChildren(...packs.map(packButton));
    return packs.length;
  }

  byId('buy').addEventListener('click', () => {
    const list = byId('packs');
    list.hidden = !list.hidden;
    byId('buy').setAttribute('aria-expanded', String(!list.hidden));
    if (!list.hidden) list.querySelector('button')?.focus();
  });
  return { load };
}
