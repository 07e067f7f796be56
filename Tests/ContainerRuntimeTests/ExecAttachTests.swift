import Foundation
import XCTest
@testable import ContainerRuntime

/// exec into running containers, tty mode and the attach socket (as root).
final class ContainerRuntimeExecAttachTests: XCTestCase {
    var sandbox: ContainerTestSandbox!

    override func setUpWithError() throws {
        XCTAssertEqual(getuid(), 0, "these tests need root")
        sandbox = try ContainerTestSandbox(name: name.split(separator: " ").last.map { String($0.dropLast()) } ?? "t")
    }

    override func tearDown() {
        sandbox?.cleanUp()
        sandbox = nil
    }

    /// Reads frames until `condition` holds for the collected stdout/stderr text, or EOF.
    private func collect(_ connection: AttachConnection, until condition: (String, Int32?) -> Bool) throws -> (String, Int32?) {
        var text = ""
        var exitCode: Int32?
        while !condition(text, exitCode), let frame = try connection.readFrame() {
            switch frame.stream {
            case AttachFrame.Stream.stdout.rawValue, AttachFrame.Stream.stderr.rawValue:
                text += String(decoding: frame.payload, as: UTF8.self)
            case AttachFrame.Stream.exit.rawValue:
                exitCode = Int32(String(decoding: frame.payload, as: UTF8.self))
            default:
                break
            }
        }
        return (text, exitCode)
    }

