/**
 * issue 10: the miner actor's method numbers, as damocles-manager logs them
 * (`message sent {"method": 28, …}`), to the names the contract uses in
 * `filecoin.message.method`. From filecoin-project/builtin-actors,
 * actors/miner/src/lib.rs (`pub enum Method`); numbers later retired keep
 * their name (an old log still names them).
 */
const MINER_METHODS: readonly string[] = [
  '', 'Constructor', 'ControlAddresses', 'ChangeWorkerAddress', 'ChangePeerID', 'SubmitWindowedPoSt',
  'PreCommitSector', 'ProveCommitSector', 'ExtendSectorExpiration', 'TerminateSectors', 'DeclareFaults',
  'DeclareFaultsRecovered', 'OnDeferredCronEvent', 'CheckSectorProven', 'ApplyRewards', 'ReportConsensusFault',
  'WithdrawBalance', 'ConfirmSectorProofsValid', 'ChangeMultiaddrs', 'CompactPartitions', 'CompactSectorNumbers',
  'ConfirmChangeWorkerAddress', 'RepayDebt', 'ChangeOwnerAddress', 'DisputeWindowedPoSt', 'PreCommitSectorBatch',
  'ProveCommitAggregate', 'ProveReplicaUpdates', 'PreCommitSectorBatch2', 'ProveReplicaUpdates2', 'ChangeBeneficiary',
  'GetBeneficiary', 'ExtendSectorExpiration2', 'MovePartitions', 'ProveCommitSectors3', 'ProveReplicaUpdates3',
  'ProveCommitSectorsNI',
];

/** A method as logged: a number becomes its name where the table has one; anything else stays as written. */
export function minerMethodName(v: unknown): string {
  const s = String(v);
  if (/^\d{1,3}$/.test(s)) {
    const name = MINER_METHODS[Number(s)];
    if (name) return name;
  }
  return s;
}
