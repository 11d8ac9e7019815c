// Every workflow the workers register. Deterministic code only: see workflows/factoryRun.ts.
export { factoryRun, statusQuery, cancelSignal, setBudgetUpdate } from './factoryRun';
