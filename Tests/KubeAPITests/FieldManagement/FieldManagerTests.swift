import XCTest

@testable import KubeAPI

final class FieldManagerTests: XCTestCase {
    private func j(_ text: String) -> JSON { try! JSON.parse(text) }

    private let main = FieldManagerScope(kind: "Deployment", apiVersion: "apps/v1", subresource: nil, tracked: .allButStatus)
    private let scale = FieldManagerScope(kind: "Deployment", apiVersion: "apps/v1", subresource: "scale",
                                          tracked: .only(TrackedFields.replicasPath))
    private let status = FieldManagerScope(kind: "Deployment", apiVersion: "apps/v1", subresource: "status",
                                           tracked: .only(TrackedFields.statusPath))

    private func entries(_ obj: JSON) -> [String: JSON] {
        var out: [String: JSON] = [:]
        for e in obj["metadata"]["managedFields"].elements {
            let key = [e["manager"].string ?? "", e["operation"].string ?? "", e["subresource"].string ?? ""]
                .filter { !$0.isEmpty }.joined(separator: "/")
            out[key] = e["fieldsV1"]
        }
        return out
    }

    private func apply(_ live: JSON, _ config: String, manager: String = "kubectl", force: Bool = false,
                       file: StaticString = #filePath, line: UInt = #line) -> JSON
    {
        do {
            return try FieldManager.apply(live: live, config: j(config), manager: manager, force: force, scope: main, now: "2024-05-06T07:08:09Z")
        } catch {
            XCTFail("apply failed: \(error)", file: file, line: line)
            return .null
        }
    }

    private func conflicts(_ live: JSON, _ config: String, manager: String = "kubectl") -> ApplyConflicts? {
        do {
            _ = try FieldManager.apply(live: live, config: j(config), manager: manager, force: false, scope: main, now: "t")
            XCTFail("expected conflicts")
        } catch .conflicts(let c) {
            return c
        } catch {
            XCTFail("unexpected \(error)")
        }
        return nil
    }

    private let created = #"""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},
         "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},
           "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}},
           "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx","image":"nginx"}]}}},
         "status":{}}
        """#

    // MARK: Update

    func testCreateOwnsEverythingItSetAsTheZeroValueDoes() {
        var obj = j(created)
        FieldManager.recordUpdate(old: nil, new: &obj, manager: "kubectl-create", scope: main, now: "2024-01-01T00:00:00Z")
        let entry = obj["metadata"]["managedFields"][0]
        XCTAssertEqual(entry["manager"], "kubectl-create")
        XCTAssertEqual(entry["operation"], "Update")
        XCTAssertEqual(entry["apiVersion"], "apps/v1")
        XCTAssertEqual(entry["time"], "2024-01-01T00:00:00Z")
        XCTAssertEqual(entry["fieldsType"], "FieldsV1")
        XCTAssertEqual(entry["fieldsV1"], j(#"""
            {"f:metadata":{"f:labels":{".":{},"f:app":{}}},
             "f:spec":{"f:replicas":{},"f:selector":{},
               "f:strategy":{"f:type":{},"f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}}},
               "f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},
                 "f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:name":{},"f:image":{}}}}}}}
            """#), "value structs (spec, strategy, template) and the containers list are not owned themselves; maps and items are")
    }

    func testAnUpdateTakesTheFieldsItChangesFromOthers() {
        var v1 = j(created)
        FieldManager.recordUpdate(old: nil, new: &v1, manager: "kubectl-create", scope: main, now: "2024-01-01T00:00:00Z")
        var v2 = v1
        v2["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.27"
        v2["metadata"]["labels"]["tier"] = "front"
        FieldManager.recordUpdate(old: v1, new: &v2, manager: "kubectl-edit", scope: main, now: "2024-01-02T00:00:00Z")
        let e = entries(v2)
        XCTAssertEqual(e["kubectl-edit/Update"], j(#"""
            {"f:metadata":{"f:labels":{"f:tier":{}}},
             "f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{"f:image":{}}}}}}}
            """#))
        let creator = FieldSet(fieldsV1: e["kubectl-create/Update"]!)
        XCTAssertFalse(creator.contains([.field("spec"), .field("template"), .field("spec"), .field("containers"),
                                         .keyed([("name", "nginx")]), .field("image")]))
        XCTAssertTrue(creator.contains([.field("spec"), .field("replicas")]))

        // A write that changes nothing leaves managedFields as they were.
        var v3 = v2
        FieldManager.recordUpdate(old: v2, new: &v3, manager: "someone", scope: main, now: "2030-01-01T00:00:00Z")
        XCTAssertEqual(v3, v2)
    }

    func testRemovedFieldsLeaveEveryManager() {
        var v1 = j(created)
        FieldManager.recordUpdate(old: nil, new: &v1, manager: "kubectl-create", scope: main, now: "t1")
        var v2 = v1
        v2["metadata"]["labels"] = .null
        FieldManager.recordUpdate(old: v1, new: &v2, manager: "kubectl-label", scope: main, now: "t2")
        XCTAssertNil(entries(v2)["kubectl-label/Update"], "removing fields owns nothing")
        XCTAssertFalse(FieldSet(fieldsV1: entries(v2)["kubectl-create/Update"]!).intersects(subtreeAt: [.field("metadata")]))
    }

    func testSubresourceWritesAreTrackedApart() {
        var v1 = j(created)
        FieldManager.recordUpdate(old: nil, new: &v1, manager: "kubectl-create", scope: main, now: "t1")
        var scaled = v1
        scaled["spec"]["replicas"] = 5
        FieldManager.recordUpdate(old: v1, new: &scaled, manager: "kubectl", scope: scale, now: "t2")
        XCTAssertEqual(entries(scaled)["kubectl/Update/scale"], j(#"{"f:spec":{"f:replicas":{}}}"#))
        // Stored without status (as the registry creates workloads); status is a value struct, so not owned itself.
        scaled["status"] = .null
        var withStatus = scaled
        withStatus["status"] = j(#"{"replicas":5,"conditions":[{"type":"Available","status":"True"}]}"#)
        FieldManager.recordUpdate(old: scaled, new: &withStatus, manager: "kube-controller-manager", scope: status, now: "t3")
        XCTAssertEqual(entries(withStatus)["kube-controller-manager/Update/status"], j(#"""
            {"f:status":{"f:replicas":{},"f:conditions":{".":{},"k:{\"type\":\"Available\"}":{".":{},"f:type":{},"f:status":{}}}}}
            """#))
        var mainWithStatus = scaled
        mainWithStatus["status"]["replicas"] = 9
        FieldManager.recordUpdate(old: scaled, new: &mainWithStatus, manager: "x", scope: main, now: "t4")
        XCTAssertNil(entries(mainWithStatus)["x/Update"], "the main resource does not own status")
    }

    func testManagedFieldsSentByTheClientReplaceTheStoredOnes() {
        var v1 = j(created)
        FieldManager.recordUpdate(old: nil, new: &v1, manager: "kubectl-create", scope: main, now: "t1")
        var reset = v1
        reset["metadata"]["managedFields"] = [[:]]
        FieldManager.recordUpdate(old: v1, new: &reset, manager: "kubectl-edit", scope: main, now: "t2")
        XCTAssertTrue(reset["metadata"]["managedFields"].isNull, "[{}] clears managedFields")
        var kept = v1
        kept["metadata"]["managedFields"] = []
        kept["spec"]["replicas"] = 2
        FieldManager.recordUpdate(old: v1, new: &kept, manager: "kubectl-edit", scope: main, now: "t2")
        XCTAssertEqual(Set(entries(kept).keys), ["kubectl-create/Update", "kubectl-edit/Update"], "[] keeps the stored ones")
    }

    func testUpdateManagersBeyondTenFoldIntoAncientChanges() {
        var obj = j(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{}}"#)
        let cm = FieldManagerScope(kind: "ConfigMap", apiVersion: "v1", subresource: nil, tracked: .all)
        for i in 0..<12 {
            var next = obj
            next["data"]["k\(i)"] = "v"
            FieldManager.recordUpdate(old: obj, new: &next, manager: "m\(i)", scope: cm, now: "2024-01-01T00:00:\(10 + i)Z")
            obj = next
        }
        let e = entries(obj)
        XCTAssertEqual(e.count, 10)
        XCTAssertEqual(e["ancient-changes/Update"], j(#"{"f:data":{"f:k0":{},"f:k1":{},"f:k2":{}}}"#))
        XCTAssertNotNil(e["m11/Update"])
        XCTAssertNil(e["m2/Update"])
    }

    // MARK: Apply

    private let firstApply = #"""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web","tier":"front"}},
         "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
           "spec":{"containers":[{"name":"nginx","image":"nginx","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},
                                 {"name":"sidecar","image":"busybox"}]}}}}
        """#

    private var bare: JSON { j(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"}}"#) }

    func testApplyCreatesAndOwnsExactlyTheConfiguration() {
        let obj = apply(bare, firstApply)
        XCTAssertEqual(obj["spec"]["replicas"], 2)
        XCTAssertEqual(obj["metadata"]["managedFields"].elements.count, 1)
        let entry = obj["metadata"]["managedFields"][0]
        XCTAssertEqual(entry["manager"], "kubectl")
        XCTAssertEqual(entry["operation"], "Apply")
        XCTAssertEqual(entry["time"], "2024-05-06T07:08:09Z")
        XCTAssertEqual(FieldSet(fieldsV1: entry["fieldsV1"]),
                       FieldManager.owned(try! ObjectFields.specified(by: j(firstApply), kind: "Deployment"), main))
        XCTAssertNil(entry["fieldsV1"]["f:metadata"]["f:name"].object, "identity metadata is nobody's")
    }

    func testApplyRemovesWhatItNoLongerApplies() {
        let v1 = apply(bare, firstApply)
        let v2 = apply(v1, #"""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},
             "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
               "spec":{"containers":[{"name":"nginx","image":"nginx","env":[{"name":"A","value":"1"}]}]}}}}
            """#)
        XCTAssertEqual(v2["metadata"]["labels"], ["app": "web"], "the dropped label is gone")
        let containers = v2["spec"]["template"]["spec"]["containers"].elements
        XCTAssertEqual(containers.map { $0["name"] }, ["nginx"], "the dropped container is gone")
        XCTAssertEqual(containers[0]["env"], [["name": "A", "value": "1"]], "the dropped env var is gone")
        let owned = FieldSet(fieldsV1: v2["metadata"]["managedFields"][0]["fieldsV1"])
        XCTAssertFalse(owned.contains([.field("metadata"), .field("labels"), .field("tier")]))
    }

    func testApplyKeepsDroppedFieldsAnotherManagerOwns() {
        var v1 = apply(bare, firstApply)
        // kubectl-label sets the same tier label: now shared.
        var labelled = v1
        labelled["metadata"]["labels"]["tier"] = "back"
        FieldManager.recordUpdate(old: v1, new: &labelled, manager: "kubectl-label", scope: main, now: "t")
        v1 = labelled
        let v2 = apply(v1, #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},"spec":{"replicas":2}}"#)
        XCTAssertEqual(v2["metadata"]["labels"]["tier"], "back", "owned by kubectl-label too, so it stays")
        XCTAssertEqual(v2["spec"]["template"]["spec"]["containers"].elements.count, 0,
                       "the template nobody else owns is gone")
    }

    func testConflictWithAnotherManagersValue() {
        let v1 = apply(bare, firstApply)
        var scaled = v1
        scaled["spec"]["replicas"] = 5
        FieldManager.recordUpdate(old: v1, new: &scaled, manager: "kubectl", scope: scale, now: "t")
        let c = conflicts(scaled, firstApply)
        XCTAssertEqual(c?.message, #"Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas"#)
        XCTAssertEqual(c?.causes, [["type": "FieldManagerConflict", "message": #"conflict with "kubectl" with subresource "scale" using apps/v1"#,
                                   "field": ".spec.replicas"]])

        // Forcing takes the field over.
        let forced = apply(scaled, firstApply, force: true)
        XCTAssertEqual(forced["spec"]["replicas"], 2)
        XCTAssertEqual(Set(entries(forced).keys), ["kubectl/Apply"], "the scale entry lost its only field")
    }

    func testEqualValuesAreSharedWithoutConflict() {
        let v1 = apply(bare, firstApply)
        let shared = apply(v1, #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":2}}"#,
                           manager: "hpa")
        XCTAssertEqual(entries(shared)["hpa/Apply"], j(#"{"f:spec":{"f:replicas":{}}}"#))
        XCTAssertTrue(FieldSet(fieldsV1: entries(shared)["kubectl/Apply"]!).contains([.field("spec"), .field("replicas")]), "still kubectl's too")
        let c = conflicts(shared, #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":3}}"#,
                          manager: "other")
        XCTAssertEqual(c?.message, #"""
            Apply failed with 2 conflicts: conflicts with "hpa":
            - .spec.replicas
            conflicts with "kubectl":
            - .spec.replicas
            """#)
    }

    func testReapplyingTheSameConfigurationChangesNothing() {
        let v1 = apply(bare, firstApply)
        let v2 = try! FieldManager.apply(live: v1, config: j(firstApply), manager: "kubectl", force: false, scope: main,
                                         now: "2099-01-01T00:00:00Z")
        XCTAssertEqual(v2, v1, "no change, so the entry keeps its time")
    }

    func testStatusInTheConfigurationIsNotOwnedThroughTheMainResource() {
        let obj = apply(bare, #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":1},"status":{"replicas":4}}"#)
        XCTAssertEqual(entries(obj)["kubectl/Apply"], j(#"{"f:spec":{"f:replicas":{}}}"#))
    }

    func testClientSideApplyUpgradeIsNotAConflict() {
        // kubectl apply (client-side) created it; then `kubectl apply --server-side` applies a changed file.
        let csa = #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":2}}"#
        var created = bare
        created["metadata"]["annotations"][FieldManager.lastAppliedAnnotation] = .string(csa + "\n")
        created["spec"]["replicas"] = 2
        FieldManager.recordUpdate(old: nil, new: &created, manager: "kubectl-client-side-apply", scope: main, now: "t")
        let changed = #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":3}}"#
        XCTAssertNotNil(conflicts(created, changed, manager: "someone-else"), "only kubectl upgrades")
        let upgraded = apply(created, changed)
        XCTAssertEqual(upgraded["spec"]["replicas"], 3)
        XCTAssertEqual(upgraded["metadata"]["annotations"][FieldManager.lastAppliedAnnotation].string, changed + "\n",
                       "the last-applied annotation follows kubectl's server-side applies")

        // A value changed since the last client-side apply is a real conflict.
        var edited = created
        edited["spec"]["replicas"] = 7
        FieldManager.recordUpdate(old: created, new: &edited, manager: "kubectl-edit", scope: main, now: "t")
        XCTAssertEqual(conflicts(edited, changed)?.message,
                       #"Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas"#)
    }

    func testMergeKeepsLiveOnlyItemsInPlaceAndFollowsTheConfigurationsOrder() {
        let merged = ApplyMerge.mergeLists(
            [j(#"{"name":"a"}"#), j(#"{"name":"x"}"#), j(#"{"name":"b"}"#)],
            [j(#"{"name":"b","v":1}"#), j(#"{"name":"a","v":2}"#), j(#"{"name":"c"}"#)],
            shape: .associative(keys: ["name"])) { old, new in
                var m = old ?? .emptyObject
                for (k, v) in new.members { m[k] = v }
                return m
            }
        XCTAssertEqual(merged.map { $0["name"] }, ["x", "b", "a", "c"])
        XCTAssertEqual(merged[1]["v"], 1)
    }

    func testBadConfigurationIsReported() {
        XCTAssertThrowsError(try FieldManager.apply(live: bare, config: j(#"{"spec":{"template":{"spec":{"containers":[{}]}}}}"#),
                                                    manager: "m", force: false, scope: main, now: "t")) { error in
            guard case ApplyFailure.invalidConfiguration(let e) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(e.path.pathText, ".spec.template.spec.containers")
        }
    }
}
