import XCTest
@testable import KubeAPI

/// One stored Event, two APIs: core/v1 and events.k8s.io/v1 views of the same object.
final class StorageConversionTests: XCTestCase {
    static let eventsAPI = ResourceRegistry.lookup(apiVersion: "events.k8s.io/v1", plural: "events")!
    static let coreAPI = ResourceRegistry.lookup(apiVersion: "v1", plural: "events")!

    static let core: JSON = [
        "apiVersion": "v1", "kind": "Event",
        "metadata": ["name": "web.17a", "namespace": "default", "resourceVersion": "12"],
        "involvedObject": ["kind": "Pod", "name": "web", "namespace": "default", "uid": "u-1"],
        "reason": "Pulled", "message": "image pulled", "type": "Normal",
        "source": ["component": "kubelet", "host": "node-1"],
        "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:01:00Z", "count": 3,
        "reportingComponent": "kubelet", "reportingInstance": "node-1",
        "action": "Pulling", "related": ["kind": "Node", "name": "node-1"],
        "series": ["count": 2, "lastObservedTime": "2026-01-01T00:01:00.000000Z"],
    ]

    static let eventsV1: JSON = [
        "apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": ["name": "web.17a", "namespace": "default", "resourceVersion": "12"],
        "regarding": ["kind": "Pod", "name": "web", "namespace": "default", "uid": "u-1"],
        "reason": "Pulled", "note": "image pulled", "type": "Normal",
        "deprecatedSource": ["component": "kubelet", "host": "node-1"],
        "deprecatedFirstTimestamp": "2026-01-01T00:00:00Z", "deprecatedLastTimestamp": "2026-01-01T00:01:00Z",
        "deprecatedCount": 3, "reportingController": "kubelet", "reportingInstance": "node-1",
        "action": "Pulling", "related": ["kind": "Node", "name": "node-1"],
        "series": ["count": 2, "lastObservedTime": "2026-01-01T00:01:00.000000Z"],
    ]

    func testCoreEventSeenThroughEventsV1() {
        XCTAssertEqual(StorageConversion.toView(Self.eventsAPI, Self.core), Self.eventsV1)
    }

    func testEventsV1EventStoredAsCore() {
        XCTAssertEqual(StorageConversion.toStorage(Self.eventsAPI, Self.eventsV1), Self.core)
    }

    func testRoundTripsLoseNothing() {
        XCTAssertEqual(StorageConversion.toStorage(Self.eventsAPI, StorageConversion.toView(Self.eventsAPI, Self.core)), Self.core)
        XCTAssertEqual(StorageConversion.toView(Self.eventsAPI, StorageConversion.toStorage(Self.eventsAPI, Self.eventsV1)), Self.eventsV1)
    }

    func testEmptySourceIsDropped() {
        let created: JSON = ["apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": ["name": "e"],
                             "eventTime": "2026-01-01T00:00:00.000000Z", "deprecatedSource": [:], "note": "n"]
        XCTAssertEqual(StorageConversion.toStorage(Self.eventsAPI, created),
                       ["apiVersion": "v1", "kind": "Event", "metadata": ["name": "e"],
                        "eventTime": "2026-01-01T00:00:00.000000Z", "message": "n"])
    }

    func testOtherResourcesAndTheCoreViewAreUnchanged() {
        XCTAssertEqual(StorageConversion.toView(Self.coreAPI, Self.core), Self.core)
        XCTAssertEqual(StorageConversion.toStorage(Self.coreAPI, Self.core), Self.core)
        let pods = ResourceRegistry.lookup(apiVersion: "v1", plural: "pods")!
        let pod: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"], "message": "x"]
        XCTAssertEqual(StorageConversion.toView(pods, pod), pod)
    }

    func testBothEventAPIsShareOneStorage() {
        XCTAssertEqual(Self.eventsAPI.storageName, Self.coreAPI.storageName)
        XCTAssertEqual(Self.eventsAPI.qualifiedName, "events.events.k8s.io")
        XCTAssertEqual(Self.coreAPI.qualifiedName, "events")
    }
}
