import XCTest
import KubeAPI
@testable import ClusterDNS

final class ClusterDNSResolverTests: XCTestCase {
    typealias F = ClusterDNSFixtures
    let resolver = ClusterResolver(snapshot: F.cluster())

    private func answer(_ name: String, _ type: DNSType, _ r: ClusterResolver? = nil, file: StaticString = #filePath, line: UInt = #line) -> ResolverAnswer {
        switch (r ?? resolver).resolve(DNSQuestion(name: DNSName(name), type: type)) {
        case .answer(let a): return a
        case .upstream(let fallback):
            XCTFail("\(name) \(type) went upstream", file: file, line: line)
            return fallback
        }
    }

    /// The answer section in zone-file form, sorted (order is the server's business).
    private func records(_ a: ResolverAnswer) -> [String] { a.answers.map(\.description).sorted() }

    private func assertNXDomain(_ name: String, _ type: DNSType = .a, _ r: ClusterResolver? = nil, file: StaticString = #filePath, line: UInt = #line) {
        let a = answer(name, type, r, file: file, line: line)
        XCTAssertEqual(a.rcode, .nameError, "\(name) \(type)", file: file, line: line)
        XCTAssertEqual(a.answers, [], file: file, line: line)
        XCTAssertEqual(a.authority.first?.type, .soa, file: file, line: line)
    }

    private func assertNoData(_ name: String, _ type: DNSType, file: StaticString = #filePath, line: UInt = #line) {
        let a = answer(name, type, file: file, line: line)
        XCTAssertEqual(a.rcode, .noError, "\(name) \(type)", file: file, line: line)
        XCTAssertEqual(a.answers, [], "\(name) \(type)", file: file, line: line)
        XCTAssertEqual(a.authority.first?.type, .soa, file: file, line: line)
    }

    func testServiceAIsTheClusterIP() {
        let a = answer("my-nginx.default.svc.cluster.local", .a)
        XCTAssertEqual(a.rcode, .noError)
        XCTAssertTrue(a.authoritative)
        XCTAssertEqual(records(a), ["my-nginx.default.svc.cluster.local. 5 IN A 10.96.0.50"])
        XCTAssertEqual(a.authority, [])
    }

    func testNamesAreCaseInsensitiveAndAnsweredAsAsked() {
        let a = answer("My-Nginx.DEFAULT.svc.Cluster.Local.", .a)
        XCTAssertEqual(records(a), ["My-Nginx.DEFAULT.svc.Cluster.Local. 5 IN A 10.96.0.50"])
    }

    func testAAAAOfAnIPv4OnlyNameIsNoData() {
        assertNoData("my-nginx.default.svc.cluster.local", .aaaa)
        let soa = answer("my-nginx.default.svc.cluster.local", .aaaa).authority[0]
        XCTAssertEqual(soa.description, "cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 42 7200 1800 86400 5")
    }

    func testDualStackService() {
        XCTAssertEqual(records(answer("dual.default.svc.cluster.local", .a)), ["dual.default.svc.cluster.local. 5 IN A 10.96.0.70"])
        XCTAssertEqual(records(answer("dual.default.svc.cluster.local", .aaaa)), ["dual.default.svc.cluster.local. 5 IN AAAA fd00:10:96::70"])
    }

    func testNXDomainVersusNoData() {
        assertNXDomain("missing.default.svc.cluster.local")
        assertNXDomain("missing.default.svc.cluster.local", .aaaa)
        assertNXDomain("my-nginx.nosuchns.svc.cluster.local")
        assertNXDomain("nosuchns.svc.cluster.local")
        assertNXDomain("foo.cluster.local")
        assertNXDomain("a.b.c.d.my-nginx.default.svc.cluster.local")
        assertNoData("my-nginx.default.svc.cluster.local", .txt)
        assertNoData("cluster.local", .a)
        assertNoData("svc.cluster.local", .a)
        assertNoData("pod.cluster.local", .a)
        assertNoData("default.svc.cluster.local", .a)
        assertNoData("empty-ns.svc.cluster.local", .a)
        assertNoData("my-nginx.default.svc.cluster.local", .mx)
        assertNoData("my-nginx.default.svc.cluster.local", .any)
    }

