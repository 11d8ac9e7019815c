// The implementer's prompts. The system prompt and the spec come first and never change within a
// run, so a provider's prompt cache can reuse that prefix across turns and iterations.
import type { ImplementerFeedback } from '../workflows/feedback';

export const SYSTEM_PROMPT = [
  'You are the implementer in a software factory. You write code that satisfies a specification.',
  'You work in a sandboxed workspace through tools: write_file, read_file, list_files, run_command, finish.',
  'Commands run with /bin/sh in the workspace root, without network access; only the workspace is writable.',
  'Write the implementation and your own tests, run the tests with run_command, fix what fails,',
  'and call finish with a short summary when the implementation is complete and your tests pass.',
  'Hidden acceptance scenarios will judge the result; you will not see them, only a satisfaction figure',
  'and, where their authors allowed it, one sentence of feedback per failing scenario.',
].join('\n');

export interface SpecDocument {
  path: string;
  content: string;
}

export function specMessage(name: string, testCommand: string, documents: readonly SpecDocument[]): string {
  const parts = [`# Specification: ${name}`, '', `Your own tests run with: \`${testCommand}\``, ''];
  for (const doc of documents) parts.push(`## File ${doc.path}`, '', doc.content.trimEnd(), '');
  return parts.join('\n');
}

export function iterationMessage(iteration: number, workspaceFiles: readonly string[], feedback?: ImplementerFeedback): string {
  const lines = [`This is iteration ${iteration}.`];
  if (workspaceFiles.length) {
    lines.push('', 'The workspace already holds your earlier work:', ...workspaceFiles.map((f) => `- ${f}`));
  } else {
    lines.push('The workspace is empty.');
  }
  if (feedback) {
    const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
    lines.push(
      '',
      `Feedback from validation of iteration ${feedback.previousIteration}: satisfaction ${pct(feedback.satisfaction.estimate)} ` +
        `(95% interval ${pct(feedback.satisfaction.lower)} to ${pct(feedback.satisfaction.upper)}); it is not yet enough.`,
    );
    if (feedback.sentences.length) {
      lines.push('What the acceptance scenarios say about the failures:', ...feedback.sentences.map((s) => `- ${s}`));
    } else {
      lines.push('The failing scenarios gave no further detail. Re-read the specification closely.');
    }
  }
  return lines.join('\n');
}

export function selfTestMessage(exitCode: number | null, timedOut: boolean, output: string): string {
  const status = timedOut ? 'timed out' : `exited with code ${exitCode}`;
  return `Your test command ${status}. Fix the failures, then call finish again.\n\n${output}`;
}
