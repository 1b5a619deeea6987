import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads an untrusted HDF5 file in a child process, so that its bytes never reach libhdf5 in
/// the process that holds a user's data.
///
/// libhdf5 (1.10) trusts a file's metadata: crafted object headers, heaps and B-trees can make
/// it read out of bounds or free invalid pointers. ``read(path:policy:)`` therefore re-executes
/// `cim` (``childCommand``): the child sets its own memory and CPU limits, opens the file,
/// walks it under an ``HDF5SnapshotPolicy`` (refusing links, external storage, virtual
/// datasets, foreign filters and oversized claims by name), and writes every group, attribute
/// and dataset to its standard output (``HDF5SnapshotWire``). The parent decodes that stream
/// with bounds checks into an ``HDF5Node`` tree. A child that crashes, exceeds its limits or
/// runs past the timeout becomes one ``HDF5Error`` naming the file.
///
/// The reader executable is, in order: `$CIMKIT_HDF5_READER`; this process if it is `cim`;
/// `cim` next to this process's executable (tests, `CIMBench`).
public enum HDF5Snapshot {
    /// The hidden first argument with which `cim` runs as the isolated reader.
    public static let childCommand = "__hdf5-snapshot"

    /// The file at `path`, read by the isolated child under `policy`; `executable` replaces the
    /// reader found by default (tests).
    public static func read(path: String, policy: HDF5SnapshotPolicy, executable: String? = nil) throws(HDF5Error) -> HDF5Node {
        try policy.validate()
        let reader: String
        if let executable { reader = executable } else { reader = try readerExecutable(file: path) }
        let policyJSON: String
        do { policyJSON = String(decoding: try JSONEncoder().encode(policy), as: UTF8.self) } catch {
            throw HDF5Error(kind: .invalidArgument, operation: "isolated read", file: path, object: "", message: "\(error)")
        }
        let output = try run(reader, [childCommand, path, policyJSON], file: path, policy: policy)
        return try HDF5SnapshotWire.decode(output, file: path, policy: policy)
    }

    /// The file at `path`, read with libhdf5 in *this* process under `policy`. Only for the
    /// isolated child and for files this process wrote itself.
    public static func capture(path: String, policy: HDF5SnapshotPolicy) throws(HDF5Error) -> HDF5Node {
        try policy.validate()
        var capture = HDF5SnapshotCapture(path: path, policy: policy)
        return try capture.run()
    }

    /// The stream the isolated reader writes for `root` (``HDF5SnapshotWire``).
    public static func encoded(_ root: HDF5Node) -> [UInt8] {
        var out: [UInt8] = []
        HDF5SnapshotWire.encode(root) { out += $0 }
        return out
    }

    /// The tree (or the refusal) in a reader's stream, checked against `policy`.
    public static func decode(_ bytes: [UInt8], file: String, policy: HDF5SnapshotPolicy) throws(HDF5Error) -> HDF5Node {
        try HDF5SnapshotWire.decode(bytes, file: file, policy: policy)
    }

    /// The child's entry point: `cim __hdf5-snapshot PATH POLICY_JSON`. Writes the snapshot or
    /// the refusal to standard output and exits 0; exits 2 on bad arguments.
    public static func childMain(arguments: [String]) -> Never {
        guard arguments.count == 3, arguments[0] == childCommand,
              let policy = try? JSONDecoder().decode(HDF5SnapshotPolicy.self, from: Data(arguments[2].utf8)) else {
            FileHandle.standardError.write(Data("usage: cim \(childCommand) PATH POLICY_JSON (internal)\n".utf8))
            exit(2)
        }
        limitResources(policy)
        let flush: ([UInt8]) -> Void = { chunk in
            chunk.withUnsafeBytes { raw in
                var done = 0
                while done < raw.count {
                    let n = Glibc.write(1, raw.baseAddress! + done, raw.count - done)
                    if n <= 0 { if n < 0 && errno == EINTR { continue }; exit(3) }
                    done += n
                }
            }
        }
        do {
            let root = try capture(path: arguments[1], policy: policy)
            HDF5SnapshotWire.encode(root, flush: flush)
        } catch {
            HDF5SnapshotWire.encode(error, flush: flush)
        }
        exit(0)
    }

    /// Address space: the values' budget twice (read, then written) plus 2 GiB for the runtime
    /// and libhdf5's own structures; CPU time: the timeout.
    static func limitResources(_ policy: HDF5SnapshotPolicy) {
        let budget = policy.maxBytes.multipliedReportingOverflow(by: 2)
        let address = budget.partialValue.addingReportingOverflow(1 << 31)
        let bytes = budget.overflow || address.overflow ? rlim_t(Int.max) : rlim_t(address.partialValue)
        var limit = rlimit(rlim_cur: bytes, rlim_max: bytes)
        _ = setrlimit(Int32(RLIMIT_AS.rawValue), &limit)
        let seconds = rlim_t(min(policy.timeoutSeconds.rounded(.up), 1e9))
        var cpu = rlimit(rlim_cur: seconds, rlim_max: seconds + 5)
        _ = setrlimit(Int32(RLIMIT_CPU.rawValue), &cpu)
        var core = rlimit(rlim_cur: 0, rlim_max: 0)  // a crash in the child leaves no core file behind
        _ = setrlimit(Int32(RLIMIT_CORE.rawValue), &core)
    }

