/**
 * Curio's task vocabulary shared by its log lines (pipelines/curio) and its
 * database (`curio_db`): which task types are PoSts. WdPost, WdPostSubmit
 * and WinPost are listed under WDP / WNP in pipelines/task-types.yaml.
 */
const POST_OF_TYPE: Readonly<Record<string, 'window' | 'winning'>> = { WDP: 'window', WNP: 'winning' };

/** `window` / `winning` for a PoSt task's type, else undefined. */
export function postTypeOfTask(taskType: string | undefined): 'window' | 'winning' | undefined {
  return taskType === undefined ? undefined : POST_OF_TYPE[taskType];
}
