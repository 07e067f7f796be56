/// Whether `a-b-c-d.<ns>.pod.<zone>` names are answered (CoreDNS's `pods` option). kubeadm's Corefile uses
/// `insecure`: any well-formed IP in an existing namespace; `verified` also needs a pod with that IP there.
public enum PodRecordMode: String, Sendable {
    case disabled, insecure, verified
}

/// What the cluster's own zones say about one question.
public struct ResolverAnswer: Sendable, Equatable {
    public var rcode: DNSRCode
    public var authoritative: Bool
    public var answers: [DNSRecord]
    public var authority: [DNSRecord]
    public var additional: [DNSRecord]
    /// An ExternalName target outside the cluster zone: the server may append the upstream answers for it
    /// (after the CNAME already in `answers`), as CoreDNS does through its upstream.
    public var chase: DNSQuestion?

    public init(rcode: DNSRCode, authoritative: Bool = true, answers: [DNSRecord] = [], authority: [DNSRecord] = [],
                additional: [DNSRecord] = [], chase: DNSQuestion? = nil) {
        self.rcode = rcode
        self.authoritative = authoritative
        self.answers = answers
        self.authority = authority
        self.additional = additional
        self.chase = chase
    }
}

public enum Resolution: Sendable, Equatable {
    /// The cluster zone's answer.
    case answer(ResolverAnswer)
    /// Not the cluster's to answer (another zone, or a reverse address nobody in the cluster owns): forward
    /// it to the upstream resolvers when forwarding is on, otherwise reply with `fallback`.
    case upstream(fallback: ResolverAnswer)
}

/// Answers questions about `<zone>` (default cluster.local) and the reverse zones from a ClusterSnapshot, the
/// way CoreDNS's kubernetes plugin does per the Kubernetes DNS specification
/// (https://github.com/kubernetes/dns/blob/master/docs/specification.md). Pure: no I/O, no clock.
public struct ClusterResolver: Sendable {
    public var snapshot: ClusterSnapshot
    public let zone: DNSName
    public let ttl: UInt32
    public let podMode: PodRecordMode

    /// The schema version served at `dns-version.<zone>` (CoreDNS serves 1.1.0, with a TTL of 28800).
    public static let schemaVersion = "1.1.0"
    static let schemaVersionTTL: UInt32 = 28800
    static let reverseV4 = DNSName("in-addr.arpa")
    static let reverseV6 = DNSName("ip6.arpa")
    /// CNAME chains inside the zone are followed at most this deep (CoreDNS stops after 8 too).
    static let maxChain = 8

    public init(snapshot: ClusterSnapshot, clusterDomain: String = "cluster.local", ttl: UInt32 = 5, podMode: PodRecordMode = .insecure) {
        self.snapshot = snapshot
        self.zone = DNSName(clusterDomain)
        self.ttl = ttl
        self.podMode = podMode
    }

    public func resolve(_ q: DNSQuestion) -> Resolution {
        let inZone = q.name.isSubdomain(of: zone)
        let inReverse = q.name.isSubdomain(of: Self.reverseV4) || q.name.isSubdomain(of: Self.reverseV6)
        guard inZone || inReverse else { return .upstream(fallback: ResolverAnswer(rcode: .refused, authoritative: false)) }
        guard q.qClass == DNSClass.internet || q.qClass == DNSClass.any, q.type != .axfr, q.type != .ixfr else {
            return .answer(ResolverAnswer(rcode: .refused, authoritative: false))
        }
        if inReverse && !inZone { return reverse(q) }

        switch lookup(q.name, q.type, depth: 0) {
        case .nameError:
            return .answer(ResolverAnswer(rcode: .nameError, authority: [soa(for: zone)]))
        case .found(let answers, let additional, let chase):
            if answers.isEmpty { return .answer(ResolverAnswer(rcode: .noError, authority: [soa(for: zone)])) }
            return .answer(ResolverAnswer(rcode: .noError, answers: answers, additional: additional, chase: chase))
        }
    }

