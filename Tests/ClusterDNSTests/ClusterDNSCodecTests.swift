import XCTest
@testable import ClusterDNS

final class ClusterDNSCodecTests: XCTestCase {
    func testQueryDecodesAsDigSendsIt() throws {
        // dig my-nginx.default.svc.cluster.local A (id 0x1234, RD, AD, EDNS 1232 with a cookie), byte for byte.
        var bytes: [UInt8] = [0x12, 0x34, 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, 1]
        for label in ["my-nginx", "default", "svc", "cluster", "local"] { bytes += [UInt8(label.count)] + Array(label.utf8) }
        bytes += [0, 0, 1, 0, 1]
        bytes += [0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 12, 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]
        let m = try DNSMessage(decoding: bytes)
        XCTAssertEqual(m.header.id, 0x1234)
        XCTAssertTrue(m.header.recursionDesired)
        XCTAssertTrue(m.header.authenticData)
        XCTAssertFalse(m.header.isResponse)
        XCTAssertEqual(m.questions, [DNSQuestion(name: "my-nginx.default.svc.cluster.local", type: .a)])
        XCTAssertEqual(m.edns?.udpPayloadSize, 1232)
        XCTAssertEqual(m.edns?.options, [EDNS.Option(code: 10, data: [1, 2, 3, 4, 5, 6, 7, 8])])
        XCTAssertTrue(m.additional.isEmpty, "the OPT record is lifted out of the additional section")
        XCTAssertEqual(try m.encoded(), bytes, "re-encoding gives the same bytes")
    }

    func testRoundTripOfEveryRecordType() throws {
        var h = DNSHeader(id: 7)
        h.isResponse = true
        h.authoritative = true
        h.recursionDesired = true
        h.recursionAvailable = true
        h.checkingDisabled = true
        let zone: DNSName = "cluster.local"
        var m = DNSMessage(header: h, questions: [DNSQuestion(name: "_http._tcp.My-Nginx.default.svc.cluster.local", type: .srv)])
        m.answers = [
            DNSRecord(name: "a.cluster.local", ttl: 5, data: .a([10, 96, 0, 50])),
            DNSRecord(name: "a.cluster.local", ttl: 5, data: .aaaa(IPText.parse("fd00::1")!)),
            DNSRecord(name: "c.cluster.local", ttl: 5, data: .cname("www.example.com")),
            DNSRecord(name: "50.0.96.10.in-addr.arpa", ttl: 5, data: .ptr("my-nginx.default.svc.cluster.local")),
            DNSRecord(name: "m.cluster.local", ttl: 5, data: .mx(preference: 10, exchange: "mail.cluster.local")),
            DNSRecord(name: "dns-version.cluster.local", ttl: 28800, data: .txt(["1.1.0", "second string"])),
            DNSRecord(name: "_http._tcp.my-nginx.default.svc.cluster.local", ttl: 5,
                      data: .srv(priority: 0, weight: 100, port: 80, target: "my-nginx.default.svc.cluster.local")),
            DNSRecord(name: "x.cluster.local", ttl: 5, data: .unknown(type: DNSType(99), data: [1, 2, 3])),
        ]
        m.authority = [DNSRecord(name: zone, ttl: 5, data: .soa(mname: "ns.dns.cluster.local", rname: "hostmaster.cluster.local",
                                                                  serial: 1_700_000_000, refresh: 7200, retry: 1800, expire: 86400, minimum: 5))]
        m.additional = [DNSRecord(name: "ns.dns.cluster.local", ttl: 5, data: .ns("ns.dns.cluster.local"))]
        m.edns = EDNS(udpPayloadSize: 1232, dnssecOK: true)
        m.rcode = .badVersion
        let decoded = try DNSMessage(decoding: try m.encoded())
        XCTAssertEqual(decoded, m)
        XCTAssertEqual(decoded.rcode, .badVersion)
        XCTAssertEqual(decoded.header.rcodeLow, 0, "BADVERS (16) lives in the OPT record's extended rcode")
        XCTAssertEqual(decoded.questions[0].name.description, "_http._tcp.My-Nginx.default.svc.cluster.local.", "case survives")
    }

