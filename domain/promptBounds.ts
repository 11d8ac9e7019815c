// Bounds on prompt size, shared by the workflow's budget guard and the LLM activity that checks it.

/** Per message appended before the next call (role, ids, JSON framing), on top of its content's bytes. */
export const APPENDED_MESSAGE_OVERHEAD_BYTES = 160;
/** Per message of a stored conversation: chat framing tokens the provider adds. */
export const FRAMING_TOKENS_PER_MESSAGE = 16;
