/**
 * The sectors index's merge rule, for every field kept with its time: the
 * later time wins; at the same time the larger value, so the result never
 * depends on the order patches arrive in.
 */
export function wins(tNew: number | undefined, vNew: string, tOld: number | undefined, vOld: string): boolean {
  if (tNew === undefined) return false;
  if (tOld === undefined || tNew > tOld) return true;
  return tNew === tOld && vNew > vOld;
}
