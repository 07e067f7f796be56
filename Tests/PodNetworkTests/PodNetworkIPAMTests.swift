import XCTest
@testable import PodNetwork

/// The on-disk allocator alone (files in a temp dir; no network).
final class PodNetworkIPAMTests: XCTestCase {
    var dir = ""
    override func setUp() {
        dir = NSTemporaryDirectory() + "podnetwork-ipam-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func testAllocatesDistinctAddressesSkippingNetworkGatewayAndBroadcast() throws {
        let ipam = IPAM(directory: dir, range: IPv4CIDR("10.250.0.0/29")!)
        var got: [String] = []
        for i in 0..<5 { got.append(try ipam.allocate(for: "pod-\(i)").description) }
        XCTAssertEqual(got, ["10.250.0.2", "10.250.0.3", "10.250.0.4", "10.250.0.5", "10.250.0.6"])
        XCTAssertThrowsError(try ipam.allocate(for: "pod-5")) { error in
            XCTAssertEqual((error as? PodNetworkError)?.errno, ENOSPC)
            XCTAssertTrue("\(error)".contains("all 5 addresses are leased"), "\(error)")
        }
    }

    func testSameOwnerGetsItsLeaseBack() throws {
        let ipam = IPAM(directory: dir, range: IPv4CIDR("10.250.0.0/24")!)
        let a = try ipam.allocate(for: "pod-a")
        XCTAssertEqual(try ipam.allocate(for: "pod-a"), a)
        XCTAssertEqual(ipam.lease(of: "pod-a"), a)
        XCTAssertNotEqual(try ipam.allocate(for: "pod-b"), a)
    }

    func testRoundRobinThenReuseAfterRelease() throws {
        let ipam = IPAM(directory: dir, range: IPv4CIDR("10.250.0.0/24")!)
        let a = try ipam.allocate(for: "pod-a")
        try ipam.release(owner: "pod-a")
        XCTAssertNil(ipam.lease(of: "pod-a"))
        // Round-robin: the next lease is the following address, not the one just freed.
        let b = try ipam.allocate(for: "pod-b")
        XCTAssertEqual(b.value, a.value + 1)
        // A fresh allocator on the same directory (a restart) continues from the cursor and sees leases.
        let again = IPAM(directory: dir, range: IPv4CIDR("10.250.0.0/24")!)
        XCTAssertEqual(again.lease(of: "pod-b"), b)
        XCTAssertEqual(try again.allocate(for: "pod-c").value, b.value + 1)
    }

    func testReleaseOnlyRemovesTheOwnersLease() throws {
        let ipam = IPAM(directory: dir, range: IPv4CIDR("10.250.0.0/24")!)
        let a = try ipam.allocate(for: "pod-a")
        try ipam.release(owner: "pod-b")
        XCTAssertEqual(ipam.lease(of: "pod-a"), a)
    }

    func testConcurrentAllocationNeverHandsOutAnAddressTwice() throws {
        let ipam = IPAM(directory: dir, range: IPv4CIDR("10.250.0.0/24")!)
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var values: [UInt32] = []
            func add(_ v: UInt32) { lock.lock(); values.append(v); lock.unlock() }
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 100) { i in
            results.add((try? ipam.allocate(for: "pod-\(i)"))?.value ?? 0)
        }
        XCTAssertFalse(results.values.contains(0))
        XCTAssertEqual(Set(results.values).count, 100)
        XCTAssertEqual(ipam.leases().count, 100)
    }
}
