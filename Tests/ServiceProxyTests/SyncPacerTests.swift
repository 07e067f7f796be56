import XCTest
@testable import ServiceProxy

final class SyncPacerTests: XCTestCase {
    let t0 = ContinuousClock.now

    func testABurstRunsAtOnceThenOnePerInterval() {
        var pacer = SyncPacer(interval: .milliseconds(100), burst: 2)
        XCTAssertEqual(pacer.delay(at: t0), .zero, "the first sync of a quiet proxy starts at once")
        XCTAssertEqual(pacer.delay(at: t0 + .milliseconds(5)), .zero, "so does the second (the EndpointSlice after its Service)")
        let third = pacer.delay(at: t0 + .milliseconds(10))
        XCTAssertEqual(third, .milliseconds(90), "the third waits until one token has refilled")
        // The caller slept `third`; a fourth change right after that waits a whole interval.
        XCTAssertEqual(pacer.delay(at: t0 + .milliseconds(100)), .milliseconds(100))
    }

    func testASteadyStreamCostsOneSyncPerInterval() {
        var pacer = SyncPacer(interval: .milliseconds(100), burst: 2)
        var now = t0
        var started: [ContinuousClock.Instant] = []
        for _ in 0..<12 {
            now = now + pacer.delay(at: now)
            started.append(now)
        }
        // Two at once, then ten spaced by the interval.
        XCTAssertEqual(started[1], t0)
        XCTAssertEqual(started[11] - started[1], .milliseconds(1000))
    }

    func testIdleTimeRefillsTheBurstButNoMore() {
        var pacer = SyncPacer(interval: .milliseconds(100), burst: 2)
        _ = pacer.delay(at: t0)
        _ = pacer.delay(at: t0)
        let later = t0 + .seconds(10)
        XCTAssertEqual(pacer.delay(at: later), .zero)
        XCTAssertEqual(pacer.delay(at: later), .zero)
        XCTAssertGreaterThan(pacer.delay(at: later), .zero, "ten idle seconds refill two tokens, not a hundred")
    }

    func testBurstOfOneIsTheOldCoalescing() {
        var pacer = SyncPacer(interval: .milliseconds(100), burst: 1)
        XCTAssertEqual(pacer.delay(at: t0), .zero)
        XCTAssertEqual(pacer.delay(at: t0 + .milliseconds(30)), .milliseconds(70))
    }
}
