/**
 * For specs: the value of one series on a hub's /metrics, `series` written as the exposition prints it
 * (`name` or `name{label="value"}`); undefined when the series is not there. NaN stays NaN.
 */
export async function scrapeMetric(base: string, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = new RegExp(`^${series.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}