    func testNamesAreCompressedOnWrite() throws {
        var m = DNSMessage(header: DNSHeader(id: 1), questions: [DNSQuestion(name: "my-nginx.default.svc.cluster.local", type: .a)])
        for i in 0..<3 { m.answers.append(DNSRecord(name: "my-nginx.default.svc.cluster.local", ttl: 5, data: .a([10, 0, 0, UInt8(i)]))) }
        m.answers.append(DNSRecord(name: "other.default.svc.cluster.local", ttl: 5, data: .cname("my-nginx.default.svc.cluster.local")))
        m.answers.append(DNSRecord(name: "MY-NGINX.default.svc.cluster.local", ttl: 5, data: .a([10, 0, 0, 9])))
        let bytes = try m.encoded()
        let question = 12 + 36 + 4
        // Each repeated owner name is a 2-byte pointer to the question's name at offset 12.
        XCTAssertEqual(Array(bytes[question..<question + 2]), [0xC0, 12])
        XCTAssertEqual(Array(bytes[question + 16..<question + 18]), [0xC0, 12])
        // "other" + a pointer to "default.svc.cluster.local" (offset 12 + 9); the CNAME target is a pointer.
        let other = question + 3 * 16
        XCTAssertEqual(Array(bytes[other..<other + 8]), [5] + Array("other".utf8) + [0xC0, 21])
        XCTAssertEqual(Array(bytes[other + 8 + 10..<other + 8 + 12]), [0xC0, 12])
        // A differently-cased name keeps its own spelling of the differing label.
        let upper = other + 8 + 12
        XCTAssertEqual(Array(bytes[upper..<upper + 11]), [8] + Array("MY-NGINX".utf8) + [0xC0, 21])
        XCTAssertEqual(bytes.count, upper + 11 + 14)
        let decoded = try DNSMessage(decoding: bytes)
        XCTAssertEqual(decoded.answers.map(\.name.description), Array(repeating: "my-nginx.default.svc.cluster.local.", count: 3)
                       + ["other.default.svc.cluster.local.", "MY-NGINX.default.svc.cluster.local."])
        XCTAssertEqual(decoded, m)
    }

    func testSRVTargetIsNotCompressedButOthersMayPointIntoIt() throws {
        var m = DNSMessage(header: DNSHeader(id: 1))
        m.answers = [DNSRecord(name: "_http._tcp.s.ns.svc.cluster.local", ttl: 5, data: .srv(priority: 0, weight: 100, port: 80, target: "s.ns.svc.cluster.local"))]
        m.additional = [DNSRecord(name: "s.ns.svc.cluster.local", ttl: 5, data: .a([1, 2, 3, 4]))]
        let bytes = try m.encoded()
        let target = 12 + 35 + 10 + 6
        XCTAssertEqual(Array(bytes[target..<target + 2]), [1, UInt8(ascii: "s")], "RFC 2782: SRV target written in full")
        let extra = target + 24
        XCTAssertEqual(Array(bytes[extra..<extra + 2]), [0xC0, 23], "the A record's owner points into the SRV owner name")
        XCTAssertEqual(try DNSMessage(decoding: bytes), m)
    }

    func testMalformedPacketsAreRejected() {
        XCTAssertThrowsError(try DNSMessage(decoding: [0, 1, 0, 0]))
        // A question whose name points at itself.
        XCTAssertThrowsError(try DNSMessage(decoding: [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1]))
        // A forward pointer.
        XCTAssertThrowsError(try DNSMessage(decoding: [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 20, 0, 1, 0, 1]))
        // A label running past the end.
        XCTAssertThrowsError(try DNSMessage(decoding: [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9, 0x61, 0x62]))
        // An A record with 3 bytes of data.
        XCTAssertThrowsError(try DNSMessage(decoding: [0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 3, 1, 2, 3]))
        // Two OPT records.
        let opt: [UInt8] = [0, 0, 41, 2, 0, 0, 0, 0, 0, 0, 0]
        XCTAssertThrowsError(try DNSMessage(decoding: [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2] + opt + opt))
        XCTAssertEqual(DNSMessage.peekHeader([0xAB, 0xCD, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])?.id, 0xABCD)
    }

