/**
 * Stable counting sort of an index range by small integer keys: apply orders
 * its writes by staging slot, the plan orders its lists by apply window.
 * O(items + keys), where a comparison sort of 130k entries cost ~25 ms here.
 */

/** The indexes from..to-1 ordered by key(index), equal keys in index order; keys lie in [0, keyCount). */
export function orderByKey(
  from: number,
  to: number,
  key: (k: number) => number,
  keyCount: number,
): Uint32Array {
  const start = new Uint32Array(keyCount + 1)
  for (let k = from; k < to; k++) start[key(k) + 1]!++
  for (let s = 0; s < keyCount; s++) start[s + 1]! += start[s]!
  const order = new Uint32Array(to - from)
  for (let k = from; k < to; k++) order[start[key(k)]!++] = k
  return order
}
