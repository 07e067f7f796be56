import KubeAPI
import XCTest
@testable import ServiceProxy

final class ServiceProxyRendererTests: XCTestCase {
    let base = ChainNames.servicePortBase(namespace: "default", name: "web", proto: "tcp", portName: "http")
    var serviceChain: String { "service-" + base }
    var localChain: String { "local-" + base }
    var externalChain: String { "external-" + base }
    func endpointChain(_ ip: String, _ port: Int = 8080, proto: String = "tcp", name: String = "web", portName: String = "http") -> String {
        "endpoint-" + ChainNames.endpointBase(namespace: "default", name: name, proto: proto, portName: portName, ip: ip, port: port)
    }

    func testClusterIPWithTwoEndpoints() {
        let r = SPFixture.render([SPFixture.web()], [SPFixture.webSlice()])
        XCTAssertEqual(r.value(in: "service-ips", key: "10.96.0.10 . tcp . 80"), .some("goto \(serviceChain)"))
        XCTAssertEqual(r.elements(of: "cluster-ips").map(\.key), ["10.96.0.10"])
        XCTAssertTrue(r.elements(of: "no-endpoint-services").isEmpty)
        XCTAssertTrue(serviceChain.hasPrefix("service-"))
        XCTAssertTrue(serviceChain.hasSuffix("-default/web/tcp/http"))

        let svc = try! XCTUnwrap(r.chain(serviceChain))
        XCTAssertEqual(svc.rules, [
            "ip daddr 10.96.0.10 tcp dport 80 iifname != \"swiftlet0\" jump mark-for-masquerade",
            "numgen random mod 2 vmap { 0 : goto \(endpointChain("10.244.0.5")), 1 : goto \(endpointChain("10.244.0.6")) }",
        ])
        XCTAssertEqual(r.chain(endpointChain("10.244.0.5"))?.rules, [
            "ip saddr 10.244.0.5 jump mark-for-masquerade",
            "meta l4proto tcp dnat to 10.244.0.5:8080",
        ])
        XCTAssertEqual(r.chain(endpointChain("10.244.0.6"))?.rules.last, "meta l4proto tcp dnat to 10.244.0.6:8080")
        // Only the Service's own chains are in its group.
        XCTAssertEqual(Set(r.services["default/web"]!.chains.map(\.name)),
                       [serviceChain, endpointChain("10.244.0.5"), endpointChain("10.244.0.6")])
    }