    func testHeadlessServiceAnswersReadyEndpoints() {
        XCTAssertEqual(records(answer("nginx.default.svc.cluster.local", .a)), [
            "nginx.default.svc.cluster.local. 5 IN A 10.244.0.11",
            "nginx.default.svc.cluster.local. 5 IN A 10.244.0.12",
            "nginx.default.svc.cluster.local. 5 IN A 10.244.0.13",
        ])
        XCTAssertEqual(records(answer("web-0.nginx.default.svc.cluster.local", .a)), ["web-0.nginx.default.svc.cluster.local. 5 IN A 10.244.0.11"])
        XCTAssertEqual(records(answer("WEB-1.nginx.default.svc.cluster.local", .a)), ["WEB-1.nginx.default.svc.cluster.local. 5 IN A 10.244.0.12"])
        // Endpoints without a hostname are named after their IP, as CoreDNS does.
        XCTAssertEqual(records(answer("10-244-0-13.nginx.default.svc.cluster.local", .a)), ["10-244-0-13.nginx.default.svc.cluster.local. 5 IN A 10.244.0.13"])
        assertNXDomain("web-9.nginx.default.svc.cluster.local")
        assertNXDomain("10-244-0-14.nginx.default.svc.cluster.local", .a, nil)  // not ready
        assertNoData("nginx.default.svc.cluster.local", .aaaa)
        // Spec §2.4.1: no ready endpoints → NXDOMAIN.
        assertNXDomain("empty-headless.default.svc.cluster.local")
    }

    func testEndpointNamesWorkForClusterIPServicesToo() {
        XCTAssertEqual(records(answer("10-244-0-5.my-nginx.default.svc.cluster.local", .a)), ["10-244-0-5.my-nginx.default.svc.cluster.local. 5 IN A 10.244.0.5"])
    }

    func testSRVForANamedPort() {
        let a = answer("_http._tcp.my-nginx.default.svc.cluster.local", .srv)
        XCTAssertEqual(records(a), ["_http._tcp.my-nginx.default.svc.cluster.local. 5 IN SRV 0 100 80 my-nginx.default.svc.cluster.local."])
        XCTAssertEqual(a.additional.map(\.description), ["my-nginx.default.svc.cluster.local. 5 IN A 10.96.0.50"])
        XCTAssertEqual(records(answer("_HTTP._TCP.my-nginx.default.svc.cluster.local", .srv)).count, 1)
        XCTAssertEqual(records(answer("_dns._udp.multi.default.svc.cluster.local", .srv)), ["_dns._udp.multi.default.svc.cluster.local. 5 IN SRV 0 100 53 multi.default.svc.cluster.local."])
        assertNXDomain("_http._udp.my-nginx.default.svc.cluster.local", .srv)
        assertNXDomain("_nope._tcp.my-nginx.default.svc.cluster.local", .srv)
        // The SRV name also answers A, as in CoreDNS.
        XCTAssertEqual(records(answer("_http._tcp.my-nginx.default.svc.cluster.local", .a)), ["_http._tcp.my-nginx.default.svc.cluster.local. 5 IN A 10.96.0.50"])
    }

    func testSRVOnTheServiceNameListsEveryPort() {
        XCTAssertEqual(records(answer("multi.default.svc.cluster.local", .srv)), [
            "multi.default.svc.cluster.local. 5 IN SRV 0 33 53 multi.default.svc.cluster.local.",
            "multi.default.svc.cluster.local. 5 IN SRV 0 33 80 multi.default.svc.cluster.local.",
            "multi.default.svc.cluster.local. 5 IN SRV 0 33 9000 multi.default.svc.cluster.local.",
        ])
    }

    func testSRVForAHeadlessServiceTargetsEachEndpoint() {
        let a = answer("_web._tcp.nginx.default.svc.cluster.local", .srv)
        XCTAssertEqual(records(a), [
            "_web._tcp.nginx.default.svc.cluster.local. 5 IN SRV 0 33 8080 10-244-0-13.nginx.default.svc.cluster.local.",
            "_web._tcp.nginx.default.svc.cluster.local. 5 IN SRV 0 33 8080 web-0.nginx.default.svc.cluster.local.",
            "_web._tcp.nginx.default.svc.cluster.local. 5 IN SRV 0 33 8080 web-1.nginx.default.svc.cluster.local.",
        ])
        XCTAssertEqual(a.additional.map(\.description).sorted(), [
            "10-244-0-13.nginx.default.svc.cluster.local. 5 IN A 10.244.0.13",
            "web-0.nginx.default.svc.cluster.local. 5 IN A 10.244.0.11",
            "web-1.nginx.default.svc.cluster.local. 5 IN A 10.244.0.12",
        ])
    }

