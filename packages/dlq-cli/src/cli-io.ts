/** Where commands write: stdout for their output, stderr for progress and problems. */
export interface Writer {
  write(text: string): unknown;
}

export interface TerminalWriter extends Writer {
  isTTY?: boolean;
  columns?: number;
}

export interface CommandIo {
  stdout: Writer;
  stderr: TerminalWriter;
  /** Aborted on SIGINT/SIGTERM: commands finish their current batch and stop. */
  signal?: AbortSignal;
}
