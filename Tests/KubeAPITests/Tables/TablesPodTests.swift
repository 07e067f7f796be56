import XCTest
@testable import KubeAPI

final class TablesPodTests: XCTestCase {
    typealias F = TablesFixture

    func testTutorialNginxPodsRunning() {
        let a = F.texts("Pod", F.nginxPod("my-nginx-7d9f8b6c5d-abcde", ip: "10.244.0.5", age: 150))
        XCTAssertEqual(a, ["my-nginx-7d9f8b6c5d-abcde", "1/1", "Running", "0", "2m30s",
                           "10.244.0.5", "node-1", "<none>", "<none>"])
        let b = F.texts("Pod", F.nginxPod("my-nginx-7d9f8b6c5d-fghij", ip: "10.244.0.6", age: 3600))
        XCTAssertEqual(b[0...5], ["my-nginx-7d9f8b6c5d-fghij", "1/1", "Running", "0", "60m", "10.244.0.6"])
    }

    func testPendingUnscheduledPod() {
        let pod: JSON = ["metadata": F.meta("web", age: 5),
                         "spec": ["containers": [["name": "web", "image": "nginx"]]],
                         "status": ["phase": "Pending"]]
        XCTAssertEqual(F.texts("Pod", pod), ["web", "0/1", "Pending", "0", "5s", "<none>", "<none>", "<none>", "<none>"])
    }

    func testContainerCreating() {
        var pod = F.nginxPod("web", ip: "", age: 3)
        pod["status"] = ["phase": "Pending",
                         "containerStatuses": [["name": "my-nginx", "ready": false, "restartCount": 0,
                                                "state": ["waiting": ["reason": "ContainerCreating"]]]]]
        XCTAssertEqual(Array(F.texts("Pod", pod)[1...3]), ["0/1", "ContainerCreating", "0"])
        XCTAssertEqual(F.texts("Pod", pod)[5], "<none>")
    }

    func testImagePullErrors() {
        for reason in ["ErrImagePull", "ImagePullBackOff"] {
            var pod = F.nginxPod("web", ip: "10.244.0.9")
            pod["status"]["phase"] = "Pending"
            pod["status"]["containerStatuses"] = [["name": "my-nginx", "ready": false, "restartCount": 0,
                                                   "state": ["waiting": ["reason": .string(reason),
                                                                         "message": "pull failed"]]]]
            XCTAssertEqual(F.texts("Pod", pod)[2], reason)
        }
    }

    func testCrashLoopBackOffShowsRestartsWithLastRestartAge() {
        var pod = F.nginxPod("crashy", ip: "10.244.0.7", age: 900)
        pod["status"]["containerStatuses"] = [[
            "name": "my-nginx", "ready": false, "restartCount": 3,
            "state": ["waiting": ["reason": "CrashLoopBackOff"]],
            "lastState": ["terminated": ["exitCode": 1, "reason": "Error", "finishedAt": F.ago(120),
                                         "startedAt": F.ago(125)]],
        ]]
        XCTAssertEqual(Array(F.texts("Pod", pod)[1...4]), ["0/1", "CrashLoopBackOff", "3 (2m ago)", "15m"])
    }

    func testCompletedErrorAndExitCodes() {
        func pod(_ phase: String, _ terminated: JSON) -> JSON {
            ["metadata": F.meta("job-x"), "spec": ["containers": [["name": "c", "image": "busybox"]]],
             "status": ["phase": .string(phase),
                        "containerStatuses": [["name": "c", "ready": false, "restartCount": 0,
                                               "state": ["terminated": terminated]]]]]
        }
        XCTAssertEqual(F.texts("Pod", pod("Succeeded", ["exitCode": 0, "reason": "Completed"]))[2], "Completed")
        XCTAssertEqual(F.texts("Pod", pod("Failed", ["exitCode": 1, "reason": "Error"]))[2], "Error")
        XCTAssertEqual(F.texts("Pod", pod("Failed", ["exitCode": 137]))[2], "ExitCode:137")
        XCTAssertEqual(F.texts("Pod", pod("Failed", ["exitCode": 0, "signal": 9]))[2], "Signal:9")
    }

    func testCompletedContainerBesideRunningOneIsRunningOrNotReady() {
        var pod: JSON = [
            "metadata": F.meta("two"),
            "spec": ["containers": [["name": "a", "image": "x"], ["name": "b", "image": "y"]]],
            "status": ["phase": "Running", "conditions": [["type": "Ready", "status": "True"]],
                       "containerStatuses": [
                           ["name": "a", "ready": false, "restartCount": 0,
                            "state": ["terminated": ["exitCode": 0, "reason": "Completed"]]],
                           ["name": "b", "ready": true, "restartCount": 0, "state": ["running": [:]]]]],
        ]
        XCTAssertEqual(Array(F.texts("Pod", pod)[1...2]), ["1/2", "Running"])
        pod["status"]["conditions"] = [["type": "Ready", "status": "False"]]
        XCTAssertEqual(F.texts("Pod", pod)[2], "NotReady")
    }

