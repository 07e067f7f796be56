import CSpawn
import Foundation

/// A process running inside a container through `swiftlet-shim exec`. Without a tty its stdio
/// are pipes; with one, `terminal` is the pty master (read output, write input, resize).
public final class ExecProcess: @unchecked Sendable {
    /// The `swiftlet-shim exec` process; its exit status is the exec'd process's exit code.
    public let process: Process
    /// Input for the process (the pty master with a tty).
    public let stdin: FileHandle
    /// Output of the process (the pty master with a tty).
    public let stdout: FileHandle
    /// Error output (nil with a tty: it goes to the terminal).
    public let stderr: FileHandle?
    /// The pty master, with a tty.
    public let terminal: FileHandle?

    init(process: Process, stdin: FileHandle, stdout: FileHandle, stderr: FileHandle?, terminal: FileHandle?) {
        self.process = process
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.terminal = terminal
    }

    public var pid: Int32 { process.processIdentifier }

    /// One read of whatever is available (blocking until something is); nil at end of output.
    /// A pty master reports the end as EIO once the process side is closed: that is EOF too.
    /// (FileHandle.read(upToCount:) keeps reading and throws that EIO away with the data.)
    public static func readChunk(_ handle: FileHandle, max: Int = 65536) throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            let n = read(handle.fileDescriptor, &buffer, max)
            if n > 0 { return Array(buffer[0..<n]) }
            if n == 0 || errno == EIO { return nil }
            if errno != EINTR { throw RuntimeError.syscall(call: "read", object: "exec output", errno: errno) }
        }
    }

    /// Sets the terminal size (tty only).
    public func resize(cols: UInt16, rows: UInt16) throws {
        guard let terminal else { return }
        try check(cspawn_set_winsize(terminal.fileDescriptor, cols, rows), "ioctl TIOCSWINSZ", "exec terminal")
    }

    /// Blocks until the process exits; its exit code (128+signal when killed, 126/127 when it
    /// could not be started).
    public func waitForExit() -> Int32 {
        process.waitUntilExit()
        if process.terminationReason == .uncaughtSignal { return 128 + process.terminationStatus }
        return process.terminationStatus
    }

    static func launch(shim: String, arguments: [String], tty: Bool) throws -> ExecProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: shim)
        process.arguments = arguments
        if tty {
            var master: Int32 = -1, slave: Int32 = -1
            var name = [CChar](repeating: 0, count: 128)
            try check(cspawn_open_pty(&master, &slave, &name, name.count), "open pty", "exec")
            let slaveHandle = FileHandle(fileDescriptor: slave, closeOnDealloc: true)
            let masterHandle = FileHandle(fileDescriptor: master, closeOnDealloc: true)
            process.standardInput = slaveHandle
            process.standardOutput = slaveHandle
            process.standardError = slaveHandle
            do { try process.run() } catch {
                throw RuntimeError.syscall(call: "spawn", object: shim, errno: Int32((error as NSError).code))
            }
            // Only the process keeps the slave: EOF (EIO) on the master then means it is done.
            try? slaveHandle.close()
            return ExecProcess(process: process, stdin: masterHandle, stdout: masterHandle, stderr: nil, terminal: masterHandle)
        }
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch {
            throw RuntimeError.syscall(call: "spawn", object: shim, errno: Int32((error as NSError).code))
        }
        try? input.fileHandleForReading.close()
        try? output.fileHandleForWriting.close()
        try? errors.fileHandleForWriting.close()
        return ExecProcess(process: process, stdin: input.fileHandleForWriting, stdout: output.fileHandleForReading,
                           stderr: errors.fileHandleForReading, terminal: nil)
    }
}
