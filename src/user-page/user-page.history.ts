import type { UserPageFormat } from './user-page.format';

/**
 * Part of the user page's browser script (see user-page.client.ts): the user's generations as
 * thumbnails, a page at a time (`GET /v1/generations`), each with "Select for print". Self-contained.
 */
export function userPageHistory(
  doc: any,
  request: (method: string, path: string, json?: unknown) => Promise<any>,
  format: UserPageFormat,
  say: (text: string | null) => void,
) {
  const PAGE = 12;
  const byId = (id: string): any => doc.getElementById(id);
  let cursor: string | null = null;

  function element(tag: string, className: string, text?: string): any {
    const node = doc.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function sizeField(label: string, name: string, value: number): any {
    const wrapper = element('label', 'size', label + ' (in)');
    const input = element('input', '');
    Object.assign(input, { type: 'number', name, min: '1', max: '240', step: '0.01', required: true });
    input.value = String(value);
    wrapper.append(input);
    return wrapper;
  }

  function link(href: string, text: string): any {
    const anchor = element('a', '', text);
    anchor.href = href;
    anchor.target = '_blank';
    anchor.rel = 'noopener';
    return anchor;
  }

  /** Width and height in inches, then links to the 150 DPI print image and the PDF. */
  function printForm(generation: any): any {
    const form = element('form', 'print');
    form.hidden = true;
    const widthInches = 24;
    const ratio = generation.image.width / generation.image.height;
    const heightInches = Math.round((widthInches / ratio) * 100) / 100;
    const submit = element('button', 'primary', 'Make print files');
    submit.type = 'submit';
    const links = element('p', 'links');
    links.setAttribute('aria-live', 'polite');
    form.append(sizeField('Width', 'width', widthInches), sizeField('Height', 'height', heightInches), submit, links);
    form.addEventListener('submit', async (event: any) => {
      event.preventDefault();
      const size = { widthInches: Number(form.elements.width.value), heightInches: Number(form.elements.height.value) };
      submit.disabled = true;
      submit.setAttribute('aria-busy', 'true');
      links.textContent = 'Rendering the print files…';
      const answer = await request('POST', '/v1/generations/' + encodeURIComponent(generation.id) + '/selection', size);
      submit.disabled = false;
      submit.removeAttribute('aria-busy');
      if (!answer.ok) {
        links.textContent = '';
        say(format.problemMessage(answer.status, answer.body, answer.retryAfter, null, false));
        return;
      }
      const { printImage, pdf, dpi } = answer.body;
      links.replaceChildren(
        link(printImage.url, 'Print image ' + printImage.width + ' x ' + printImage.height + ' px (' + dpi + ' DPI)'),
        link(pdf.url, 'PDF ' + pdf.widthInches + ' x ' + pdf.heightInches + ' in'),
      );
      links.firstChild.focus();
    });
    return form;
  }

  function card(generation: any): any {
    const item = element('li', 'card thumb');
    item.dataset.id = generation.id;
    if (generation.status !== 'succeeded' || !generation.image) {
      item.classList.add('failed');
      item.append(
        element('p', 'prompt', generation.prompt),
        element('p', 'muted', generation.status === 'failed' ? 'Failed, nothing charged' : 'In progress'),
      );
      return item;
    }
    const image = element('img', '');
    image.src = generation.image.url;
    image.alt = generation.prompt;
    image.loading = 'lazy';
    image.width = generation.image.width;
    image.height = generation.image.height;
    const tier = generation.tier === 'premium' ? 'Premium' : 'Standard';
    const facts = [tier, generation.cached ? 'Cached' : format.usd(generation.costUsd), generation.aspectRatio];
    const form = printForm(generation);
    const select = element('button', '', 'Select for print');
    select.type = 'button';
    select.setAttribute('aria-expanded', 'false');
    select.addEventListener('click', () => {
      form.hidden = !form.hidden;
      select.setAttribute('aria-expanded', String(!form.hidden));
      if (!form.hidden) form.elements.width.focus();
    });
    item.append(
      image,
      element('p', 'prompt', generation.prompt),
      element('p', 'muted', facts.join(' · ')),
      select,
      form,
    );
    return item;
  }

  async function load(reset: boolean): Promise<void> {
    const query = '?limit=' + PAGE + (!reset && cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
    const answer = await request('GET', '/v1/generations' + query);
    if (!answer.ok) {
      say(
        'Could not load your images: ' +
          format.problemMessage(answer.status, answer.body, answer.retryAfter, null, false),
      );
      return;
    }
    const cards = answer.body.items.map(card);
    if (reset) byId('history').replaceChildren(...cards);
    else byId('history').append(...cards);
    cursor = answer.body.nextCursor;
    byId('more').hidden = !cursor;
    byId('history-empty').hidden = byId('history').children.length > 0;
  }

  byId('more').addEventListener('click', () => void load(false));
  return {
    reload: (): Promise<void> => load(true),
    clear: (): void => {
      cursor = null;
      byId('history').replaceChildren();
      byId('more').hidden = true;
    },
  };
}
