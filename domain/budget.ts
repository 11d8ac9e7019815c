// The budget ledger: reserve the worst case before a paid call, settle the actual cost after.
// Spend can never pass the cap because a call only goes out with a reservation the cap covers,
// and its output tokens are clamped to what that reservation can pay for.
import { costUsd, type ModelPrice, type TokenUsage } from './pricing';

export interface LedgerState {
  capUsd: number;
  spentUsd: number;
  reservedUsd: number;
}

export interface Reservation {
  id: string;
  /** The most the call may cost: its input upper bound plus its clamped output. */
  amountUsd: number;
  /** The max_completion_tokens to send: the requested maximum, clamped to what is left. */
  maxOutputTokens: number;
}

export type ReserveResult = { ok: true; reservation: Reservation } | { ok: false; reason: string };

export interface ReserveRequest {
  id: string;
  price: ModelPrice;
  /** A true upper bound on the prompt's tokens (e.g. its UTF-8 byte count). */
  inputTokensUpperBound: number;
  requestedOutputTokens: number;
  /** Below this many affordable output tokens a call is not worth making. */
  minUsefulOutputTokens: number;
}

// Rounding guard: costs are floats; keep a hair of headroom so settled sums never creep over the cap.
const EPSILON_USD = 1e-9;

export class BudgetLedger {
  private state: LedgerState;
  private readonly open = new Map<string, number>();

  constructor(init: LedgerState | { capUsd: number }) {
    this.state = { spentUsd: 0, reservedUsd: 0, ...init };
  }

  snapshot(): LedgerState {
    return { ...this.state };
  }

  get capUsd(): number {
    return this.state.capUsd;
  }
  get spentUsd(): number {
    return this.state.spentUsd;
  }
  get availableUsd(): number {
    return Math.max(0, this.state.capUsd - this.state.spentUsd - this.state.reservedUsd - EPSILON_USD);
  }

  /** Raising is allowed at any time; lowering never goes below what is already spent or reserved. */
  setCap(capUsd: number): void {
    if (!(capUsd >= this.state.spentUsd + this.state.reservedUsd)) {
      throw new RangeError(`cap ${capUsd} USD is below what is already spent or reserved`);
    }
    this.state.capUsd = capUsd;
  }

  reserve(req: ReserveRequest): ReserveResult {
    const inputUsd = costUsd(req.price, { inputTokens: req.inputTokensUpperBound, cachedInputTokens: 0, outputTokens: 0 });
    const leftForOutputUsd = this.availableUsd - inputUsd;
    const affordableOutput =
      leftForOutputUsd <= 0 ? 0 : Math.floor((leftForOutputUsd * 1_000_000) / req.price.outputUsdPerMTok);
    const maxOutputTokens = Math.min(req.requestedOutputTokens, affordableOutput);
    // Written so that NaN (a broken price) refuses the call instead of letting it through.
    if (!(maxOutputTokens >= req.minUsefulOutputTokens)) {
      return {
        ok: false,
        reason: `only ${this.availableUsd.toFixed(6)} USD left of ${this.state.capUsd} USD: not enough for a call with ` +
          `${req.inputTokensUpperBound} input tokens and ${req.minUsefulOutputTokens} output tokens`,
      };
    }
    const amountUsd = inputUsd + costUsd(req.price, { inputTokens: 0, cachedInputTokens: 0, outputTokens: maxOutputTokens });
    this.open.set(req.id, amountUsd);
    this.state.reservedUsd += amountUsd;
    return { ok: true, reservation: { id: req.id, amountUsd, maxOutputTokens } };
  }

  /** Settles a reservation with what the call really cost; returns that cost. */
  settle(reservationId: string, price: ModelPrice, usage: TokenUsage): number {
    this.release(reservationId);
    const actual = costUsd(price, usage);
    // A provider that reports more than the bound it was given is charged in full: the ledger must
    // not lie. The reservation's bounds make this unreachable with an honest provider.
    this.state.spentUsd += actual;
    return actual;
  }

  /** Settles a call whose cost is unknown (it may have been paid) at its worst case: the reservation. */
  settleAtReservation(reservationId: string): number {
    const amount = this.release(reservationId);
    this.state.spentUsd += amount;
    return amount;
  }

  /** Drops a reservation whose call never happened (or failed without charge). */
  release(reservationId: string): number {
    const amount = this.open.get(reservationId);
    if (amount === undefined) throw new Error(`no open reservation ${reservationId}`);
    this.open.delete(reservationId);
    this.state.reservedUsd = Math.max(0, this.state.reservedUsd - amount);
    return amount;
  }
}
