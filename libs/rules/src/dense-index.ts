/**
 * Dense ids 0, 1, 2… for distinct keys in first-seen order. Fleet-activity
 * columns refer to hosts, subjects and paths by such ids (typed arrays of
 * numbers) instead of holding one string or object per row.
 */
export class DenseIndex<K> {
  private readonly ids = new Map<K, number>();
  /** Every key, at its id. */
  readonly keys: K[] = [];

  /** The key's id, giving it the next one when it is new. */
  idOf(key: K): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.keys.length;
      this.ids.set(key, id);
      this.keys.push(key);
    }
    return id;
  }

  /** Frees the lookup map once no more keys will be added (`keys` stays); a later idOf would give a known key a new id. */
  releaseLookup(): void {
    this.ids.clear();
  }
}
