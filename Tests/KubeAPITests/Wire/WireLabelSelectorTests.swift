import XCTest

@testable import KubeAPI

final class WireLabelSelectorTests: XCTestCase {
    private func parseError(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        do {
            let selector = try LabelSelector(parsing: text)
            XCTFail("\(text) parsed as \(selector.string)", file: file, line: line)
            return nil
        } catch let error as LabelSelectorError {
            return error.message
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
            return nil
        }
    }

    func testEqualityOperatorsAndMatching() throws {
        let selector = try LabelSelector(parsing: "run=my-nginx")
        XCTAssertTrue(selector.matches(["run": "my-nginx", "pod-template-hash": "abc"]))
        XCTAssertFalse(selector.matches(["run": "other"]))
        XCTAssertFalse(selector.matches([:]))
        XCTAssertEqual(selector.string, "run=my-nginx")

        let double = try LabelSelector(parsing: "a==b")
        XCTAssertTrue(double.matches(["a": "b"]))
        XCTAssertEqual(double.string, "a==b")

        let notEqual = try LabelSelector(parsing: "tier!=db")
        XCTAssertTrue(notEqual.matches(["tier": "web"]))
        XCTAssertTrue(notEqual.matches([:]), "!= matches objects without the label")
        XCTAssertFalse(notEqual.matches(["tier": "db"]))

        let emptyValue = try LabelSelector(parsing: "a=")
        XCTAssertTrue(emptyValue.matches(["a": ""]))
        XCTAssertFalse(emptyValue.matches(["a": "x"]))
        XCTAssertEqual(emptyValue.string, "a=")
    }

    func testSetOperatorsExistenceAndCanonicalString() throws {
        let selector = try LabelSelector(parsing: "  env in (prod, staging) , !canary,tier notin (db),app  ")
        XCTAssertEqual(selector.string, "app,!canary,env in (prod,staging),tier notin (db)")
        XCTAssertTrue(selector.matches(["app": "x", "env": "prod", "tier": "web"]))
        XCTAssertTrue(selector.matches(["app": "x", "env": "staging"]))
        XCTAssertFalse(selector.matches(["app": "x", "env": "dev"]))
        XCTAssertFalse(selector.matches(["app": "x", "env": "prod", "canary": "true"]))
        XCTAssertFalse(selector.matches(["app": "x", "env": "prod", "tier": "db"]))
        XCTAssertFalse(selector.matches(["env": "prod"]))

        XCTAssertEqual(try LabelSelector(parsing: "x in (b,a,a)").string, "x in (a,b)")
        XCTAssertEqual(try LabelSelector(parsing: "x in (foo,,baz),y,z notin ()").string, "x in (,baz,foo),y,z notin ()")
        XCTAssertEqual(try LabelSelector(parsing: "\tb=1,\na=2\r").string, "a=2,b=1")
        // `in`/`notin` are keywords only in operator position.
        let keywords = try LabelSelector(parsing: "in in (notin),notin=in")
        XCTAssertTrue(keywords.matches(["in": "notin", "notin": "in"]))
        XCTAssertEqual(keywords.string, "in in (notin),notin=in")
    }

    func testGreaterAndLessThan() throws {
        let selector = try LabelSelector(parsing: "replicas>2,replicas<10")
        XCTAssertTrue(selector.matches(["replicas": "5"]))
        XCTAssertFalse(selector.matches(["replicas": "2"]))
        XCTAssertFalse(selector.matches(["replicas": "ten"]))
        XCTAssertFalse(selector.matches([:]))
        XCTAssertEqual(selector.string, "replicas>2,replicas<10")
    }

    func testEmptyAndNothing() throws {
        let empty = try LabelSelector(parsing: "")
        XCTAssertTrue(empty.isEmpty)
        XCTAssertTrue(empty.matches([:]))
        XCTAssertEqual(empty.string, "")
        XCTAssertTrue(try LabelSelector(parsing: "   ").isEmpty)

        XCTAssertFalse(LabelSelector.nothing.isEmpty)
        XCTAssertTrue(LabelSelector.nothing.matchesNothing)
        XCTAssertFalse(LabelSelector.nothing.matches([:]))
        XCTAssertFalse(LabelSelector.nothing.matches(["a": "b"]))
        XCTAssertEqual(LabelSelector.nothing.string, "")
    }

    func testSyntaxErrorsAreWordedLikeKubernetes() {
        XCTAssertEqual(parseError("app=foo bar"), "found 'bar', expected: ',' or 'end of string'")
        XCTAssertEqual(parseError(",a"), "found ',', expected: !, identifier, or 'end of string'")
        XCTAssertEqual(parseError("a,"), "found '', expected: identifier after ','")
        XCTAssertEqual(parseError("a in"), "unable to parse requirement: found '' expected: '('")
        XCTAssertEqual(parseError("a in (b"), "unable to parse requirement: found '', expected: ',' or ')'")
        XCTAssertEqual(parseError("a in (b c)"), "unable to parse requirement: found 'c', expected: ',' or ')'")
        XCTAssertEqual(parseError("a in (=)"), "unable to parse requirement: found '=', expected: ',', ')' or identifier")
        XCTAssertEqual(parseError("a b"),
                       "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt")
        XCTAssertEqual(parseError("a=!"), "unable to parse requirement: found '!', expected: identifier")
        XCTAssertEqual(parseError("a=(b)"), "unable to parse requirement: found '(', expected: identifier")
        XCTAssertEqual(parseError("!"), "unable to parse requirement: found '', expected: identifier")
        XCTAssertEqual(parseError("!a=b"), "found '=', expected: ',' or 'end of string'")
    }

