import XCTest
@testable import PodNetwork

/// Pure parsing and naming: no root needed, no network touched.
final class PodNetworkAddressTests: XCTestCase {
    func testIPv4ParsingIsStrict() {
        XCTAssertEqual(IPv4Address("10.244.0.7")?.description, "10.244.0.7")
        XCTAssertNil(IPv4Address("10.244.0"))
        XCTAssertNil(IPv4Address("10.244.0.256"))
        XCTAssertNil(IPv4Address("10.244.0.07"), "a leading zero would be octal to inet_aton")
        XCTAssertNil(IPv4Address("10.244.0.-1"))
        XCTAssertNil(IPv4Address(" 10.244.0.1"))
    }

    func testCIDRParsingAndArithmetic() throws {
        let c = try XCTUnwrap(IPv4CIDR("10.244.0.0/24"))
        XCTAssertEqual(c.gateway.description, "10.244.0.1")
        XCTAssertEqual(c.broadcast.description, "10.244.0.255")
        XCTAssertTrue(c.contains(IPv4Address("10.244.0.200")!))
        XCTAssertFalse(c.contains(IPv4Address("10.244.1.1")!))
        XCTAssertTrue(IPv4CIDR("10.244.0.0/16")!.contains(c))
        XCTAssertFalse(c.contains(IPv4CIDR("10.244.0.0/16")!))
        XCTAssertNil(IPv4CIDR("10.244.0.1/24"), "host bits set")
        XCTAssertNil(IPv4CIDR("10.244.0.0/33"))
        XCTAssertNil(IPv4CIDR("10.244.0.0"))
        XCTAssertEqual(IPv4CIDR("0.0.0.0/0")?.mask, 0)
        XCTAssertEqual(IPv4CIDR("10.96.0.0/12")?.broadcast.description, "10.111.255.255")
    }

    func testHostVethNamesAreStableAndFitIFNAMSIZ() {
        let a = Naming.hostVeth(podUID: "0b5c3e8e-6a43-4c1e-9d0f-1d2a3b4c5d6e")
        XCTAssertEqual(a, Naming.hostVeth(podUID: "0b5c3e8e-6a43-4c1e-9d0f-1d2a3b4c5d6e"))
        XCTAssertTrue(a.hasPrefix("veth"))
        XCTAssertEqual(a.count, 12)
        XCTAssertTrue(a.dropFirst(4).allSatisfy { $0.isHexDigit })
        XCTAssertNotEqual(a, Naming.hostVeth(podUID: "another-pod"))
    }

    func testBridgeMACIsLocallyAdministeredUnicast() {
        let mac = Naming.bridgeMAC(bridgeName: "swiftlet0")
        XCTAssertEqual(mac.count, 6)
        XCTAssertEqual(mac[0] & 0x03, 0x02)
        XCTAssertEqual(mac, Naming.bridgeMAC(bridgeName: "swiftlet0"))
    }

    func testPodUIDValidation() {
        XCTAssertNoThrow(try Naming.validatePodUID("0b5c3e8e-6a43-4c1e-9d0f-1d2a3b4c5d6e"))
        for bad in ["", "..", "../etc", "a/b", ".hidden", "with space", String(repeating: "x", count: 129)] {
            XCTAssertThrowsError(try Naming.validatePodUID(bad), bad) { error in
                XCTAssertEqual((error as? PodNetworkError)?.errno, EINVAL)
            }
        }
    }

    func testConfigValidationNamesTheProblem() {
        let dir = NSTemporaryDirectory() + "podnetwork-config-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func err(_ c: PodNetworkConfig) -> String {
            do { _ = try PodNetwork(config: c); return "" } catch { return "\(error)" }
        }
        var c = PodNetworkConfig(stateDir: dir)
        c.nodePodCIDR = "10.244.0.1/24"
        XCTAssertTrue(err(c).contains("node pod CIDR"), err(c))
        c = PodNetworkConfig(stateDir: dir)
        c.nodePodCIDR = "10.245.0.0/24"
        XCTAssertTrue(err(c).contains("not inside the cluster pod CIDR 10.244.0.0/16"), err(c))
        c = PodNetworkConfig(stateDir: dir)
        c.serviceCIDR = "10.0.0.0/8"
        XCTAssertTrue(err(c).contains("overlaps"), err(c))
        c = PodNetworkConfig(stateDir: dir)
        c.bridgeName = "a-very-long-bridge-name"
        XCTAssertTrue(err(c).contains("1-15 bytes"), err(c))
        XCTAssertNoThrow(try PodNetwork(config: PodNetworkConfig(stateDir: dir)))
    }
}

/// Error texts: operation and object first, then the kernel's words.
final class PodNetworkErrorTests: XCTestCase {
    func testNetlinkErrorsReadLikeTheKernels() {
        let e = NetlinkSocket.error(-6 /* NLE_EXIST */, "add address 10.244.0.7/24 to eth0 in /var/lib/swiftlet/netns/u1")
        XCTAssertEqual(e.description, "add address 10.244.0.7/24 to eth0 in /var/lib/swiftlet/netns/u1: File exists")
        XCTAssertEqual(e.errno, EEXIST)
        let nodev = NetlinkSocket.error(-31 /* NLE_NODEV */, "delete link veth0")
        XCTAssertEqual(nodev.description, "delete link veth0: No such device")
        XCTAssertTrue(NetlinkSocket.isNotFound(nodev))
    }

    func testSyscallErrorsCarryErrno() {
        let e = PodNetworkError.system("open network namespace /nowhere", errno: ENOENT)
        XCTAssertEqual(e.description, "open network namespace /nowhere: No such file or directory")
        XCTAssertEqual(e.localizedDescription, e.description)
    }
}