    func testSkeletonHooksPrioritiesAndMasquerade() {
        let r = SPFixture.render([], [])
        let hooks = Dictionary(uniqueKeysWithValues: r.base.chains.compactMap { c in c.hook.map { (c.name, $0) } })
        XCTAssertEqual(hooks["nat-prerouting"], "type nat hook prerouting priority -100; policy accept;")
        XCTAssertEqual(hooks["nat-output"], "type nat hook output priority -100; policy accept;")
        XCTAssertEqual(hooks["nat-postrouting"], "type nat hook postrouting priority 100; policy accept;")
        XCTAssertEqual(hooks["filter-prerouting"], "type filter hook prerouting priority -110; policy accept;")
        XCTAssertEqual(hooks["filter-prerouting-post-dnat"], "type filter hook prerouting priority -90; policy accept;")
        // Forwarded traffic is checked in prerouting, before the kernel routes it back into the bridge.
        XCTAssertNil(hooks["filter-forward"])
        XCTAssertEqual(hooks["filter-output"], "type filter hook output priority -110; policy accept;")
        XCTAssertEqual(hooks["filter-output-post-dnat"], "type filter hook output priority -90; policy accept;")
        XCTAssertEqual(hooks["filter-input"], "type filter hook input priority -110; policy accept;")
        XCTAssertEqual(r.chain("nat-prerouting")?.rules, ["jump services"])
        XCTAssertEqual(r.chain("nat-output")?.rules, ["jump services"])
        XCTAssertEqual(r.chain("nat-postrouting")?.rules, ["jump masquerading"])
        XCTAssertEqual(r.chain("filter-prerouting")?.rules,
                       ["ct state new jump firewall-check", "ct state new jump service-endpoints-check"])
        XCTAssertEqual(r.chain("filter-prerouting-post-dnat")?.rules, ["ct state new jump cluster-ips-check"])
        XCTAssertEqual(r.chain("filter-output-post-dnat")?.rules, ["ct state new jump cluster-ips-check"])
        XCTAssertEqual(r.chain("masquerading")?.rules,
                       ["mark and 0x4000 == 0 return", "mark set mark xor 0x4000", "masquerade fully-random"])
        XCTAssertEqual(r.chain("mark-for-masquerade")?.rules, ["mark set mark or 0x4000"])
        XCTAssertEqual(r.chain("services")?.rules, [
            "ip daddr . meta l4proto . th dport vmap @service-ips",
            "ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports",
        ])
        XCTAssertEqual(r.chain("cluster-ips-check")?.rules.first,
                       "ip daddr @cluster-ips goto reject-chain comment \"Reject traffic to invalid ports of ClusterIPs\"")
        XCTAssertEqual(r.chain("cluster-ips-check")?.rules.last,
                       "ip daddr 10.96.0.0/12 drop comment \"Drop traffic to unallocated ClusterIPs\"")
        XCTAssertEqual(r.chain("reject-chain")?.rules, ["meta l4proto tcp reject with tcp reset", "reject"])
        // NodePorts answer on the node's addresses, never on loopback.
        XCTAssertEqual(r.elements(of: "nodeport-ips").map(\.key), ["192.0.2.2"])
        // Without a node-local DNS nothing is left untracked.
        XCTAssertNil(r.chain("raw-prerouting"))
        XCTAssertNil(r.chain("raw-output"))
    }

    func testNodeLocalDNSTrafficIsUntrackedBothWaysBeforeConntrack() {
        var config = SPFixture.config
        config.nodeLocalDNS = "10.96.0.10"
        let r = SPFixture.render([], [], config: config)
        let expected = [
            "ip daddr 10.96.0.10 meta l4proto { tcp, udp } th dport 53 notrack",
            "ip saddr 10.96.0.10 meta l4proto { tcp, udp } th sport 53 notrack",
        ]
        for (name, hook) in [("raw-prerouting", "prerouting"), ("raw-output", "output")] {
            // Conntrack runs at -200: notrack must come before it.
            XCTAssertEqual(r.chain(name)?.hook, "type filter hook \(hook) priority -300; policy accept;")
            XCTAssertEqual(r.chain(name)?.rules, expected)
        }
    }

    func testNoEndpointsRejects() {
        let r = SPFixture.render([SPFixture.web()], [])
        XCTAssertEqual(r.value(in: "no-endpoint-services", key: "10.96.0.10 . tcp . 80"), .some("goto reject-chain"))
        XCTAssertNil(r.value(in: "service-ips", key: "10.96.0.10 . tcp . 80"))
        XCTAssertTrue(r.services["default/web"]!.chains.isEmpty)
        // Still a known ClusterIP (other ports get rejected, not dropped).
        XCTAssertEqual(r.elements(of: "cluster-ips").map(\.key), ["10.96.0.10"])

        // Endpoints that are neither ready nor serving-and-terminating do not count either.
        let notReady = SPFixture.webSlice([SPFixture.endpoint("10.244.0.5", ready: false),
                                           SPFixture.endpoint("10.244.0.6", ready: false, serving: true, terminating: false)])
        XCTAssertEqual(SPFixture.render([SPFixture.web()], [notReady])
            .value(in: "no-endpoint-services", key: "10.96.0.10 . tcp . 80"), .some("goto reject-chain"))
    }

