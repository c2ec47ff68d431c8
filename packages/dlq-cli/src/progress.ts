/** Shows how far a long run got. */
export interface Progress {
  update(done: number, total: number, detail?: string): void;
  stop(): void;
}

export const silentProgress: Progress = { update: () => undefined, stop: () => undefined };

const BAR_WIDTH = 30;
const MIN_REDRAW_MS = 100;

/** One line: `[#####.....]  42% 420/1000 published 400 refused 2`. */
export function renderProgressLine(done: number, total: number, detail = '', width = BAR_WIDTH): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const filled = Math.round(ratio * width);
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent} ${done}/${total}${detail ? ` ${detail}` : ''}`;
}

interface Terminal {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/** A single-line renderer redrawn in place on a terminal; nothing at all when the stream is not a TTY. */
export function terminalProgress(stream: Terminal, clock: () => number = Date.now): Progress {
  if (!stream.isTTY) return silentProgress;
  let lastDraw = -Infinity;
  let drawn = false;
  let pending: string | undefined;
  const draw = (line: string) => {
    const columns = stream.columns || 80; // 0 or unset when the terminal does not say
    stream.write(`\r${line.slice(0, Math.max(10, columns - 1)).padEnd(Math.max(10, columns - 1))}`);
    drawn = true;
    lastDraw = clock();
    pending = undefined;
  };
  return {
    update(done, total, detail) {
      const line = renderProgressLine(done, total, detail);
      if (clock() - lastDraw >= MIN_REDRAW_MS || done >= total) draw(line);
      else pending = line;
    },
    stop() {
      if (pending) draw(pending);
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
