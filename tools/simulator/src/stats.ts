/** Latency recorder: keeps every sample (a run has at most a few million). */
export class Samples {
  private values: number[] = [];
  private sorted = true;

  add(v: number): void {
    this.values.push(v);
    this.sorted = false;
  }

  get count(): number {
    return this.values.length;
  }

  percentile(p: number): number {
    if (!this.values.length) return NaN;
    if (!this.sorted) {
      this.values.sort((a, b) => a - b);
      this.sorted = true;
    }
    const idx = Math.min(this.values.length - 1, Math.max(0, Math.ceil((p / 100) * this.values.length) - 1));
    return this.values[idx];
  }

  max(): number {
    return this.percentile(100);
  }

  mean(): number {
    return this.values.length ? this.values.reduce((a, b) => a + b, 0) / this.values.length : NaN;
  }
}

export function fmtMs(v: number): string {
  return Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : '-';
}
