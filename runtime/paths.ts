// Where the factory keeps its state on disk: the Temporal database, the content store, workspaces.
import path from 'node:path';

/** The checkout (or installed package) root. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..');

/** FACTORY_HOME, else `.factory/` in the package root. Everything a run leaves on disk lives here. */
export function factoryHome(): string {
  return path.resolve(process.env.FACTORY_HOME ?? path.join(PACKAGE_ROOT, '.factory'));
}

export interface FactoryPaths {
  home: string;
  /** Content-addressed blobs and records the implementer side may read. */
  store: string;
  /** Blobs of the validation side: scenario output. Never mounted or sent anywhere on the implementer side. */
  holdoutStore: string;
  workspaces: string;
  temporalDb: string;
  serverState: string;
  logs: string;
}

export function factoryPaths(home = factoryHome()): FactoryPaths {
  return {
    home,
    store: path.join(home, 'store'),
    holdoutStore: path.join(home, 'holdout-store'),
    workspaces: path.join(home, 'workspaces'),
    temporalDb: path.join(home, 'temporal.db'),
    serverState: path.join(home, 'server.json'),
    logs: path.join(home, 'logs'),
  };
}
