import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BudgetLedger } from '../../domain/budget';
import { costUsd, DEFAULT_PRICES, priceFor, UnknownModelPriceError } from '../../domain/pricing';
import { factoryConfigSchema } from '../../domain/specConfig';
import { describeZodError } from '../../domain/zodErrors';

const price = DEFAULT_PRICES['gpt-4.1-mini']!;

test('the price table carries the common OpenAI models', () => {
  for (const m of ['gpt-4.1', 'gpt-4.1-mini', 'gpt-4o', 'gpt-4o-mini', 'o4-mini', 'gpt-5', 'gpt-5-mini']) {
    assert.ok(priceFor(m).outputUsdPerMTok > 0, m);
  }
});

test('an unknown model without a price is a clear error; an override prices it', () => {
  assert.throws(() => priceFor('my-local-model'), (e: Error) => e instanceof UnknownModelPriceError && /prices/.test(e.message));
  const p = { inputUsdPerMTok: 1, cachedInputUsdPerMTok: 0.5, outputUsdPerMTok: 2 };
  assert.deepEqual(priceFor('my-local-model', { 'my-local-model': p }), p);
});

test('cached input tokens are priced apart', () => {
  const full = costUsd(price, { inputTokens: 1_000_000, cachedInputTokens: 0, outputTokens: 0 });
  const cached = costUsd(price, { inputTokens: 1_000_000, cachedInputTokens: 1_000_000, outputTokens: 0 });
  assert.equal(full, 0.4);
  assert.equal(cached, 0.1);
});

test('a reservation clamps the output tokens to what is left', () => {
  const ledger = new BudgetLedger({ capUsd: 0.01 });
  const r = ledger.reserve({ id: 'a', price, inputTokensUpperBound: 10_000, requestedOutputTokens: 100_000, minUsefulOutputTokens: 100 });
  assert.ok(r.ok);
  // 10k input tokens cost 0.004; 0.006 left buys 3750 output tokens at 1.6/M
  assert.ok(r.reservation.maxOutputTokens <= 3750 && r.reservation.maxOutputTokens > 3700, String(r.reservation.maxOutputTokens));
  assert.ok(r.reservation.amountUsd <= 0.01);
});

test('too little left for a useful call is refused', () => {
  const ledger = new BudgetLedger({ capUsd: 0.001 });
  const r = ledger.reserve({ id: 'a', price, inputTokensUpperBound: 2_400, requestedOutputTokens: 4096, minUsefulOutputTokens: 256 });
  assert.equal(r.ok, false);
});

test('spend never passes the cap over many worst-case calls', () => {
  const ledger = new BudgetLedger({ capUsd: 0.05 });
  let calls = 0;
  for (let i = 0; ; i++) {
    const input = 1000 + ((i * 7919) % 20_000);
    const r = ledger.reserve({ id: String(i), price, inputTokensUpperBound: input, requestedOutputTokens: 2048, minUsefulOutputTokens: 64 });
    if (!r.ok) break;
    // the worst an honest provider can report: the whole bound
    ledger.settle(String(i), price, { inputTokens: input, cachedInputTokens: 0, outputTokens: r.reservation.maxOutputTokens });
    assert.ok(ledger.spentUsd <= 0.05, `spent ${ledger.spentUsd}`);
    calls++;
  }
  assert.ok(calls > 3);
  // what is left is less than one call's worst input (21k tokens) plus the minimum useful output
  const largestCallUsd = (21_000 * price.inputUsdPerMTok + 64 * price.outputUsdPerMTok) / 1e6;
  assert.ok(ledger.spentUsd > 0.05 - largestCallUsd, `only ${ledger.spentUsd} of the budget was used`);
});

test('the cap can be raised on a live ledger, never below what is spent', () => {
  const ledger = new BudgetLedger({ capUsd: 0.001 });
  assert.equal(ledger.reserve({ id: 'a', price, inputTokensUpperBound: 5000, requestedOutputTokens: 1000, minUsefulOutputTokens: 256 }).ok, false);
  ledger.setCap(1);
  assert.equal(ledger.reserve({ id: 'b', price, inputTokensUpperBound: 5000, requestedOutputTokens: 1000, minUsefulOutputTokens: 256 }).ok, true);
  ledger.settle('b', price, { inputTokens: 5000, cachedInputTokens: 0, outputTokens: 1000 });
  assert.throws(() => ledger.setCap(0.0001), RangeError);
});

test('a call of unknown cost is settled at its reservation, so the cap still holds', () => {
  const ledger = new BudgetLedger({ capUsd: 0.01 });
  const r = ledger.reserve({ id: 'lost', price, inputTokensUpperBound: 5000, requestedOutputTokens: 1000, minUsefulOutputTokens: 64 });
  assert.ok(r.ok);
  ledger.settleAtReservation('lost');
  assert.equal(ledger.spentUsd, r.reservation.amountUsd);
  assert.equal(ledger.snapshot().reservedUsd, 0);
  const next = ledger.reserve({ id: 'retry', price, inputTokensUpperBound: 5000, requestedOutputTokens: 100_000, minUsefulOutputTokens: 64 });
  assert.ok(next.ok && ledger.spentUsd + next.reservation.amountUsd <= 0.01);
});

test('prototype names are not models, and a broken price refuses the call instead of lifting the limit', () => {
  for (const name of ['constructor', 'toString', '__proto__']) assert.throws(() => priceFor(name), UnknownModelPriceError);
  const ledger = new BudgetLedger({ capUsd: 1 });
  const broken = { inputUsdPerMTok: NaN, cachedInputUsdPerMTok: 0, outputUsdPerMTok: 1 };
  assert.equal(ledger.reserve({ id: 'x', price: broken, inputTokensUpperBound: 10, requestedOutputTokens: 100, minUsefulOutputTokens: 1 }).ok, false);
});

test('a price whose cached input costs more than input is refused in factory.yaml', () => {
  const r = factoryConfigSchema.safeParse({
    name: 'x',
    testCommand: 'true',
    prices: { m: { inputUsdPerMTok: 1, cachedInputUsdPerMTok: 2, outputUsdPerMTok: 1 } },
  });
  assert.equal(r.success, false);
  assert.match(describeZodError('factory.yaml', r.error!), /prices\.m\.cachedInputUsdPerMTok/);
});
