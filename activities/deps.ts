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
