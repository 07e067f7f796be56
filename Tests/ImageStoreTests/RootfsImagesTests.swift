import Foundation
import XCTest
@testable import ImageStore

/// Builds the tutorial's three images with rootfs-images/build.sh, imports them, and runs them for real:
/// each in private mount, network and pid namespaces (so nothing outlives the test), on an overlayfs of the
/// imported layers, reached over the namespace's own loopback.
final class ImageStoreRootfsImagesTests: XCTestCase {
    var tmp: TempDir!

    override func setUp() { tmp = TempDir("imagestore-rootfs") }
    override func tearDown() { tmp.remove() }

    /// The repository's rootfs-images/ (this file lives in <repo>/Tests/ImageStoreTests/).
    var recipes: String {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("rootfs-images").path
    }

    /// Runs `script` (sh) as pid 1 of new mount+net+pid namespaces: its mounts and processes die with it.
    /// `OVL` is set to a merged overlay of `layers` (plus a scratch upper dir) mounted inside those namespaces.
    func runIsolated(_ script: String, layers: [String], env: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let scratch = tmp.path + "/run-\(UUID().uuidString.prefix(6))"
        for d in ["upper", "work", "merged"] {
            try FileManager.default.createDirectory(atPath: "\(scratch)/\(d)", withIntermediateDirectories: true)
        }
        let prologue = """
            set -e
            mount -t overlay overlay -o lowerdir=\(layers.reversed().joined(separator: ":")),upperdir=\(scratch)/upper,workdir=\(scratch)/work \(scratch)/merged
            OVL=\(scratch)/merged
            mount --bind /dev "$OVL/dev"
            mount -t proc proc "$OVL/proc"
            ip link set lo up
            waitfor() { for i in $(seq 1 100); do curl -s -o /dev/null "$@" && return 0; sleep 0.1; done; return 1; }

            """
        var environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
        for (k, v) in env { environment[k] = v }
        return try runCommand(["/usr/bin/timeout", "-k", "5", "90", "/usr/bin/unshare", "--mount", "--net", "--pid", "--fork",
                               "--kill-child", "/bin/sh", "-c", prologue + script], environment: environment)
    }

    func testBuildImportAndRunTheTutorialImages() throws {
        let out = tmp.path + "/images"
        let build = try runCommand(["/bin/bash", recipes + "/build.sh", out])
        XCTAssertEqual(build.status, 0, build.output)
        let store = try ImageStore(dataDir: tmp.path + "/data")
        var names: [String] = []
        for file in ["nginx.tar", "nginxhttps.tar", "busyboxplus-curl.tar"] {
            names += try store.import(archivePath: "\(out)/\(file)").flatMap(\.names)
        }
        XCTAssertEqual(names.sorted(), ["docker.io/bprashanth/nginxhttps:1.0", "docker.io/library/nginx:latest",
                                        "docker.io/radial/busyboxplus:curl"])

        let nginx = try XCTUnwrap(store.resolve("nginx"))
        let https = try XCTUnwrap(store.resolve("bprashanth/nginxhttps:1.0"))
        let curl = try XCTUnwrap(store.resolve("radial/busyboxplus:curl"))
        XCTAssertEqual(nginx.config.cmd, ["nginx", "-g", "daemon off;"])
        XCTAssertTrue(nginx.config.exposedPorts.contains("80/tcp"))
        XCTAssertEqual(Set(https.config.exposedPorts), ["80/tcp", "443/tcp"])
        XCTAssertEqual(curl.config.cmd, ["/bin/sh"])
        for image in [nginx, https, curl] {
            XCTAssertTrue(image.config.env.contains { $0.hasPrefix("PATH=") && $0.contains("/usr/sbin") && $0.contains("/bin") }, "\(image.names)")
            XCTAssertEqual(image.architecture, "amd64")
            XCTAssertEqual(image.os, "linux")
        }

        // Building again gives the same archives (deterministic), so importing them again stores nothing new.
        let again = try runCommand(["/bin/bash", recipes + "/build.sh", tmp.path + "/again"])
        XCTAssertEqual(again.status, 0, again.output)
        for file in ["nginx.tar", "nginxhttps.tar", "busyboxplus-curl.tar"] {
            XCTAssertEqual(try Digest.ofFile("\(out)/\(file)").digest, try Digest.ofFile("\(tmp.path)/again/\(file)").digest, file)
        }

        // nginx: the welcome page on port 80, its access log on stdout; a shell and printenv for kubectl exec.
        var r = try runIsolated("""
            chroot "$OVL" nginx -t
            chroot "$OVL" nginx -g 'daemon off;' > "$OVL/../nginx.out" 2>&1 &
            NGINX=$!
            waitfor http://127.0.0.1/
            curl -s http://127.0.0.1/
            chroot "$OVL" /bin/sh -c 'printenv PATH >/dev/null && echo shell-ok'
            kill $NGINX; wait $NGINX || true
            echo "--- log"; cat "$OVL/../nginx.out"
            """, layers: nginx.layerDirs)
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("<title>Welcome to nginx!</title>"), r.output)
        XCTAssertTrue(r.output.contains("<h1>Welcome to nginx!</h1>"), r.output)
        XCTAssertTrue(r.output.contains("shell-ok"), r.output)
        XCTAssertTrue(r.output.contains("\"GET / HTTP/1.1\" 200"), "access log on stdout: \(r.output)")