    func testExecSeesTheContainersPidNamespaceAndReturnsTheExitCode() throws {
        var (spec, bundle) = sandbox.spec("sleep 60", name: "exec")
        spec.seccomp = .runtimeDefault
        spec.env.append("FROM_SPEC=yes")
        try sandbox.start(spec, bundle: bundle)
        let process = try ContainerRuntime.exec(bundle: bundle, args: ["/bin/sh", "-c", "ps -o pid,args; hostname; echo $FROM_SPEC $EXTRA; grep -E 'CapEff|Seccomp:' /proc/self/status; exit 5"],
                                                env: ["EXTRA=added"])
        try process.stdin.close()
        let output = String(decoding: process.stdout.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: process.stderr!.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.waitForExit(), 5, errors)
        let lines = output.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("1 sleep 60") }, output)
        XCTAssertTrue(lines.contains("box-exec"), output)
        XCTAssertTrue(lines.contains("yes added"), output)
        XCTAssertEqual(statusField(output, "CapEff"), "00000000a80425fb")
        XCTAssertEqual(statusField(output, "Seccomp"), "2")

        let missing = try ContainerRuntime.exec(bundle: bundle, args: ["nosuchprogram"])
        let message = String(decoding: missing.stderr!.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(missing.waitForExit(), 127)
        XCTAssertTrue(message.contains("exec: \"nosuchprogram\": executable file not found in $PATH"), message)

        let asUser = try ContainerRuntime.exec(bundle: bundle, args: ["id", "-u"], user: (uid: 1000, gid: 1000))
        XCTAssertEqual(String(decoding: asUser.stdout.readDataToEndOfFile(), as: UTF8.self), "1000\n")
        XCTAssertEqual(asUser.waitForExit(), 0)
    }

    func testExecWithStdinAndTTY() throws {
        let (spec, bundle) = sandbox.spec("sleep 60", name: "exectty")
        try sandbox.start(spec, bundle: bundle)
        let cat = try ContainerRuntime.exec(bundle: bundle, args: ["cat"])
        cat.stdin.write(Data("piped input\n".utf8))
        try cat.stdin.close()
        XCTAssertEqual(String(decoding: cat.stdout.readDataToEndOfFile(), as: UTF8.self), "piped input\n")
        XCTAssertEqual(cat.waitForExit(), 0)

        let shell = try ContainerRuntime.exec(bundle: bundle, args: ["/bin/sh", "-c", "[ -t 0 ] && echo TTY; stty size; exit 2"], tty: true)
        try shell.resize(cols: 100, rows: 40)
        var output = [UInt8]()
        while let chunk = try ExecProcess.readChunk(shell.terminal!) { output += chunk }
        XCTAssertEqual(shell.waitForExit(), 2)
        let text = String(decoding: output, as: UTF8.self)
        XCTAssertTrue(text.contains("TTY\r\n"), text)
    }

    func testExecIntoAStoppedContainerFails() throws {
        let (spec, bundle) = sandbox.spec("true", name: "stopped")
        _ = try sandbox.run(spec, bundle: bundle)
        XCTAssertThrowsError(try ContainerRuntime.exec(bundle: bundle, args: ["true"])) { error in
            XCTAssertEqual(error as? RuntimeError, .notRunning(bundle: bundle))
        }
    }

    func testTTYContainerThroughAttach() throws {
        var (spec, bundle) = sandbox.spec("exec sh", name: "tty")
        spec.args = ["/bin/sh"]
        spec.tty = true
        spec.stdin = true
        spec.env.append("PS1=prompt$ ")
        try sandbox.start(spec, bundle: bundle)
        let connection = try ContainerRuntime.attach(bundle: bundle)
        try connection.attachStdin()
        try connection.resize(cols: 120, rows: 50)
        try connection.write(stdin: Array("[ -t 1 ] && echo IS-A-TTY; stty size; exit 4\n".utf8))
        let (text, code) = try collect(connection) { _, code in code != nil }
        XCTAssertTrue(text.contains("IS-A-TTY"), text)
        XCTAssertTrue(text.contains("50 120"), text)
        XCTAssertEqual(code, 4)
        XCTAssertEqual(try sandbox.waitForExit(bundle: bundle), 4)
        // tty output is logged as stdout, without the terminal's carriage returns.
        let log = try sandbox.readLog(bundle + "/container.log")
        XCTAssertTrue(log.allSatisfy { $0.stream == "stdout" })
        XCTAssertTrue(log.contains { $0.content == "IS-A-TTY" }, "\(log)")
    }

    func testStdinOnceClosesStdinWhenTheFirstClientLeaves() throws {
        var (spec, bundle) = sandbox.spec("cat; echo cat-finished", name: "once")
        spec.stdin = true
        spec.stdinOnce = true
        try sandbox.start(spec, bundle: bundle)
        let watcher = try ContainerRuntime.attach(bundle: bundle)   // output only
        do {
            let client = try ContainerRuntime.attach(bundle: bundle)
            try client.attachStdin()
            try client.write(stdin: Array("hello through attach\n".utf8))
            let (echoed, _) = try collect(client) { text, _ in text.contains("hello through attach\n") }
            XCTAssertEqual(echoed, "hello through attach\n")
            client.shutdownWrite()
        }
        let (rest, code) = try collect(watcher) { _, code in code != nil }
        XCTAssertTrue(rest.contains("cat-finished"), rest)
        XCTAssertEqual(code, 0)
        let log = try sandbox.readLog(bundle + "/container.log")
        XCTAssertEqual(log.map(\.content), ["hello through attach", "cat-finished"])
    }

    func testLogIsReopenedAfterRotation() throws {
        var (spec, bundle) = sandbox.spec("echo one; read line; echo two", name: "rotate")
        spec.stdin = true
        try sandbox.start(spec, bundle: bundle)
        let logPath = bundle + "/container.log"
        let deadline = Date().addingTimeInterval(10)
        while (try? String(contentsOfFile: logPath, encoding: .utf8))?.contains("one") != true && Date() < deadline { usleep(10_000) }
        XCTAssertEqual(rename(logPath, logPath + ".1"), 0)
        try ContainerRuntime.reopenLog(bundle: bundle)
        let client = try ContainerRuntime.attach(bundle: bundle)
        try client.write(stdin: Array("go\n".utf8))
        XCTAssertEqual(try sandbox.waitForExit(bundle: bundle), 0)
        XCTAssertEqual(try sandbox.readLog(logPath + ".1").map(\.content), ["one"])
        XCTAssertEqual(try sandbox.readLog(logPath).map(\.content), ["two"])
    }

    func testNoStdinMeansDevNull() throws {
        let (spec, bundle) = sandbox.spec("cat; echo done", name: "nostdin")
        let (code, log) = try sandbox.run(spec, bundle: bundle)
        XCTAssertEqual(code, 0)
        XCTAssertEqual(stdoutText(log), "done")
    }
}
