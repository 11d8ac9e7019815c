// The sandbox interface every provider implements (the local bubblewrap one now, E2B later).
// A sandbox is a workspace plus a way to run commands in it, isolated from the host.

export interface CommandResult {
  exitCode: number | null;
  /** Combined stdout and stderr in arrival order, cut at the output cap. */
  output: string;
  stdout: string;
  outputTruncated: boolean;
  stdoutTruncated: boolean;
  timedOut: boolean;
  durationMs: number;
}

export interface RunOptions {
  timeoutMs: number;
  /** Extra environment for this command only; the sandbox starts from an empty environment. */
  env?: Record<string, string>;
  /** Aborting kills the command's process tree (e.g. when its activity is cancelled). */
  signal?: AbortSignal;
}

export interface Sandbox {
  readonly id: string;
  writeFile(relativePath: string, content: string): Promise<void>;
  /** At most `maxBytes` of a regular file, and how big the file really is. */
  readFile(relativePath: string, maxBytes: number): Promise<{ content: string; totalBytes: number }>;
  /** Files (not directories) under a folder of the workspace, relative to the workspace root. */
  listFiles(relativePath: string): Promise<string[]>;
  run(command: string, options: RunOptions): Promise<CommandResult>;
}

/** A path the agent gave that would leave the workspace: reported to the agent, never executed. */
export class PathOutsideWorkspaceError extends Error {
  constructor(readonly requested: string) {
    super(`path "${requested}" is outside the workspace; use a path relative to the workspace root`);
    this.name = 'PathOutsideWorkspaceError';
  }
}

/** A FIFO, socket or device where a file was expected: reading or writing it could block forever. */
export class NotARegularFileError extends Error {
  constructor(readonly requested: string) {
    super(`"${requested}" is not a regular file`);
    this.name = 'NotARegularFileError';
  }
}
