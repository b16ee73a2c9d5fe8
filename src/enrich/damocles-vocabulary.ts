/**
 * issue 10: damocles-worker's words in the contract's vocabulary.
 * Source: ipfs-force-community/damocles, damocles-worker/src/sealing/
 * sealing_thread/planner/common/{event.rs,sector.rs} and the planners
 * (sealer.rs, snapup.rs, rebuild.rs, unseal.rs).
 */

/** The seal span's `event` that allocates a sector, and the plan it starts. */
export const ALLOCATION_PLANS: ReadonlyMap<string, string> = new Map([
  ['Allocate', 'sealer'],
  ['AllocatedSnapUpSector', 'snapup'],
  ['AllocatedRebuildSector', 'rebuild'],
  ['AllocatedUnsealSector', 'unseal'],
]);

/**
 * A state entered when a phase ends, and that phase's task type: the
 * `handling` line of `PC1Done` is the end of PC1 (the time spent in the
 * state before it, `TicketAssigned`, is PC1's run). The state's own word
 * stays in `filecoin.sector.state`.
 */
export const STATE_ENDS_TASK: ReadonlyMap<string, string> = new Map([
  ['PieceAdded', 'AP'],
  ['TreeDBuilt', 'TREED'],
  ['PC1Done', 'PC1'],
  ['PC2Done', 'PC2'],
  ['PCSubmitted', 'PCSUB'],
  ['C1Done', 'C1'],
  ['C2Done', 'C2'],
  ['ProofSubmitted', 'CSUB'],
  ['Persisted', 'MOV'],
  ['SnapPieceAdded', 'AP'],
  ['SnapTreeDBuilt', 'TREED'],
  ['SnapEncoded', 'RU'],
  ['SnapProved', 'PR2'],
  ['Unsealed', 'UNS'],
]);

/** `PC2Done` reached from `SyntheticPoRepNeeded` ends the synthetic proofs, not PC2. */
export function taskEndedBy(state: string, previous: string | undefined): string | undefined {
  if (state === 'PC2Done' && previous === 'SyntheticPoRepNeeded') return 'SYNTH';
  return STATE_ENDS_TASK.get(state);
}