    /// The SOA CoreDNS puts in the authority section of NXDOMAIN and NODATA answers.
    public func soa(for zone: DNSName) -> DNSRecord {
        DNSRecord(name: zone, ttl: min(ttl, 300), data: .soa(
            mname: zone.prepending(["ns", "dns"]), rname: zone.prepending(["hostmaster"]),
            serial: snapshot.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl))
    }

    // MARK: - forward zone

    enum Lookup {
        case nameError
        /// Answers (empty: the name exists but has no data of that type, NODATA).
        case found([DNSRecord], additional: [DNSRecord], chase: DNSQuestion?)

        static let noData = Lookup.found([], additional: [], chase: nil)
    }

    func lookup(_ name: DNSName, _ type: DNSType, depth: Int) -> Lookup {
        guard let rel = name.relativeLabels(to: zone) else { return .nameError }
        switch rel {
        case []:
            return apex(name, type)
        case ["dns-version"]:
            guard type == .txt else { return .noData }
            return .found([DNSRecord(name: name, ttl: Self.schemaVersionTTL, data: .txt([Self.schemaVersion]))], additional: [], chase: nil)
        case ["ns", "dns"]:
            return .found(addressRecords(name, type, snapshot.nameserverAddresses), additional: [], chase: nil)
        default:
            break
        }
        guard let kind = rel.last, kind == "svc" || kind == "pod" else { return .nameError }
        if rel.count == 1 { return .noData }
        let namespace = rel[rel.count - 2]
        guard snapshot.namespaceExists(namespace) else { return .nameError }
        if rel.count == 2 { return .noData }
        if kind == "pod" { return pod(name, type, label: rel[0], namespace: namespace, labelCount: rel.count) }

        guard let svc = snapshot.service(namespace: namespace, name: rel[rel.count - 3]) else { return .nameError }
        switch rel.count {
        case 3: return service(svc, name, type, endpoint: nil, port: nil, proto: nil, depth: depth)
        case 4: return service(svc, name, type, endpoint: rel[0], port: nil, proto: nil, depth: depth)
        case 5: return service(svc, name, type, endpoint: nil, port: Self.stripUnderscore(rel[0]), proto: Self.stripUnderscore(rel[1]), depth: depth)
        default: return .nameError
        }
    }

    private func apex(_ name: DNSName, _ type: DNSType) -> Lookup {
        switch type {
        case .soa:
            return .found([soa(for: zone)], additional: [], chase: nil)
        case .ns:
            let ns = zone.prepending(["ns", "dns"])
            return .found([DNSRecord(name: name, ttl: ttl, data: .ns(ns))],
                          additional: addressRecords(ns, .a, snapshot.nameserverAddresses) + addressRecords(ns, .aaaa, snapshot.nameserverAddresses),
                          chase: nil)
        default:
            return .noData
        }
    }

    private func pod(_ name: DNSName, _ type: DNSType, label: String, namespace: String, labelCount: Int) -> Lookup {
        guard podMode != .disabled, labelCount == 3 else { return .nameError }
        // a-b-c-d is IPv4; anything else is IPv6 with dashes for colons (CoreDNS's convention).
        let dashes = label.filter { $0 == "-" }.count
        let text = dashes == 3 && !label.contains("--")
            ? String(label.map { $0 == "-" ? "." : $0 })
            : String(label.map { $0 == "-" ? ":" : $0 })
        guard let ip = IPText.parse(text) else { return .nameError }
        if podMode == .verified && !snapshot.podExists(ip: ip, namespace: namespace) { return .nameError }
        return .found(addressRecords(name, type, [ip]), additional: [], chase: nil)
    }

    /// One address the Service answers with, as CoreDNS's msg.Service: an IP, maybe a port, and the name an
    /// SRV record targets.
    private struct Entry {
        var address: [UInt8]
        var port: UInt16?
        var target: DNSName
    }