    func testTerminatingEndpointsOnlyWhenNoneReady() {
        let mixed = SPFixture.webSlice([SPFixture.endpoint("10.244.0.5"),
                                        SPFixture.endpoint("10.244.0.7", ready: false, serving: true, terminating: true)])
        let r1 = SPFixture.render([SPFixture.web()], [mixed])
        XCTAssertEqual(r1.chain(serviceChain)?.rules.last,
                       "numgen random mod 1 vmap { 0 : goto \(endpointChain("10.244.0.5")) }")
        XCTAssertNil(r1.chain(endpointChain("10.244.0.7")))

        let terminatingOnly = SPFixture.webSlice([
            SPFixture.endpoint("10.244.0.7", ready: false, serving: true, terminating: true),
            SPFixture.endpoint("10.244.0.8", ready: false, serving: false, terminating: true),
        ])
        let r2 = SPFixture.render([SPFixture.web()], [terminatingOnly])
        XCTAssertEqual(r2.chain(serviceChain)?.rules.last,
                       "numgen random mod 1 vmap { 0 : goto \(endpointChain("10.244.0.7")) }")
    }

    func testNodePort() {
        let r = SPFixture.render([SPFixture.web(type: "NodePort", nodePort: 30080)], [SPFixture.webSlice()])
        XCTAssertEqual(r.value(in: "service-nodeports", key: "tcp . 30080"), .some("goto \(externalChain)"))
        XCTAssertEqual(r.value(in: "service-ips", key: "10.96.0.10 . tcp . 80"), .some("goto \(serviceChain)"))
        // Cluster policy: the endpoint may be elsewhere, so the source is masqueraded.
        XCTAssertEqual(r.chain(externalChain)?.rules, ["jump mark-for-masquerade", "goto \(serviceChain)"])

        let none = SPFixture.render([SPFixture.web(type: "NodePort", nodePort: 30080)], [])
        XCTAssertEqual(none.value(in: "no-endpoint-nodeports", key: "tcp . 30080"), .some("goto reject-chain"))
        XCTAssertNil(none.value(in: "service-nodeports", key: "tcp . 30080"))

        // Without configured node IPs any local non-loopback address takes NodePorts.
        var cfg = SPFixture.config
        cfg.nodeIPs = ["127.0.0.1"]
        let any = SPFixture.render([], [], config: cfg)
        XCTAssertEqual(any.chain("services")?.rules.last,
                       "fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports")
        XCTAssertTrue(any.elements(of: "nodeport-ips").isEmpty)
        XCTAssertFalse(any.base.sets.contains { $0.name == "nodeport-ips" })
    }

    func testLoadBalancerIngressAndSourceRanges() {
        let lb = SPFixture.web(type: "LoadBalancer", nodePort: 30080) { s in
            s["status"] = ["loadBalancer": ["ingress": [["ip": "203.0.113.5", "ipMode": "VIP"],
                                                         ["ip": "203.0.113.6", "ipMode": "Proxy"],
                                                         ["hostname": "lb.example"]]]]
            s["spec"]["externalIPs"] = ["198.51.100.7"]
        }
        let r = SPFixture.render([lb], [SPFixture.webSlice()])
        XCTAssertEqual(r.value(in: "service-ips", key: "203.0.113.5 . tcp . 80"), .some("goto \(externalChain)"))
        XCTAssertEqual(r.value(in: "service-ips", key: "198.51.100.7 . tcp . 80"), .some("goto \(externalChain)"))
        XCTAssertNil(r.value(in: "service-ips", key: "203.0.113.6 . tcp . 80"), "ipMode Proxy is left to the LB")
        XCTAssertTrue(r.elements(of: "firewall-ips").isEmpty)

        var ranged = lb
        ranged["spec"]["loadBalancerSourceRanges"] = ["192.0.2.0/24", " 10.0.0.0/8 "]
        let r2 = SPFixture.render([ranged], [SPFixture.webSlice()])
        let fw = "firewall-" + base
        XCTAssertEqual(r2.value(in: "firewall-ips", key: "203.0.113.5 . tcp . 80"), .some("goto \(fw)"))
        // The node (192.0.2.2) is inside a range, so the VIP itself is allowed as a source.
        XCTAssertEqual(r2.chain(fw)?.rules, ["ip saddr != { 192.0.2.0/24, 10.0.0.0/8, 203.0.113.5 } drop"])

        // No endpoints: the LB and external IPs reject too.
        let none = SPFixture.render([lb], [])
        XCTAssertEqual(none.value(in: "no-endpoint-services", key: "203.0.113.5 . tcp . 80"), .some("goto reject-chain"))
        XCTAssertEqual(none.value(in: "no-endpoint-services", key: "198.51.100.7 . tcp . 80"), .some("goto reject-chain"))
    }