    func testExternalNameIsACNAME() {
        let a = answer("external.default.svc.cluster.local", .a)
        XCTAssertEqual(records(a), ["external.default.svc.cluster.local. 5 IN CNAME www.example.com."])
        XCTAssertEqual(a.chase, DNSQuestion(name: "www.example.com", type: .a), "the server completes it upstream")
        let c = answer("external.default.svc.cluster.local", .cname)
        XCTAssertEqual(records(c), ["external.default.svc.cluster.local. 5 IN CNAME www.example.com."])
        XCTAssertNil(c.chase)
        assertNoData("external.default.svc.cluster.local", .srv)
        assertNXDomain("x.external.default.svc.cluster.local")
        // A target inside the zone is followed here.
        let alias = answer("alias.default.svc.cluster.local", .a)
        XCTAssertEqual(alias.answers.map(\.description), [
            "alias.default.svc.cluster.local. 5 IN CNAME my-nginx.default.svc.cluster.local.",
            "my-nginx.default.svc.cluster.local. 5 IN A 10.96.0.50",
        ])
        XCTAssertNil(alias.chase)
    }

    func testPTRForClusterIPsEndpointsAndPods() {
        XCTAssertEqual(records(answer("50.0.96.10.in-addr.arpa", .ptr)), ["50.0.96.10.in-addr.arpa. 5 IN PTR my-nginx.default.svc.cluster.local."])
        XCTAssertEqual(records(answer("10.0.96.10.in-addr.arpa", .ptr)), ["10.0.96.10.in-addr.arpa. 5 IN PTR kube-dns.kube-system.svc.cluster.local."])
        XCTAssertEqual(records(answer("11.0.244.10.in-addr.arpa", .ptr)), ["11.0.244.10.in-addr.arpa. 5 IN PTR web-0.nginx.default.svc.cluster.local."])
        XCTAssertEqual(records(answer("5.0.244.10.in-addr.arpa", .ptr)), ["5.0.244.10.in-addr.arpa. 5 IN PTR 10-244-0-5.my-nginx.default.svc.cluster.local."])
        XCTAssertEqual(records(answer("30.0.244.10.IN-ADDR.ARPA", .ptr)), ["30.0.244.10.IN-ADDR.ARPA. 5 IN PTR 10-244-0-30.default.pod.cluster.local."])
        XCTAssertEqual(records(answer("31.0.244.10.in-addr.arpa", .ptr)), ["31.0.244.10.in-addr.arpa. 5 IN PTR 10-244-0-31.other.pod.cluster.local."])
        let v6 = ClusterResolver.reverseName(of: IPText.parse("fd00:10:96::70")!)!
        XCTAssertEqual(v6.description, "0.7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa.")
        XCTAssertEqual(records(answer(v6.description, .ptr)), ["\(v6) 5 IN PTR dual.default.svc.cluster.local."])
        // The name exists, but only as a PTR.
        XCTAssertEqual(answer("50.0.96.10.in-addr.arpa", .a).answers, [])
    }

    func testUnknownReverseAddressesGoUpstream() {
        for name in ["8.8.8.8.in-addr.arpa", "10.1.168.192.in-addr.arpa" /* host-network pod */, "40.0.244.10.in-addr.arpa" /* finished pod */,
                     "0.96.10.in-addr.arpa", "300.0.96.10.in-addr.arpa"] {
            guard case .upstream(let fallback) = resolver.resolve(DNSQuestion(name: DNSName(name), type: .ptr)) else {
                XCTFail("\(name) should not be answered from the cluster")
                continue
            }
            XCTAssertEqual(fallback.rcode, .nameError, name)
            XCTAssertEqual(fallback.authority.first?.name, "in-addr.arpa")
        }
    }

    func testPodARecords() {
        XCTAssertEqual(records(answer("10-244-0-30.default.pod.cluster.local", .a)), ["10-244-0-30.default.pod.cluster.local. 5 IN A 10.244.0.30"])
        // `pods insecure` (kubeadm's Corefile): any address in an existing namespace.
        XCTAssertEqual(records(answer("1-2-3-4.default.pod.cluster.local", .a)), ["1-2-3-4.default.pod.cluster.local. 5 IN A 1.2.3.4"])
        XCTAssertEqual(records(answer("fd00--1.default.pod.cluster.local", .aaaa)), ["fd00--1.default.pod.cluster.local. 5 IN AAAA fd00::1"])
        assertNoData("10-244-0-30.default.pod.cluster.local", .aaaa)
        assertNXDomain("10-244-0-30.nosuchns.pod.cluster.local")
        assertNXDomain("not-an-ip.default.pod.cluster.local")
        assertNXDomain("1-2-3-999.default.pod.cluster.local")

        let verified = ClusterResolver(snapshot: F.cluster(), podMode: .verified)
        XCTAssertEqual(records(answer("10-244-0-30.default.pod.cluster.local", .a, verified)).count, 1)
        assertNXDomain("1-2-3-4.default.pod.cluster.local", .a, verified)
        assertNXDomain("10-244-0-31.default.pod.cluster.local", .a, verified)  // that pod lives in "other"
        let disabled = ClusterResolver(snapshot: F.cluster(), podMode: .disabled)
        assertNXDomain("10-244-0-30.default.pod.cluster.local", .a, disabled)
    }

