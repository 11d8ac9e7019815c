// The price table: USD per million tokens for each model, and the cost arithmetic built on it.
// Pure and deterministic, so the workflow's budget guard can use it.

export interface ModelPrice {
  inputUsdPerMTok: number;
  cachedInputUsdPerMTok: number;
  outputUsdPerMTok: number;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** List prices (standard tier) of common OpenAI models; override per model in factory.yaml `prices`. */
export const DEFAULT_PRICES: PriceTable = {
  'gpt-4.1': { inputUsdPerMTok: 2.0, cachedInputUsdPerMTok: 0.5, outputUsdPerMTok: 8.0 },
  'gpt-4.1-mini': { inputUsdPerMTok: 0.4, cachedInputUsdPerMTok: 0.1, outputUsdPerMTok: 1.6 },
  'gpt-4.1-nano': { inputUsdPerMTok: 0.1, cachedInputUsdPerMTok: 0.025, outputUsdPerMTok: 0.4 },
  'gpt-4o': { inputUsdPerMTok: 2.5, cachedInputUsdPerMTok: 1.25, outputUsdPerMTok: 10.0 },
  'gpt-4o-mini': { inputUsdPerMTok: 0.15, cachedInputUsdPerMTok: 0.075, outputUsdPerMTok: 0.6 },
  'o3': { inputUsdPerMTok: 2.0, cachedInputUsdPerMTok: 0.5, outputUsdPerMTok: 8.0 },
  'o4-mini': { inputUsdPerMTok: 1.1, cachedInputUsdPerMTok: 0.275, outputUsdPerMTok: 4.4 },
  'gpt-5': { inputUsdPerMTok: 1.25, cachedInputUsdPerMTok: 0.125, outputUsdPerMTok: 10.0 },
  'gpt-5-mini': { inputUsdPerMTok: 0.25, cachedInputUsdPerMTok: 0.025, outputUsdPerMTok: 2.0 },
  'gpt-5-nano': { inputUsdPerMTok: 0.05, cachedInputUsdPerMTok: 0.005, outputUsdPerMTok: 0.4 },
};

export class UnknownModelPriceError extends Error {
  constructor(readonly model: string) {
    super(
      `no price for model "${model}": add it under "prices" in factory.yaml ` +
        `(inputUsdPerMTok, cachedInputUsdPerMTok, outputUsdPerMTok) or pick one of ${Object.keys(DEFAULT_PRICES).join(', ')}`,
    );
    this.name = 'UnknownModelPriceError';
  }
}

export function priceFor(model: string, overrides: PriceTable = {}): ModelPrice {
  // Own properties only: "constructor" or "toString" must not find Object.prototype's members.
  const price = Object.hasOwn(overrides, model) ? overrides[model] : Object.hasOwn(DEFAULT_PRICES, model) ? DEFAULT_PRICES[model] : undefined;
  if (!price) throw new UnknownModelPriceError(model);
  return price;
}

export interface TokenUsage {
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
}

/** Cost of one call. Cached input tokens are part of inputTokens (as OpenAI reports them) but priced apart. */
export function costUsd(price: ModelPrice, usage: TokenUsage): number {
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const uncached = usage.inputTokens - cached;
  return (
    (uncached * price.inputUsdPerMTok + cached * price.cachedInputUsdPerMTok + usage.outputTokens * price.outputUsdPerMTok) /
    1_000_000
  );
}