    func testSessionAffinity() {
        let sticky = SPFixture.web { s in
            s["spec"]["sessionAffinity"] = "ClientIP"
            s["spec"]["sessionAffinityConfig"] = ["clientIP": ["timeoutSeconds": 600]]
        }
        let r = SPFixture.render([sticky], [SPFixture.webSlice()])
        let ep5 = endpointChain("10.244.0.5"), ep6 = endpointChain("10.244.0.6")
        let set5 = "affinity-" + ep5.dropFirst("endpoint-".count), set6 = "affinity-" + ep6.dropFirst("endpoint-".count)
        XCTAssertEqual(r.services["default/web"]!.sets, [
            NftSet(name: set5, spec: "type ipv4_addr; flags dynamic,timeout; timeout 600s;"),
            NftSet(name: set6, spec: "type ipv4_addr; flags dynamic,timeout; timeout 600s;"),
        ])
        XCTAssertEqual(Array(r.chain(serviceChain)!.rules.dropFirst()), [
            "ip saddr @\(set5) goto \(ep5)",
            "ip saddr @\(set6) goto \(ep6)",
            "numgen random mod 2 vmap { 0 : goto \(ep5), 1 : goto \(ep6) }",
        ])
        XCTAssertEqual(r.chain(ep5)?.rules, [
            "ip saddr 10.244.0.5 jump mark-for-masquerade",
            "update @\(set5) { ip saddr }",
            "meta l4proto tcp dnat to 10.244.0.5:8080",
        ])
        // The API default timeout when the config is absent.
        let dflt = SPFixture.render([SPFixture.web { $0["spec"]["sessionAffinity"] = "ClientIP" }], [SPFixture.webSlice()])
        XCTAssertTrue(dflt.services["default/web"]!.sets.allSatisfy { $0.spec.hasSuffix("timeout 10800s;") })
    }

    func testExternalTrafficPolicyLocal() {
        let local = SPFixture.web(type: "NodePort", nodePort: 30080) { $0["spec"]["externalTrafficPolicy"] = "Local" }
        let r = SPFixture.render([local], [SPFixture.webSlice()])
        XCTAssertEqual(r.value(in: "service-nodeports", key: "tcp . 30080"), .some("goto \(externalChain)"))
        XCTAssertEqual(r.chain(externalChain)?.rules, [
            "iifname \"swiftlet0\" goto \(serviceChain) comment \"short-circuit pod traffic\"",
            "fib saddr type local jump mark-for-masquerade comment \"masquerade local traffic\"",
            "fib saddr type local goto \(serviceChain) comment \"short-circuit local traffic\"",
            "goto \(localChain)",
        ])
        // Only this node's endpoint (10.244.0.5 on node-1) serves external traffic; ClusterIP uses both.
        XCTAssertEqual(r.chain(localChain)?.rules, ["numgen random mod 1 vmap { 0 : goto \(endpointChain("10.244.0.5")) }"])
        XCTAssertEqual(r.chain(serviceChain)?.rules.last?.contains("mod 2"), true)

        // No local endpoint: outside traffic to the NodePort is dropped (not rejected), pods and the
        // host are still short-circuited to the cluster-wide endpoints.
        let remoteOnly = SPFixture.webSlice([SPFixture.endpoint("10.244.0.6", node: "node-2")])
        let r2 = SPFixture.render([local], [remoteOnly])
        XCTAssertEqual(r2.value(in: "no-endpoint-nodeports", key: "tcp . 30080"), .some("drop"))
        XCTAssertEqual(r2.value(in: "service-nodeports", key: "tcp . 30080"), .some("goto \(externalChain)"))
        XCTAssertEqual(r2.chain(externalChain)?.rules.count, 3)
        XCTAssertNil(r2.chain(localChain))

        // With a pod CIDR configured, pods are recognised by source address instead of the bridge.
        var cfg = SPFixture.config
        cfg.clusterCIDR = "10.244.0.0/16"
        let r3 = SPFixture.render([local], [SPFixture.webSlice()], config: cfg)
        XCTAssertEqual(r3.chain(externalChain)?.rules.first,
                       "ip saddr 10.244.0.0/16 goto \(serviceChain) comment \"short-circuit pod traffic\"")
        XCTAssertEqual(r3.chain(serviceChain)?.rules.first,
                       "ip daddr 10.96.0.10 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade")
    }

