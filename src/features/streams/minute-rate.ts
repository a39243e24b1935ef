// Grafana's minute_rate: 60 one-second slots indexed by unixSecond % 60, each holding {second,
// count}; the rate is the sum of the slots whose second lies within the last 60 seconds.

export class MinuteRate {
  private readonly seconds = new Float64Array(60);
  private readonly counts = new Uint32Array(60);

  constructor(private readonly now: () => number = Date.now) {}

  add(n = 1): void {
    const second = Math.floor(this.now() / 1000);
    const slot = second % 60;
    if (this.seconds[slot] !== second) {
      this.seconds[slot] = second;
      this.counts[slot] = 0;
    }
    this.counts[slot] += n;
  }

  rate(): number {
    const second = Math.floor(this.now() / 1000);
    let sum = 0;
    for (let i = 0; i < 60; i++) if (second - this.seconds[i]! < 60) sum += this.counts[i]!;
    return sum;
  }
}