        // nginxhttps with the tutorial's secret (CN=my-nginx) mounted at /etc/nginx/ssl: the page on 80 and 443,
        // and busyboxplus' curl verifies it with --cacert, as the tutorial's curl pod does.
        let ssl = tmp.path + "/ssl"
        try FileManager.default.createDirectory(atPath: ssl, withIntermediateDirectories: true)
        let cert = try runCommand(["/usr/bin/openssl", "req", "-x509", "-nodes", "-days", "2", "-newkey", "rsa:2048",
                                   "-keyout", ssl + "/tls.key", "-out", ssl + "/tls.crt", "-subj", "/CN=my-nginx/O=my-nginx",
                                   "-addext", "subjectAltName=DNS:my-nginx"])
        XCTAssertEqual(cert.status, 0, cert.output)
        let curlRoot = tmp.path + "/curl-root"
        r = try runIsolated("""
            mount --bind "$SSL" "$OVL/etc/nginx/ssl"
            chroot "$OVL" nginx -g 'daemon off;' > /dev/null 2>&1 &
            NGINX=$!
            waitfor http://127.0.0.1/
            waitfor -k https://127.0.0.1/
            echo "--- http"; curl -s http://127.0.0.1/
            echo "--- https"; curl -sk https://127.0.0.1/
            mkdir -p "$CURLROOT/upper" "$CURLROOT/work" "$CURLROOT/merged"
            mount -t overlay overlay -o lowerdir="$CURLLAYERS",upperdir="$CURLROOT/upper",workdir="$CURLROOT/work" "$CURLROOT/merged"
            mount --bind /dev "$CURLROOT/merged/dev"
            cp "$SSL/tls.crt" "$CURLROOT/merged/tmp/ca.crt"
            echo "--- busyboxplus"
            chroot "$CURLROOT/merged" curl -s --cacert /tmp/ca.crt --resolve my-nginx:443:127.0.0.1 https://my-nginx/
            chroot "$CURLROOT/merged" /bin/sh -c 'command -v nslookup && command -v wget && echo busybox-ok'
            kill $NGINX; wait $NGINX || true
            """, layers: https.layerDirs,
            env: ["SSL": ssl, "CURLROOT": curlRoot, "CURLLAYERS": curl.layerDirs.reversed().joined(separator: ":")])
        XCTAssertEqual(r.status, 0, r.output)
        let sections = r.output.components(separatedBy: "--- ")
        XCTAssertEqual(sections.filter { $0.contains("<h1>Welcome to nginx!</h1>") }.count, 3, r.output)
        XCTAssertTrue(r.output.contains("busybox-ok"), r.output)

        // Nothing is left mounted from the namespaces.
        let mountinfo = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        XCTAssertFalse(mountinfo.contains(tmp.path), mountinfo)
    }
}
