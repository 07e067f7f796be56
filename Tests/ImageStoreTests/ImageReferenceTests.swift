import XCTest
@testable import ImageStore

final class ImageStoreReferenceTests: XCTestCase {
    func testNormalisationTable() throws {
        let digest = "sha256:" + String(repeating: "ab", count: 32)
        let table: [(String, String)] = [
            ("nginx", "docker.io/library/nginx:latest"),
            ("nginx:1.25", "docker.io/library/nginx:1.25"),
            ("library/nginx", "docker.io/library/nginx:latest"),
            ("docker.io/nginx", "docker.io/library/nginx:latest"),
            ("index.docker.io/library/nginx", "docker.io/library/nginx:latest"),
            ("bprashanth/nginxhttps:1.0", "docker.io/bprashanth/nginxhttps:1.0"),
            ("radial/busyboxplus:curl", "docker.io/radial/busyboxplus:curl"),
            ("localhost:5000/x", "localhost:5000/x:latest"),
            ("localhost/x:1", "localhost/x:1"),
            ("127.0.0.1:5000/a/b/c:v1.2-rc_3", "127.0.0.1:5000/a/b/c:v1.2-rc_3"),
            ("quay.io/coreos/etcd", "quay.io/coreos/etcd:latest"),
            ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"),
            ("[::1]:5000/x", "[::1]:5000/x:latest"),
            ("nginx@\(digest)", "docker.io/library/nginx@\(digest)"),
            ("nginx:1.25@\(digest)", "docker.io/library/nginx:1.25@\(digest)"),
            ("localhost:5000/x@\(digest)", "localhost:5000/x@\(digest)"),
            ("my-app__x/sub--z.y", "docker.io/my-app__x/sub--z.y:latest"),
        ]
        for (input, want) in table {
            XCTAssertEqual(try ImageReference(parsing: input).description, want, input)
        }
        XCTAssertEqual(try ImageReference(parsing: "nginx").familiar, "nginx:latest")
        XCTAssertEqual(try ImageReference(parsing: "bprashanth/nginxhttps:1.0").familiar, "bprashanth/nginxhttps:1.0")
        XCTAssertEqual(try ImageReference(parsing: "localhost:5000/x").repository, "localhost:5000/x")
        XCTAssertEqual(try ImageReference(parsing: "nginx").path, "library/nginx")
    }

    func testInvalidReferences() {
        let bad = ["", "Nginx", "nginx:", ":tag", "nginx@sha256:abc", "nginx:bad tag", "-nginx", "nginx-", "a//b",
                   "nginx:" + String(repeating: "x", count: 129), String(repeating: "a", count: 64),
                   "UPPER.io/Repo", "host:port/x"]
        for input in bad {
            XCTAssertThrowsError(try ImageReference(parsing: input), input) { error in
                XCTAssertEqual((error as? ImageStoreError)?.kind, .invalidReference, input)
            }
        }
        // Uppercase in the registry part is fine; in the repository it is not.
        XCTAssertEqual(try ImageReference(parsing: "Registry.Example.com/x").domain, "Registry.Example.com")
        XCTAssertThrowsError(try ImageReference(parsing: "NGINX")) { error in
            XCTAssertTrue("\(error)".contains("must be lowercase"), "\(error)")
        }
    }

    func testChallengeParsing() {
        let (scheme, p) = RegistryClient.parseChallenge(
            #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull,push""#)
        XCTAssertEqual(scheme, "Bearer")
        XCTAssertEqual(p["realm"], "https://auth.docker.io/token")
        XCTAssertEqual(p["service"], "registry.docker.io")
        XCTAssertEqual(p["scope"], "repository:library/nginx:pull,push")
        XCTAssertEqual(RegistryClient.parseChallenge(#"Basic realm="Registry Realm""#).0, "Basic")
    }

    func testPlainHTTPOnlyForLoopbackAndInsecure() {
        XCTAssertTrue(RegistryClient.isPlainHTTP("127.0.0.1:5000", PullOptions()))
        XCTAssertTrue(RegistryClient.isPlainHTTP("localhost:5000", PullOptions()))
        XCTAssertTrue(RegistryClient.isPlainHTTP("[::1]:5000", PullOptions()))
        XCTAssertFalse(RegistryClient.isPlainHTTP("docker.io", PullOptions()))
        XCTAssertTrue(RegistryClient.isPlainHTTP("reg.lan:5000", PullOptions(insecureRegistries: ["reg.lan:5000"])))
    }
}