    func testValidationErrorsAreWordedLikeKubernetes() {
        XCTAssertEqual(parseError("a=-b"),
                       "unable to parse requirement: values[0][a]: Invalid value: \"-b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
        XCTAssertEqual(parseError("\"dedicated=value"),
                       "unable to parse requirement: <nil>: Invalid value: \"\\\"dedicated\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
        XCTAssertEqual(parseError("Example.com/x"),
                       "unable to parse requirement: <nil>: Invalid value: \"Example.com/x\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
        XCTAssertEqual(parseError("/x"), "unable to parse requirement: <nil>: Invalid value: \"/x\": prefix part must be non-empty")
        XCTAssertEqual(parseError("a/b/c"),
                       "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")
        XCTAssertEqual(parseError(String(repeating: "k", count: 64)),
                       "unable to parse requirement: <nil>: Invalid value: \"\(String(repeating: "k", count: 64))\": name part must be no more than 63 characters")
        XCTAssertEqual(parseError("a>x"),
                       "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer")
        XCTAssertEqual(parseError("a in (-x,y_)"),
                       "unable to parse requirement: [values[0][a]: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?'), values[1][a]: Invalid value: \"y_\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]")
    }

    func testExactValue() throws {
        XCTAssertEqual(try LabelSelector(parsing: "b=2,a=1").exactValue(for: "a"), "1")
        XCTAssertEqual(try LabelSelector(parsing: "a in (x)").exactValue(for: "a"), "x")
        XCTAssertNil(try LabelSelector(parsing: "a in (x,y)").exactValue(for: "a"))
        XCTAssertNil(try LabelSelector(parsing: "a!=x").exactValue(for: "a"))
        XCTAssertNil(try LabelSelector(parsing: "b=1").exactValue(for: "a"))
    }

    func testSelectorObjects() throws {
        XCTAssertEqual(try LabelSelector(selectorObject: .null), .nothing)
        XCTAssertEqual(try LabelSelector(selectorObject: [:]), .everything)
        XCTAssertTrue(try LabelSelector(selectorObject: ["matchLabels": [:], "matchExpressions": []]).isEmpty)

        let selector = try LabelSelector(selectorObject: [
            "matchLabels": ["run": "my-nginx", "app": "web"],
            "matchExpressions": [
                ["key": "tier", "operator": "In", "values": ["front", "api"]],
                ["key": "legacy", "operator": "DoesNotExist"],
                ["key": "track", "operator": "NotIn", "values": ["canary"]],
                ["key": "team", "operator": "Exists", "values": []],
            ],
        ])
        XCTAssertEqual(selector.string, "app=web,!legacy,run=my-nginx,team,tier in (api,front),track notin (canary)")
        XCTAssertTrue(selector.matches(["app": "web", "run": "my-nginx", "team": "a", "tier": "api"]))
        XCTAssertFalse(selector.matches(["app": "web", "run": "my-nginx", "team": "a", "tier": "api", "legacy": "1"]))
        XCTAssertFalse(selector.matches(["app": "web", "run": "my-nginx", "tier": "api"]))
        XCTAssertTrue(selector.matches(object: ["metadata": ["labels": ["app": "web", "run": "my-nginx", "team": "a", "tier": "front"]]]))

        // A Scale's status.selector for a Deployment with matchLabels run=my-nginx.
        XCTAssertEqual(try LabelSelector(selectorObject: ["matchLabels": ["run": "my-nginx"]]).string, "run=my-nginx")
    }

    func testSelectorObjectErrors() {
        func message(_ object: JSON) -> String? {
            do {
                _ = try LabelSelector(selectorObject: object)
                return nil
            } catch {
                return (error as? LabelSelectorError)?.message
            }
        }
        XCTAssertEqual(message(["matchExpressions": [["key": "a", "operator": "Equals", "values": ["b"]]]]),
                       "\"Equals\" is not a valid label selector operator")
        XCTAssertEqual(message(["matchExpressions": [["key": "a", "operator": "In"]]]),
                       "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty")
        XCTAssertEqual(message(["matchExpressions": [["key": "a", "operator": "Exists", "values": ["x", "y"]]]]),
                       "values: Invalid value: []string{\"x\", \"y\"}: values set must be empty for exists and does not exist")
        XCTAssertEqual(message(["matchLabels": ["bad key": "v"]]),
                       "key: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
        XCTAssertNotNil(message("run=my-nginx"))
    }

    func testMatchLabelsSetSelector() {
        let selector = LabelSelector(matchLabels: ["run": "my-nginx", "app": "x"])
        XCTAssertEqual(selector.string, "app=x,run=my-nginx")
        XCTAssertTrue(selector.matches(["run": "my-nginx", "app": "x", "extra": "1"]))
        XCTAssertFalse(selector.matches(["run": "my-nginx"]))
        XCTAssertTrue(LabelSelector(matchLabels: [:]).isEmpty)
    }

    func testGoQuoting() {
        XCTAssertEqual(WireGoFormat.quote("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\x01é\"")
        XCTAssertEqual(WireGoFormat.stringSlice([]), "[]string{}")
        XCTAssertEqual(WireGoFormat.stringSlice(nil), "[]string(nil)")
    }
}
