/**
 * Index names: the contract's, in one place. Apart from `elasticsearch.ts`
 * (which re-exports them) so that `parse` does not load the client.
 */
export const EVENTS_INDEX_BASE = 'sealtrail-events';
/** The alias over all monthly event indices: what queries search. */
export const EVENTS_ALIAS = 'sealtrail-events';
export const SECTORS_INDEX = 'sealtrail-sectors';
