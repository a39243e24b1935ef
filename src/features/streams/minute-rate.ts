// Grafana's minute_rate: pushes counted per second; the rate is the sum over the seconds within the
// last 60. Grafana keeps 60 fixed slots per channel; here only the seconds that had pushes are kept,
// as [second, count] pairs oldest first: a channel pushed every 10 s holds 6 pairs, and one record
// per channel (there may be 10,000s) costs a small array instead of two 60-slot typed arrays.

const WINDOW_SECONDS = 60;

export class MinuteRate {
  /** [second, count, second, count, …] of the last WINDOW_SECONDS seconds with pushes, oldest first. */
  private readonly slots: number[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  add(n = 1): void {
    const second = Math.floor(this.now() / 1000);
    const slots = this.slots;
    const last = slots.length - 2;
    // Same second, or a clock that stepped back: the newest slot takes it.
    if (last >= 0 && slots[last]! >= second) {
      slots[last + 1]! += n;
      return;
    }
    let expired = 0;
    while (expired < slots.length && second - slots[expired]! >= WINDOW_SECONDS) expired += 2;
    if (expired > 0) slots.splice(0, expired);
    slots.push(second, n);
  }

  rate(): number {
    const second = Math.floor(this.now() / 1000);
    const slots = this.slots;
    let sum = 0;
    for (let i = 0; i < slots.length; i += 2) if (second - slots[i]! < WINDOW_SECONDS) sum += slots[i + 1]!;
    return sum;
  }
}
