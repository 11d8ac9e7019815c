// What every activity needs from its worker: where state lives and how to log.
import { ContentStore } from '../runtime/contentStore';
import { factoryPaths, type FactoryPaths } from '../runtime/paths';
import { rootLogger, type Logger } from '../runtime/logger';

export interface ActivityDeps {
  paths: FactoryPaths;
  store: ContentStore;
  logger: Logger;
}

export function activityDeps(home?: string): ActivityDeps {
  const paths = factoryPaths(home);
  return { paths, store: new ContentStore(paths.store), logger: rootLogger };
}

/** One child logger per run and step, so every line says which run, iteration and phase it is about. */
export function runLogger(deps: ActivityDeps, runId: string, iteration: number | undefined, phase: string): Logger {
  return deps.logger.child({ runId, iteration, phase });
}