    func testInternalTrafficPolicyLocal() {
        let local = SPFixture.web { $0["spec"]["internalTrafficPolicy"] = "Local" }
        let r = SPFixture.render([local], [SPFixture.webSlice()])
        XCTAssertEqual(r.value(in: "service-ips", key: "10.96.0.10 . tcp . 80"), .some("goto \(localChain)"))
        XCTAssertNil(r.chain(serviceChain), "no cluster-wide chain without external access")
        XCTAssertEqual(r.chain(localChain)?.rules.last, "numgen random mod 1 vmap { 0 : goto \(endpointChain("10.244.0.5")) }")
        XCTAssertNil(r.chain(endpointChain("10.244.0.6")))

        let remoteOnly = SPFixture.webSlice([SPFixture.endpoint("10.244.0.6", node: "node-2")])
        let r2 = SPFixture.render([local], [remoteOnly])
        XCTAssertEqual(r2.value(in: "no-endpoint-services", key: "10.96.0.10 . tcp . 80"), .some("drop"))
        XCTAssertNil(r2.value(in: "service-ips", key: "10.96.0.10 . tcp . 80"))
    }

    func testHairpinMasqueradeAndHostTraffic() {
        let r = SPFixture.render([SPFixture.web()], [SPFixture.webSlice()])
        for ip in ["10.244.0.5", "10.244.0.6"] {
            XCTAssertEqual(r.chain(endpointChain(ip))?.rules.first, "ip saddr \(ip) jump mark-for-masquerade")
        }
        // Host traffic (no input interface) is not from the bridge: masqueraded so replies return.
        XCTAssertEqual(r.chain(serviceChain)?.rules.first,
                       "ip daddr 10.96.0.10 tcp dport 80 iifname != \"swiftlet0\" jump mark-for-masquerade")
        var cfg = SPFixture.config
        cfg.masqueradeAll = true
        XCTAssertEqual(SPFixture.render([SPFixture.web()], [SPFixture.webSlice()], config: cfg).chain(serviceChain)?.rules.first,
                       "ip daddr 10.96.0.10 tcp dport 80 jump mark-for-masquerade")
    }