    func testEncodingRejectsOversizedLabelsAndNames() {
        let long = String(repeating: "a", count: 64)
        XCTAssertThrowsError(try DNSMessage(questions: [DNSQuestion(name: DNSName("\(long).cluster.local"), type: .a)]).encoded())
        let huge = DNSName(labels: Array(repeating: String(repeating: "b", count: 60), count: 5))
        XCTAssertThrowsError(try DNSMessage(questions: [DNSQuestion(name: huge, type: .a)]).encoded())
    }

    func testTruncationKeepsWhatFitsAndSetsTC() throws {
        var m = DNSMessage(header: DNSHeader(id: 9), questions: [DNSQuestion(name: "big.default.svc.cluster.local", type: .a)])
        m.header.isResponse = true
        for i in 0..<60 { m.answers.append(DNSRecord(name: "big.default.svc.cluster.local", ttl: 5, data: .a([10, 244, 0, UInt8(i)]))) }
        let (full, fullCut) = try m.encoded(limit: 65535)
        XCTAssertFalse(fullCut)
        XCTAssertEqual(full.count, 12 + 35 + 60 * 16)

        let (udp, cut) = try m.encoded(limit: 512)
        XCTAssertTrue(cut)
        XCTAssertLessThanOrEqual(udp.count, 512)
        let decoded = try DNSMessage(decoding: udp)
        XCTAssertTrue(decoded.header.truncated)
        XCTAssertEqual(decoded.answers.count, (512 - 12 - 35) / 16)

        // With EDNS the OPT record stays and the limit is the client's size.
        m.edns = EDNS(udpPayloadSize: 1232)
        let (edns, ednsCut) = try m.encoded(limit: 1232)
        XCTAssertFalse(ednsCut, "60 A records (1007 bytes) fit in 1232")
        XCTAssertNotNil(try DNSMessage(decoding: edns).edns)
        let (small, smallCut) = try m.encoded(limit: 600)
        XCTAssertTrue(smallCut)
        XCTAssertEqual(try DNSMessage(decoding: small).edns?.udpPayloadSize, 1232)
    }

    func testDroppingAdditionalRecordsDoesNotSetTC() throws {
        var m = DNSMessage(header: DNSHeader(id: 9), questions: [DNSQuestion(name: "s.default.svc.cluster.local", type: .srv)])
        m.answers = [DNSRecord(name: "s.default.svc.cluster.local", ttl: 5, data: .srv(priority: 0, weight: 100, port: 80, target: "s.default.svc.cluster.local"))]
        for i in 0..<40 { m.additional.append(DNSRecord(name: DNSName("h\(i).s.default.svc.cluster.local"), ttl: 5, data: .a([10, 0, 0, UInt8(i)]))) }
        let (bytes, cut) = try m.encoded(limit: 512)
        XCTAssertFalse(cut)
        let decoded = try DNSMessage(decoding: bytes)
        XCTAssertFalse(decoded.header.truncated)
        XCTAssertEqual(decoded.answers.count, 1)
        XCTAssertGreaterThan(decoded.additional.count, 0)
        XCTAssertLessThan(decoded.additional.count, 40)
    }

    func testTCPFraming() {
        let a: [UInt8] = [1, 2, 3], b = [UInt8](repeating: 7, count: 300)
        let stream = DNSTCPFraming.frame(a) + DNSTCPFraming.frame(b)
        XCTAssertEqual(Array(stream.prefix(2)), [0, 3])
        XCTAssertEqual(Array(stream[5..<7]), [1, 44])
        let (messages, rest) = DNSTCPFraming.split(stream + [0, 9, 1])
        XCTAssertEqual(messages, [a, b])
        XCTAssertEqual(rest, [0, 9, 1], "a partial message waits for more bytes")
    }

    func testNamesCompareCaseInsensitively() {
        XCTAssertEqual(DNSName("My-Nginx.Default.SVC.cluster.local."), DNSName("my-nginx.default.svc.cluster.local"))
        XCTAssertTrue(DNSName("a.b.Cluster.Local").isSubdomain(of: "cluster.local"))
        XCTAssertFalse(DNSName("notcluster.local").isSubdomain(of: "cluster.local"))
        XCTAssertEqual(DNSName("A.B.cluster.local").relativeLabels(to: "cluster.local"), ["a", "b"])
        XCTAssertEqual(DNSName.root.description, ".")
    }
}