    func testSchemaVersionTXT() {
        let a = answer("dns-version.cluster.local", .txt)
        XCTAssertEqual(records(a), ["dns-version.cluster.local. 28800 IN TXT \"1.1.0\""])
        assertNoData("dns-version.cluster.local", .a)
    }

    func testApexSOAAndNS() {
        XCTAssertEqual(records(answer("cluster.local", .soa)), ["cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 42 7200 1800 86400 5"])
        let ns = answer("cluster.local", .ns)
        XCTAssertEqual(records(ns), ["cluster.local. 5 IN NS ns.dns.cluster.local."])
        XCTAssertEqual(ns.additional.map(\.description), ["ns.dns.cluster.local. 5 IN A 10.96.0.10"])
        XCTAssertEqual(records(answer("ns.dns.cluster.local", .a)), ["ns.dns.cluster.local. 5 IN A 10.96.0.10"])
    }

    func testNamesOutsideTheZoneAreNotOurs() {
        guard case .upstream(let fallback) = resolver.resolve(DNSQuestion(name: "www.example.com", type: .a)) else {
            return XCTFail("www.example.com must be forwarded")
        }
        XCTAssertEqual(fallback.rcode, .refused)
        guard case .upstream = resolver.resolve(DNSQuestion(name: "local", type: .a)) else { return XCTFail("local is outside cluster.local") }
    }

    func testZoneTransfersAndOtherClassesAreRefused() {
        XCTAssertEqual(answer("cluster.local", .axfr).rcode, .refused)
        XCTAssertEqual((resolver.resolve(DNSQuestion(name: "my-nginx.default.svc.cluster.local", type: .a, qClass: 3)) == .answer(ResolverAnswer(rcode: .refused, authoritative: false))), true)
    }

    func testCustomClusterDomain() {
        let r = ClusterResolver(snapshot: F.cluster(), clusterDomain: "corp.internal", ttl: 30)
        XCTAssertEqual(records(answer("my-nginx.default.svc.corp.internal", .a, r)), ["my-nginx.default.svc.corp.internal. 30 IN A 10.96.0.50"])
        XCTAssertEqual(records(answer("50.0.96.10.in-addr.arpa", .ptr, r)), ["50.0.96.10.in-addr.arpa. 30 IN PTR my-nginx.default.svc.corp.internal."])
        guard case .upstream = r.resolve(DNSQuestion(name: "my-nginx.default.svc.cluster.local", type: .a)) else { return XCTFail() }
    }

    func testSnapshotReadinessAndSliceOwnership() {
        let snapshot = ClusterSnapshot(
            services: [F.service("pub", clusterIP: "None", publishNotReady: true), F.service("v6", clusterIP: "None")],
            endpointSlices: [
                F.slice("pub-1", service: "pub", endpoints: [F.EndpointSpec(ip: "10.244.1.1", ready: false), F.EndpointSpec(ip: "10.244.1.2", ready: nil)]),
                F.slice("pub-2", service: "pub", endpoints: [F.EndpointSpec(ip: "10.244.1.2"), F.EndpointSpec(ip: "10.244.1.3")]),
                F.slice("v6-1", service: "v6", addressType: "IPv6", endpoints: [F.EndpointSpec(ip: "fd00::5")]),
                F.slice("fqdn", service: "v6", addressType: "FQDN", endpoints: [F.EndpointSpec(ip: "example.com")]),
                F.slice("orphan", service: "pub", namespace: "elsewhere", endpoints: [F.EndpointSpec(ip: "10.244.9.9")]),
            ])
        let r = ClusterResolver(snapshot: snapshot)
        XCTAssertEqual(records(answer("pub.default.svc.cluster.local", .a, r)), [
            "pub.default.svc.cluster.local. 5 IN A 10.244.1.1",
            "pub.default.svc.cluster.local. 5 IN A 10.244.1.2",
            "pub.default.svc.cluster.local. 5 IN A 10.244.1.3",
        ], "publishNotReadyAddresses serves not-ready endpoints; an endpoint in two slices is answered once")
        XCTAssertEqual(records(answer("v6.default.svc.cluster.local", .aaaa, r)), ["v6.default.svc.cluster.local. 5 IN AAAA fd00::5"])
        XCTAssertEqual(records(answer("fd00--5.v6.default.svc.cluster.local", .aaaa, r)), ["fd00--5.v6.default.svc.cluster.local. 5 IN AAAA fd00::5"])
        XCTAssertEqual(snapshot.service(namespace: "default", name: "v6")?.endpoints.count, 1, "FQDN slices are ignored")
    }
}