    func testUDPAndMultiplePorts() {
        let dns = SPFixture.service("kube-dns", namespace: "kube-system", clusterIP: "10.96.0.10",
                                    ports: [SPFixture.port("dns", 53, proto: "UDP"), SPFixture.port("dns-tcp", 53)])
        let slice = SPFixture.slice("kube-dns-1", service: "kube-dns", namespace: "kube-system",
                                    ports: [SPFixture.slicePort("dns", 5353, proto: "UDP"), SPFixture.slicePort("dns-tcp", 5353)],
                                    endpoints: [SPFixture.endpoint("10.244.0.9")])
        let r = SPFixture.render([dns], [slice])
        let udpBase = ChainNames.servicePortBase(namespace: "kube-system", name: "kube-dns", proto: "udp", portName: "dns")
        XCTAssertEqual(r.value(in: "service-ips", key: "10.96.0.10 . udp . 53"), .some("goto service-\(udpBase)"))
        XCTAssertNotNil(r.value(in: "service-ips", key: "10.96.0.10 . tcp . 53"))
        let udpEndpoint = "endpoint-" + ChainNames.endpointBase(namespace: "kube-system", name: "kube-dns", proto: "udp",
                                                                portName: "dns", ip: "10.244.0.9", port: 5353)
        XCTAssertEqual(r.chain(udpEndpoint)?.rules.last, "meta l4proto udp dnat to 10.244.0.9:5353")
        XCTAssertEqual(r.chain("service-\(udpBase)")?.rules.first,
                       "ip daddr 10.96.0.10 udp dport 53 iifname != \"swiftlet0\" jump mark-for-masquerade")
        // One ClusterIP element for the Service, however many ports.
        XCTAssertEqual(r.elements(of: "cluster-ips").map(\.key), ["10.96.0.10"])
    }

    func testSkipsHeadlessExternalNameAndForeignProxies() {
        let headless = SPFixture.service("h", clusterIP: "None", ports: [SPFixture.port(80)])
        let external = SPFixture.service("e", type: "ExternalName", clusterIP: "", ports: [])
        let foreign = SPFixture.service("f", clusterIP: "10.96.0.20", ports: [SPFixture.port(80)]) {
            $0["metadata"]["labels"] = ["service.kubernetes.io/service-proxy-name": "other"]
        }
        let r = SPFixture.render([headless, external, foreign], [])
        XCTAssertTrue(r.services.isEmpty)
    }

    func testDeterministicAndDuplicateDestinationsClaimedOnce() {
        let a = SPFixture.service("a", clusterIP: "10.96.0.21", ports: [SPFixture.port(80)]) { $0["spec"]["externalIPs"] = ["198.51.100.1"] }
        let b = SPFixture.service("b", clusterIP: "10.96.0.22", ports: [SPFixture.port(80)]) { $0["spec"]["externalIPs"] = ["198.51.100.1"] }
        let slices = [
            SPFixture.slice("a-1", service: "a", ports: [SPFixture.slicePort(80)],
                            endpoints: [SPFixture.endpoint("10.244.0.3"), SPFixture.endpoint("10.244.0.2")]),
            SPFixture.slice("b-1", service: "b", ports: [SPFixture.slicePort(80)], endpoints: [SPFixture.endpoint("10.244.0.4")]),
            // The same endpoint again in a second slice (mid-update) is used once.
            SPFixture.slice("a-2", service: "a", ports: [SPFixture.slicePort(80)], endpoints: [SPFixture.endpoint("10.244.0.2")]),
        ]
        let r1 = SPFixture.render([a, b], slices)
        let r2 = SPFixture.render([b, a], slices.reversed())
        XCTAssertEqual(r1, r2)
        XCTAssertEqual(r1.fullSyncCommands(), r2.fullSyncCommands())
        let owners = r1.elements(of: "service-ips").filter { $0.key == "198.51.100.1 . tcp . 80" }
        XCTAssertEqual(owners.count, 1)
        XCTAssertTrue(owners[0].value!.contains("default/a/"))
        let aChain = "service-" + ChainNames.servicePortBase(namespace: "default", name: "a", proto: "tcp", portName: "")
        XCTAssertEqual(r1.chain(aChain)?.rules.last?.contains("numgen random mod 2"), true)
        // Endpoints are ordered by address, whatever the slice order.
        XCTAssertEqual(r1.chain(aChain)?.rules.last?.range(of: "10.244.0.2")!.lowerBound ?? "".startIndex <
                       r1.chain(aChain)!.rules.last!.range(of: "10.244.0.3")!.lowerBound, true)
    }
}
