/** A bar of a grouped horizontal bar chart; `note` is printed after the value (e.g. a ratio). */
export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly note?: string;
}

export interface BarGroup {
  readonly label: string;
  readonly bars: readonly Bar[];
}

export interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly groups: readonly BarGroup[];
}

const WIDTH = 860;
const LABEL_WIDTH = 150;
const VALUE_WIDTH = 170;
const BAR_HEIGHT = 18;
const BAR_GAP = 4;
const GROUP_GAP = 14;
const TITLE_HEIGHT = 34;
const PANEL_GAP = 26;
const COLOURS = ['#1d3557', '#e76f51', '#2a9d8f', '#e9c46a', '#8d99ae'];

/**
 * Self-contained SVG (no scripts, fonts or network), readable on GitHub and in any browser.
 * Each panel has its own scale; a bar's colour says its position within the group, so the same
 * series keeps its colour across groups.
 */
export function barChartSvg(title: string, subtitle: string, panels: readonly Panel[]): string {
  const parts: string[] = [];
  let y = 76;
  for (const panel of panels) {
    parts.push(text(16, y, panel.title, 15, 'bold'));
    y += TITLE_HEIGHT - 10;
    const max = Math.max(...panel.groups.flatMap((group) => group.bars.map((bar) => bar.value)), 1e-9);
    const scale = (WIDTH - LABEL_WIDTH - VALUE_WIDTH - 16) / max;
    for (const group of panel.groups) {
      parts.push(text(16, y + BAR_HEIGHT - 4, group.label, 13, 'bold'));
      y += BAR_HEIGHT + BAR_GAP;
      group.bars.forEach((bar, index) => {
        const width = Math.max(1, bar.value * scale);
        parts.push(text(LABEL_WIDTH - 8, y + BAR_HEIGHT - 5, bar.label, 12, 'normal', 'end'));
        parts.push(
          `<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${COLOURS[index % COLOURS.length]}" rx="2"/>`,
        );
        const value = `${formatValue(bar.value)} ${panel.unit}${bar.note ? `  ${bar.note}` : ''}`;
        parts.push(text(LABEL_WIDTH + width + 6, y + BAR_HEIGHT - 5, value, 12));
        y += BAR_HEIGHT + BAR_GAP;
      });
      y += GROUP_GAP;
    }
    y += PANEL_GAP;
  }
  const height = y;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    text(16, 24, title, 17, 'bold'),
    text(16, 42, subtitle, 12, 'normal', 'start', '#555555'),
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function text(
  x: number,
  y: number,
  content: string,
  size: number,
  weight = 'normal',
  anchor = 'start',
  fill = '#222222',
): string {
  return `<text x="${x}" y="${y}" font-size="${size}" font-weight="${weight}" text-anchor="${anchor}" fill="${fill}">${escape(content)}</text>`;
}

function formatValue(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function escape(content: string): string {
  return content.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