    func testInitContainers() {
        var pod: JSON = [
            "metadata": F.meta("init-demo"),
            "spec": ["initContainers": [["name": "setup", "image": "busybox"], ["name": "migrate", "image": "busybox"]],
                     "containers": [["name": "app", "image": "nginx"]]],
            "status": ["phase": "Pending",
                       "initContainerStatuses": [
                           ["name": "setup", "ready": true, "restartCount": 0,
                            "state": ["terminated": ["exitCode": 0, "reason": "Completed"]]],
                           ["name": "migrate", "ready": false, "restartCount": 0, "state": ["running": [:]]]],
                       "containerStatuses": [["name": "app", "ready": false, "restartCount": 0,
                                              "state": ["waiting": ["reason": "PodInitializing"]]]]],
        ]
        XCTAssertEqual(Array(F.texts("Pod", pod)[1...3]), ["0/1", "Init:1/2", "0"])

        pod["status"]["initContainerStatuses"][1] = ["name": "migrate", "ready": false, "restartCount": 4,
                                                     "state": ["waiting": ["reason": "CrashLoopBackOff"]],
                                                     "lastState": ["terminated": ["exitCode": 1, "finishedAt": F.ago(30)]]]
        XCTAssertEqual(Array(F.texts("Pod", pod)[2...3]), ["Init:CrashLoopBackOff", "4 (30s ago)"])

        pod["status"]["initContainerStatuses"][1] = ["name": "migrate", "ready": false, "restartCount": 0,
                                                     "state": ["terminated": ["exitCode": 2, "reason": "Error"]]]
        XCTAssertEqual(F.texts("Pod", pod)[2], "Init:Error")
        pod["status"]["initContainerStatuses"][1] = ["name": "migrate", "ready": false, "restartCount": 0,
                                                     "state": ["terminated": ["exitCode": 2]]]
        XCTAssertEqual(F.texts("Pod", pod)[2], "Init:ExitCode:2")
        pod["status"]["initContainerStatuses"][1] = ["name": "migrate", "ready": false, "restartCount": 0,
                                                     "state": ["waiting": ["reason": "PodInitializing"]]]
        XCTAssertEqual(F.texts("Pod", pod)[2], "Init:1/2")
    }

    func testSidecarCountsAsContainer() {
        let pod: JSON = [
            "metadata": F.meta("with-sidecar"),
            "spec": ["initContainers": [["name": "proxy", "image": "envoy", "restartPolicy": "Always"]],
                     "containers": [["name": "app", "image": "nginx"]]],
            "status": ["phase": "Running",
                       "conditions": [["type": "Initialized", "status": "True"], ["type": "Ready", "status": "True"]],
                       "initContainerStatuses": [["name": "proxy", "ready": true, "started": true, "restartCount": 1,
                                                  "state": ["running": [:]],
                                                  "lastState": ["terminated": ["exitCode": 1, "finishedAt": F.ago(400)]]]],
                       "containerStatuses": [["name": "app", "ready": true, "restartCount": 0, "state": ["running": [:]]]]],
        ]
        XCTAssertEqual(Array(F.texts("Pod", pod)[1...3]), ["2/2", "Running", "1 (6m40s ago)"])
    }

    func testTerminatingAndUnknown() {
        var pod = F.nginxPod("going", ip: "10.244.0.8")
        pod["metadata"]["deletionTimestamp"] = F.ago(-30)
        XCTAssertEqual(F.texts("Pod", pod)[2], "Terminating")
        pod["status"]["reason"] = "NodeLost"
        XCTAssertEqual(F.texts("Pod", pod)[2], "Unknown")

        // A pod that already finished keeps its final status while being deleted.
        var done: JSON = ["metadata": F.meta("done"), "spec": ["containers": [["name": "c", "image": "x"]]],
                          "status": ["phase": "Succeeded",
                                     "containerStatuses": [["name": "c", "ready": false, "restartCount": 0,
                                                            "state": ["terminated": ["exitCode": 0, "reason": "Completed"]]]]]]
        done["metadata"]["deletionTimestamp"] = F.ago(0)
        XCTAssertEqual(F.texts("Pod", done)[2], "Completed")
    }

    func testSchedulingGatedAndStatusReason() {
        let gated: JSON = ["metadata": F.meta("gated"), "spec": ["containers": [["name": "c", "image": "x"]]],
                           "status": ["phase": "Pending",
                                      "conditions": [["type": "PodScheduled", "status": "False", "reason": "SchedulingGated"]]]]
        XCTAssertEqual(F.texts("Pod", gated)[2], "SchedulingGated")
        let evicted: JSON = ["metadata": F.meta("evicted"), "spec": ["containers": [["name": "c", "image": "x"]]],
                             "status": ["phase": "Failed", "reason": "Evicted"]]
        XCTAssertEqual(F.texts("Pod", evicted)[2], "Evicted")
    }

    func testWideColumns() {
        var pod = F.nginxPod("gated", ip: "10.244.0.5")
        pod["spec"]["readinessGates"] = [["conditionType": "example.com/lb-ready"], ["conditionType": "example.com/other"]]
        pod["status"]["conditions"] = [["type": "example.com/lb-ready", "status": "True"],
                                       ["type": "example.com/other", "status": "False"]]
        pod["status"]["nominatedNodeName"] = "node-2"
        XCTAssertEqual(Array(F.texts("Pod", pod)[5...8]), ["10.244.0.5", "node-1", "node-2", "1/2"])

        // Only status.podIP set (no podIPs): still shown.
        var legacy = F.nginxPod("legacy", ip: "10.244.0.11")
        legacy["status"]["podIPs"] = .null
        XCTAssertEqual(F.texts("Pod", legacy)[5], "10.244.0.11")
    }

    func testColumns() {
        let columns = TablePrinter.columns(for: "Pod")
        XCTAssertEqual(columns.map(\.name), ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node",
                                             "Nominated Node", "Readiness Gates"])
        XCTAssertEqual(columns.map(\.priority), [0, 0, 0, 0, 0, 1, 1, 1, 1])
        XCTAssertEqual(columns.map(\.type), Array(repeating: "string", count: 9))
        XCTAssertEqual(columns[0].format, "name")
        XCTAssertEqual(columns[3].description,
                       "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.")
        XCTAssertEqual(F.cells("Pod", F.nginxPod("x", ip: "1.2.3.4")).count, columns.count)
    }
}