    private func service(_ svc: ClusterSnapshot.Service, _ name: DNSName, _ type: DNSType,
                         endpoint: String?, port: String?, proto: String?, depth: Int) -> Lookup {
        if case .externalName(let target) = svc.kind {
            // An ExternalName has no endpoints, and no SRV records (CoreDNS drops its CNAME from SRV answers).
            // CoreDNS only serves names here: an IP (or nothing) in externalName yields no record.
            guard endpoint == nil, !target.isEmpty, IPText.parse(target) == nil else { return .nameError }
            return type == .srv ? .noData : externalName(name, type, DNSName(target), depth: depth)
        }

        // A port or protocol left out matches any (so `<svc>.<ns>.svc` SRV lists every port, as in CoreDNS).
        func matches(_ p: ClusterSnapshot.Port?) -> Bool {
            let portOK = port.map { $0.isEmpty || $0 == (p?.name ?? "").lowercased() } ?? true
            let protoOK = proto.map { $0.isEmpty || $0 == (p?.proto ?? "").lowercased() } ?? true
            return portOK && protoOK
        }

        var entries: [Entry] = []
        var exists = false
        if svc.kind == .headless || endpoint != nil {
            for ep in svc.endpoints where endpoint == nil || ep.hostname.lowercased() == endpoint {
                let target = zone.prepending([ep.hostname, svc.name, svc.namespace, "svc"])
                let ports: [ClusterSnapshot.Port?] = ep.ports.isEmpty ? [nil] : ep.ports
                for p in ports where matches(p) {
                    exists = true
                    entries.append(Entry(address: ep.address, port: p?.number, target: target))
                }
            }
        } else if case .clusterIP(let ips) = svc.kind {
            let target = zone.prepending([svc.name, svc.namespace, "svc"])
            let ports: [ClusterSnapshot.Port?] = svc.ports.isEmpty ? [nil] : svc.ports
            for p in ports where matches(p) {
                exists = true
                for ip in ips { entries.append(Entry(address: ip, port: p?.number, target: target)) }
            }
        }
        // A headless Service without ready endpoints, or a port nobody has, does not exist (spec §2.4.1).
        guard exists else { return .nameError }

        switch type {
        case .a, .aaaa:
            return .found(addressRecords(name, type, entries.map(\.address)), additional: [], chase: nil)
        case .srv:
            return srv(name, entries)
        default:
            return .noData
        }
    }

    /// SRV records with CoreDNS's numbers: priority 0, weight 100 shared out evenly (at least 1), the
    /// targets' addresses in the additional section.
    private func srv(_ name: DNSName, _ entries: [Entry]) -> Lookup {
        let withPorts = entries.filter { $0.port != nil }
        let weight = UInt16(max(1, 100 / max(1, withPorts.count)))
        var answers: [DNSRecord] = [], extra: [DNSRecord] = []
        var seenSRV: Set<String> = [], seenAddress: Set<String> = []
        for e in withPorts {
            if seenSRV.insert("\(e.target.key) \(e.port!)").inserted {
                answers.append(DNSRecord(name: name, ttl: ttl, data: .srv(priority: 0, weight: weight, port: e.port!, target: e.target)))
            }
            if seenAddress.insert("\(e.target.key) \(e.address)").inserted {
                extra.append(DNSRecord(name: e.target, ttl: ttl, data: e.address.count == 4 ? .a(e.address) : .aaaa(e.address)))
            }
        }
        return .found(answers, additional: extra, chase: nil)
    }

    private func externalName(_ name: DNSName, _ type: DNSType, _ target: DNSName, depth: Int) -> Lookup {
        guard target != name else { return .noData }  // x CNAME x would loop
        let cname = DNSRecord(name: name, ttl: ttl, data: .cname(target))
        if type == .cname { return .found([cname], additional: [], chase: nil) }
        guard target.isSubdomain(of: zone) else {
            return .found([cname], additional: [], chase: DNSQuestion(name: target, type: type))
        }
        // Inside the zone: follow it here; a dead end leaves no CNAME behind (as CoreDNS).
        guard depth < Self.maxChain, case .found(let next, let extra, let chase) = lookup(target, type, depth: depth + 1), !next.isEmpty else {
            return .noData
        }
        return .found([cname] + next, additional: extra, chase: chase)
    }