    /// The executable that serves ``childCommand``.
    static func readerExecutable(file: String) throws(HDF5Error) -> String {
        let fm = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["CIMKIT_HDF5_READER"], !explicit.isEmpty {
            guard fm.isExecutableFile(atPath: explicit) else {
                throw HDF5Error(kind: .invalidArgument, operation: "isolated read", file: file, object: "",
                                message: "CIMKIT_HDF5_READER=\(explicit) is not an executable file")
            }
            return explicit
        }
        let me = (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        if (me as NSString).lastPathComponent == "cim" { return me }
        let sibling = ((me as NSString).deletingLastPathComponent as NSString).appendingPathComponent("cim")
        guard fm.isExecutableFile(atPath: sibling) else {
            throw HDF5Error(kind: .invalidArgument, operation: "isolated read", file: file, object: "",
                            message: "the isolated HDF5 reader (the cim executable) is not next to \(me); set CIMKIT_HDF5_READER=/path/to/cim")
        }
        return sibling
    }

    /// Runs the child in its own process group, collecting at most the policy's bytes (plus
    /// 64 MiB of structure) of its output; kills the group at the timeout or when the output
    /// runs over, and reaps the child itself (no Foundation `Process`, whose reaping thread can
    /// miss a child killed early).
    static func run(_ executable: String, _ arguments: [String], file: String, policy: HDF5SnapshotPolicy) throws(HDF5Error) -> [UInt8] {
        func failed(_ message: String) -> HDF5Error {
            HDF5Error(kind: .library, operation: "isolated read", file: file, object: "", message: message)
        }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw failed("cannot create a pipe for the isolated reader (errno \(errno))") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }  // other children must not hold the write end
        defer { close(fds[0]) }
        var environment = ProcessInfo.processInfo.environment
        environment["HDF5_PLUGIN_PATH"] = "/nonexistent"  // no filter plugins are ever loaded
        environment["HDF5_USE_FILE_LOCKING"] = "FALSE"
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // the reader gets stdin, stdout (the pipe) and stderr only: any other descriptor the
        // parent has open (a file another thread is writing, e.g. an executable it is about to
        // run: ETXTBSY) must not live on in the child
        Self.closeInheritedDescriptors(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // own process group (killed as a whole), default signal handling, nothing blocked
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        sigfillset(&signals)
        posix_spawnattr_setsigdefault(&attributes, &signals)
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(fds[1])
        guard spawned == 0 else { throw failed("cannot start the isolated reader \(executable) (errno \(spawned))") }

        let cap = policy.maxBytes.addingReportingOverflow(1 << 26)
        let limit = cap.overflow ? Int.max : cap.partialValue
        let deadline = DispatchTime.now().uptimeNanoseconds &+ UInt64(min(policy.timeoutSeconds, 1e9) * 1e9)
        var output: [UInt8] = [], timedOut = false, tooLong = false
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { timedOut = true; break }
            var poller = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min((deadline - now) / 1_000_000 + 1, 60_000)))
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 { continue }
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fds[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            guard output.count + n <= limit else { tooLong = true; break }
            output += chunk[0..<n]
        }
        if timedOut || tooLong { kill(-pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        kill(-pid, SIGKILL)  // anything the reader left behind in its group
        if timedOut { throw failed("the isolated HDF5 reader did not finish in \(policy.timeoutSeconds) s and was stopped (a crafted file?)") }
        if tooLong { throw failed("the isolated HDF5 reader wrote more than \(limit) bytes and was stopped") }
        let signal = status & 0x7f, code = (status >> 8) & 0xff
        if signal != 0 {
            let what = signal == SIGXCPU ? "ran out of CPU time" : signal == SIGKILL ? "was killed"
                : "crashed (signal \(signal)\(signal == SIGSEGV ? ", segmentation fault" : signal == SIGABRT ? ", abort" : ""))"
            throw failed("libhdf5 \(what) reading this file in the isolated reader: the file is damaged or crafted")
        }
        guard code == 0 else {
            throw failed("the isolated HDF5 reader exited with status \(code) (out of memory reading a crafted file?)")
        }
        return output
    }

    /// Adds "close every descriptor from 3 up" to `actions`: glibc's
    /// `posix_spawn_file_actions_addclosefrom_np` (2.34+, looked up at run time since Swift's
    /// Glibc module does not declare it), else one close per descriptor listed in /proc/self/fd.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
            return
        }
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            if let fd = Int32(entry), fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        }
    }
}
