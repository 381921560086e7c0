// Progress for long work: a redrawn bar on a TTY, plain lines otherwise (logs, CI, pipes).
// Writes to stderr so that --json output on stdout stays clean.

export interface Progress {
  /** done out of total, with a short status ("epoch 3/50 loss 0.412"). */
  update(done: number, total: number, status?: string): void;
  /** Ends the bar and prints a final line. */
  finish(message?: string): void;
}

export interface ProgressSink {
  readonly isTTY: boolean;
  write(text: string): void;
}

export function createProgress(label: string, sink: ProgressSink, { minIntervalMs = 1000 } = {}): Progress {
  let lastPlain = -Infinity;
  let lastPercent = -1;
  return {
    update(done, total, status = "") {
      const fraction = total > 0 ? Math.min(1, done / total) : 0;
      const percent = Math.floor(fraction * 100);
      if (sink.isTTY) {
        const width = 24;
        const filled = Math.round(fraction * width);
        sink.write(`\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(percent).padStart(3)}% ${status}\x1b[K`);
        return;
      }
      const now = Date.now();
      if (percent !== lastPercent && (now - lastPlain >= minIntervalMs || done >= total)) {
        sink.write(`${label}: ${done}/${total} ${status}\n`);
        lastPlain = now;
        lastPercent = percent;
      }
    },
    finish(message) {
      if (sink.isTTY) sink.write("\r\x1b[K");
      if (message) sink.write(`${label}: ${message}\n`);
    },
  };
}
