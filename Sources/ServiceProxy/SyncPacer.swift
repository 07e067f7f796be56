/// When the next sync may start, as kube-proxy's BoundedFrequencyRunner decides it (without its maximum
/// interval): a token bucket holding `burst` syncs that refills one per `interval`. A new Service and its
/// EndpointSlice arrive milliseconds apart; with a burst of two both are programmed at once instead of the
/// second waiting out the interval, while a steady stream of changes still costs at most one sync per
/// interval.
struct SyncPacer {
    let interval: Duration
    let burst: Int
    /// The bucket, kept as time (one sync costs one `interval`) so that the arithmetic is exact.
    private var credit: Duration
    private var refilledAt: ContinuousClock.Instant?

    init(interval: Duration, burst: Int) {
        self.interval = max(.zero, interval)
        self.burst = max(1, burst)
        credit = self.interval * self.burst
    }

    /// Takes one sync's token at `now` and says how long to wait before starting it (zero when a token was there).
    mutating func delay(at now: ContinuousClock.Instant) -> Duration {
        if let refilledAt, now > refilledAt {
            credit = min(interval * burst, credit + (now - refilledAt))
        }
        refilledAt = max(refilledAt ?? now, now)
        if credit >= interval {
            credit -= interval
            return .zero
        }
        // The token that accrues while waiting is this sync's.
        let wait = interval - credit
        credit = .zero
        refilledAt = now + wait
        return wait
    }
}
