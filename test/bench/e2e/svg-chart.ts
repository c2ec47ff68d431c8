// Hand-written SVG: latency against offered load, and throughput per stage at saturation.

export interface LatencySeries {
  label: string;
  color: string;
  /** Offered notifications/s → latency percentiles, ms. */
  points: Array<{ rate: number; p50: number; p95: number; p99: number }>;
}

export interface StageBars {
  /** Stage names, in flow order. */
  stages: string[];
  /** One group member per series (e.g. REST and Kafka saturation): records/s per stage. */
  series: Array<{ label: string; color: string; values: Array<number | undefined> }>;
  /** Horizontal reference lines (e.g. delivered/s end to end, the bare relay chain). */
  references: Array<{ label: string; value: number; color: string }>;
}

const W = 1100;
const H = 490;
const PANEL = { top: 90, bottom: 90, left: 70, width: 440 };
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Number(n.toPrecision(3)).toString());

function text(x: number, y: number, s: string, attrs = ''): string {
  const size = attrs.includes('font-size=') ? '' : 'font-size="12" ';
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${FONT} ${size}${attrs}>${esc(s)}</text>`;
}

/** Powers of ten (and 2× / 5× steps between) covering lo..hi, for a log axis. */
export function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo && v <= hi) ticks.push(v);
    }
  }
  return ticks;
}

function logScale(lo: number, hi: number, pxLo: number, pxHi: number) {
  const a = Math.log10(lo);
  const b = Math.log10(hi);
  return (v: number) => pxLo + ((Math.log10(Math.max(lo, Math.min(hi, v))) - a) / (b - a)) * (pxHi - pxLo);
}

function niceMax(v: number): number {
  const e = 10 ** Math.floor(Math.log10(Math.max(1, v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * e >= v) return m * e;
  return 10 * e;
}

function latencyPanel(x0: number, series: LatencySeries[]): string {
  const out: string[] = [];
  const all = series.flatMap((s) => s.points);
  const plotH = H - PANEL.top - PANEL.bottom;
  const yBottom = PANEL.top + plotH;
  out.push(
    text(x0, PANEL.top - 30, 'Latency, request → provider accepted', 'font-size="15" font-weight="bold"'),
  );
  if (all.length === 0) return [...out, text(x0 + 20, PANEL.top + 40, 'no latency phase ran')].join('\n');
  const xMax = niceMax(Math.max(...all.map((p) => p.rate)) * 1.05);
  const yLo = Math.max(1, 10 ** Math.floor(Math.log10(Math.max(1, Math.min(...all.map((p) => p.p50))))));
  const yHi = 10 ** Math.ceil(Math.log10(Math.max(...all.map((p) => p.p99)) * 1.01));
  const x = (v: number) => x0 + (v / xMax) * PANEL.width;
  const y = logScale(yLo, yHi, yBottom, PANEL.top);
  for (const t of logTicks(yLo, yHi)) {
    out.push(
      `<line x1="${x0}" x2="${x0 + PANEL.width}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e4e4e4"/>`,
    );
    out.push(text(x0 - 8, y(t) + 4, num(t), 'text-anchor="end"'));
  }
  for (let i = 0; i <= 5; i++) {
    const v = (xMax * i) / 5;
    out.push(
      `<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${yBottom}" y2="${yBottom + 5}" stroke="#333"/>`,
    );
    out.push(text(x(v), yBottom + 20, num(v), 'text-anchor="middle"'));
  }
  out.push(
    `<rect x="${x0}" y="${PANEL.top}" width="${PANEL.width}" height="${plotH}" fill="none" stroke="#333"/>`,
  );
  out.push(
    text(x0 + PANEL.width / 2, yBottom + 42, 'offered load (notifications/s)', 'text-anchor="middle"'),
  );
  out.push(
    text(
      x0 - 52,
      PANEL.top + plotH / 2,
      'ms (log)',
      `transform="rotate(-90 ${x0 - 52} ${PANEL.top + plotH / 2})" text-anchor="middle"`,
    ),
  );
  const dashes = { p50: '', p95: 'stroke-dasharray="6 3"', p99: 'stroke-dasharray="2 3"' } as const;
  for (const s of series) {
    const pts = [...s.points].sort((a, b) => a.rate - b.rate);
    for (const key of ['p50', 'p95', 'p99'] as const) {
      const path = pts
        .map((p, i) => `${i ? 'L' : 'M'}${x(p.rate).toFixed(1)},${y(p[key]).toFixed(1)}`)
        .join(' ');
      out.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2" ${dashes[key]}/>`);
      for (const p of pts)
        out.push(
          `<circle cx="${x(p.rate).toFixed(1)}" cy="${y(p[key]).toFixed(1)}" r="3" fill="${s.color}"><title>${esc(`${s.label} ${key} at ${p.rate}/s: ${p[key]} ms`)}</title></circle>`,
        );
    }
  }
  const ly = yBottom + 62;
  let lx = x0;
  for (const s of series) {
    out.push(
      `<line x1="${lx}" x2="${lx + 20}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="3"/>`,
    );
    out.push(text(lx + 25, ly, s.label));
    lx += 80;
  }
  for (const [key, label] of [
    ['p50', 'p50 solid'],
    ['p95', 'p95 dashed'],
    ['p99', 'p99 dotted'],
  ] as const) {
    out.push(
      `<line x1="${lx}" x2="${lx + 20}" y1="${ly - 4}" y2="${ly - 4}" stroke="#555" stroke-width="2" ${dashes[key]}/>`,
    );
    out.push(text(lx + 25, ly, label));
    lx += 105;
  }
  return out.join('\n');
}

