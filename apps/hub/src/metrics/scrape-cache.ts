/**
 * A read shared by every gauge of one scrape and by scrapes close together (several replicas, frequent
 * scrapers), so one aggregate query serves them; a failed read is not cached.
 */
export function scrapeCache<T>(read: () => Promise<T>, maxAgeMs: number): () => Promise<T> {
  let cache: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (!cache || now - cache.at > maxAgeMs) {
      const value = read();
      value.catch(() => (cache = undefined));
      cache = { at: now, value };
    }
    return cache.value;
  };
}
