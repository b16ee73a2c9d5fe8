/**
 * `--format auto` (issue 14): which command printed this output, from its
 * first lines. Each command has lines no other prints (a header, a row's
 * layout); the first such line decides. A head that holds lines of two
 * commands, or of none, is not guessed.
 */
const SIGNS: [format: string, line: RegExp][] = [
  ['lotus-sectors-status', /^SectorID:\s*\d+\s*$|^\d+\.\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? [+-]\d{4}(?: \S+)?:\s+\[(?:event|error);/],
  ['lotus-chain-list', /^\d+: \([A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d\) \[/],
  ['lotus-sectors-list', /^ID\s+State\s+OnChain\s|^\d+: [A-Za-z]\w*\s+sSet:/],
  ['damocles-worker-list', /^#\d+: .*; (?:plan=\S+, )?(?:sector_id|job_id)=|^#\s+location\s+Plan\s/],
  ['damocles-worker-info', /^Index\s+Loc\s/],
  ['damocles-sectors-state', /^Sector s-[tf]0\d+-\d+:/],
];

/** The formats auto may name. */
export const AUTO_FORMATS = SIGNS.map(([f]) => f);

/** The format whose lines the head holds, or the reason none is named. */
export function detectSnapshot(head: string, maxLines = 40): { format: string } | { reason: string } {
  const found = new Set<string>();
  const lines = head.split('\n', maxLines);
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    for (const [format, sign] of SIGNS) if (sign.test(line)) found.add(format);
  }
  if (found.size === 1) return { format: [...found][0]! };
  return { reason: found.size === 0 ? 'no line of a known command output in its first lines' : `it has lines of ${[...found].join(' and ')}` };
}
