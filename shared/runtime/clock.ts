/** The one clock type: injected wherever time decides something, so tests can hold it still. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
