// The activities each worker serves. The implementer's never read the holdout; the validation
// worker's are the only ones that do, and they run on their own task queue.
import { conversationActivities } from './conversation';
import type { ActivityDeps } from './deps';
import { llmActivities, type LlmClientConfig } from './llm';
import { sandboxActivities } from './sandbox';
import { validationActivities } from './validation';

export function createImplementerActivities(deps: ActivityDeps, llm: LlmClientConfig = {}) {
  return { ...conversationActivities(deps), ...llmActivities(deps, llm), ...sandboxActivities(deps) };
}

export function createValidationActivities(deps: ActivityDeps) {
  return validationActivities(deps);
}

export type ImplementerActivities = ReturnType<typeof createImplementerActivities>;
export type ValidationActivities = ReturnType<typeof createValidationActivities>;