    /// A or AAAA records (per `type`) for the addresses of the right family, without duplicates.
    private func addressRecords(_ name: DNSName, _ type: DNSType, _ addresses: [[UInt8]]) -> [DNSRecord] {
        let size = type == .a ? 4 : type == .aaaa ? 16 : 0
        var seen: Set<[UInt8]> = []
        return addresses.filter { $0.count == size && seen.insert($0).inserted }.map {
            DNSRecord(name: name, ttl: ttl, data: size == 4 ? .a($0) : .aaaa($0))
        }
    }

    static func stripUnderscore(_ s: String) -> String { s.hasPrefix("_") ? String(s.dropFirst()) : s }

    // MARK: - reverse zones

    private func reverse(_ q: DNSQuestion) -> Resolution {
        let reverseZone = q.name.isSubdomain(of: Self.reverseV4) ? Self.reverseV4 : Self.reverseV6
        let miss = ResolverAnswer(rcode: .nameError, authority: [soa(for: reverseZone)])
        guard let ip = Self.address(fromReverse: q.name) else { return .upstream(fallback: miss) }
        let owners = snapshot.reverseOwners(of: ip)
        guard !owners.isEmpty else { return .upstream(fallback: miss) }
        guard q.type == .ptr else { return .answer(ResolverAnswer(rcode: .noError, authority: [soa(for: reverseZone)])) }

        var seen: Set<DNSName> = []
        let records: [DNSRecord] = owners.compactMap { owner in
            let target: DNSName
            switch owner {
            case .service(let name, let ns):
                target = zone.prepending([name, ns, "svc"])
            case .endpoint(let hostname, let service, let ns):
                target = zone.prepending([hostname, service, ns, "svc"])
            case .pod(let ns):
                guard let text = IPText.format(ip) else { return nil }
                target = zone.prepending([String(text.map { $0 == "." || $0 == ":" ? "-" : $0 }), ns, "pod"])
            }
            guard seen.insert(target).inserted else { return nil }
            return DNSRecord(name: q.name, ttl: ttl, data: .ptr(target))
        }
        return .answer(ResolverAnswer(rcode: .noError, answers: records))
    }

    /// The address a full reverse name stands for: d.c.b.a.in-addr.arpa, or 32 nibbles under ip6.arpa.
    public static func address(fromReverse name: DNSName) -> [UInt8]? {
        if let rel = name.relativeLabels(to: reverseV4) {
            guard rel.count == 4 else { return nil }
            var out: [UInt8] = []
            for label in rel.reversed() {
                guard label.count <= 3, label.allSatisfy(\.isASCII), let v = UInt8(label, radix: 10) else { return nil }
                out.append(v)
            }
            return out
        }
        if let rel = name.relativeLabels(to: reverseV6) {
            guard rel.count == 32 else { return nil }
            var nibbles: [UInt8] = []
            for label in rel.reversed() {
                guard label.count == 1, let v = UInt8(label, radix: 16) else { return nil }
                nibbles.append(v)
            }
            return stride(from: 0, to: 32, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
        }
        return nil
    }

    /// The reverse name for an address (used by tests and logs).
    public static func reverseName(of address: [UInt8]) -> DNSName? {
        switch address.count {
        case 4: return reverseV4.prepending(address.reversed().map { String($0) })
        case 16:
            let nibbles = address.flatMap { [String($0 >> 4, radix: 16), String($0 & 0x0F, radix: 16)] }
            return reverseV6.prepending(nibbles.reversed())
        default: return nil
        }
    }
}