function stagePanel(x0: number, bars: StageBars): string {
  const out: string[] = [];
  const plotH = H - PANEL.top - PANEL.bottom;
  const yBottom = PANEL.top + plotH;
  out.push(
    text(x0, PANEL.top - 30, 'Throughput per stage at saturation', 'font-size="15" font-weight="bold"'),
  );
  const values = [
    ...bars.series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && v > 0)),
    ...bars.references.map((r) => r.value),
  ];
  if (values.length === 0)
    return [...out, text(x0 + 20, PANEL.top + 40, 'no saturation phase ran')].join('\n');
  const yLo = 10 ** Math.floor(Math.log10(Math.max(1, Math.min(...values) / 2)));
  const yHi = 10 ** Math.ceil(Math.log10(Math.max(...values) * 1.01));
  const y = logScale(yLo, yHi, yBottom, PANEL.top);
  for (const t of logTicks(yLo, yHi)) {
    out.push(
      `<line x1="${x0}" x2="${x0 + PANEL.width}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e4e4e4"/>`,
    );
    out.push(text(x0 - 8, y(t) + 4, num(t), 'text-anchor="end"'));
  }
  const group = PANEL.width / Math.max(1, bars.stages.length);
  const barW = Math.min(28, (group * 0.8) / Math.max(1, bars.series.length));
  bars.stages.forEach((stage, i) => {
    const gx = x0 + i * group + (group - barW * bars.series.length) / 2;
    bars.series.forEach((s, j) => {
      const v = s.values[i];
      if (v === undefined || v <= 0) return;
      const top = y(v);
      out.push(
        `<rect x="${(gx + j * barW).toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(yBottom - top).toFixed(1)}" fill="${s.color}"><title>${esc(`${s.label} ${stage}: ${num(v)} records/s`)}</title></rect>`,
      );
    });
    const cx = x0 + i * group + group / 2;
    out.push(
      text(
        cx,
        yBottom + 14,
        stage,
        `text-anchor="end" font-size="11" transform="rotate(-30 ${cx.toFixed(1)} ${(yBottom + 14).toFixed(1)})"`,
      ),
    );
  });
  // Labels of lines close together alternate sides so they do not print over each other.
  bars.references.forEach((r, i) => {
    const ry = y(r.value);
    const left = i % 2 === 1;
    out.push(
      `<line x1="${x0}" x2="${x0 + PANEL.width}" y1="${ry.toFixed(1)}" y2="${ry.toFixed(1)}" stroke="${r.color}" stroke-width="1.5" stroke-dasharray="5 3"/>`,
    );
    out.push(
      text(
        left ? x0 + 4 : x0 + PANEL.width - 4,
        ry - 4,
        `${r.label}: ${num(r.value)}/s`,
        `text-anchor="${left ? 'start' : 'end'}" font-size="11" fill="${r.color}"`,
      ),
    );
  });
  out.push(
    `<rect x="${x0}" y="${PANEL.top}" width="${PANEL.width}" height="${plotH}" fill="none" stroke="#333"/>`,
  );
  out.push(
    text(
      x0 - 52,
      PANEL.top + plotH / 2,
      'records/s (log)',
      `transform="rotate(-90 ${x0 - 52} ${PANEL.top + plotH / 2})" text-anchor="middle"`,
    ),
  );
  let lx = x0;
  for (const s of bars.series) {
    out.push(`<rect x="${lx}" y="${H - 22}" width="14" height="10" fill="${s.color}"/>`);
    out.push(text(lx + 20, H - 13, s.label));
    lx += 150;
  }
  return out.join('\n');
}

/** The two panels side by side, with a caption line under the title. */
export function e2eChartSvg(
  title: string,
  caption: string,
  latency: LatencySeries[],
  bars: StageBars,
): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    text(20, 22, title, 'font-size="16" font-weight="bold"'),
    text(20, 40, caption, 'font-size="11" fill="#555"'),
    latencyPanel(PANEL.left, latency),
    stagePanel(PANEL.left + PANEL.width + 110, bars),
    '</svg>',
    '',
  ].join('\n');
}
