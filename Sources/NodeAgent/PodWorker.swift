import Foundation
import KubeAPI
import KubeClient
import Logging

/// Everything a pod worker needs from the agent.
struct AgentContext: Sendable {
    let client: any KubeClient
    let config: AgentConfig
    let images: any ImageProvider
    let sandboxes: any SandboxProvider
    let engine: any ContainerEngine
    let services: Informer
    let secrets: Informer
    let configMaps: Informer
    let events: AgentEvents
    let logger: Logger
    let metrics: AgentMetrics
    let tokens: ServiceAccountTokens
}

/// One pod on this node: brings it up (sandbox, volumes, init containers, containers), keeps it running
/// (restarts with back-off, probes), reports its status, and takes it down when it is deleted.
actor PodWorker {
    let uid: String
    private(set) var pod: JSON
    let ctx: AgentContext
    var sandbox: PodSandbox?
    var initRecords: [ContainerRecord]
    var records: [ContainerRecord]
    var backoffUntil: [String: Date] = [:]
    var backoffDelay: [String: Double] = [:]
    var runningSince: [String: Date] = [:]
    var probes: [String: ProbeState] = [:]
    var startTime: String
    var lastStatus: JSON = .null
    var volumesReady = false
    var volumeError: String?
    var finished = false
    var lastVolumeSync = Date.distantPast
    /// Services of the namespace whose variables the running containers got (for the late-Service event).
    var injectedServices: Set<String> = []
    var startRecorded = false

    init(pod: JSON, ctx: AgentContext) {
        self.uid = pod.uid ?? ""
        self.pod = pod
        self.ctx = ctx
        self.initRecords = pod["spec"]["initContainers"].elements.map { ContainerRecord(name: $0["name"].string ?? "", image: $0["image"].string ?? "") }
        self.records = pod["spec"]["containers"].elements.map { ContainerRecord(name: $0["name"].string ?? "", image: $0["image"].string ?? "") }
        self.startTime = pod["status"]["startTime"].string ?? Timestamps.rfc3339()
    }

    var podDir: String { ctx.config.podDir(uid) }
    var namespace: String { pod.namespace ?? "default" }
    var name: String { pod.name ?? "" }
    var volumes: PodVolumes { PodVolumes(podDir: podDir) }

    func update(_ pod: JSON) { self.pod = pod }

    func lookup(_ resource: String, _ name: String) -> JSON? {
        (resource == "secrets" ? ctx.secrets : ctx.configMaps).get(namespace, name)
    }

    // MARK: Recovery

    /// After an agent restart: find this pod's sandbox and containers as they are (still running, or exited
    /// meanwhile with their exit codes) instead of starting anything again.
    func adopt() {
        sandbox = ctx.sandboxes.sandbox(podUID: uid)
        for (list, isInit) in [(initRecords, true), (records, false)] {
            var updated = list
            for i in updated.indices {
                let dir = "\(podDir)/containers/\(updated[i].name)"
                let attempts = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).compactMap(Int.init).sorted()
                guard let last = attempts.last else { continue }
                updated[i].restartCount = last
                updated[i].containerID = containerID(updated[i].name, last)
                updated[i].state = ctx.engine.state(bundleDir: "\(dir)/\(last)")
                updated[i].waiting = nil
                updated[i].started = true
                updated[i].imageID = (try? String(contentsOfFile: "\(dir)/\(last)/image-id", encoding: .utf8)) ?? ""
                if case .running = updated[i].state { runningSince[updated[i].name] = Date() }
                if let previous = attempts.dropLast().last, case .exited(let code, let s, let f, let r) = ctx.engine.state(bundleDir: "\(dir)/\(previous)") {
                    updated[i].lastTermination = (code, r, s, f, containerID(updated[i].name, previous))
                }
            }
            if isInit { initRecords = updated } else { records = updated }
        }
        volumesReady = sandbox != nil
    }

    func containerID(_ container: String, _ attempt: Int) -> String {
        "swiftlet://" + fnv1aHex("\(uid)/\(container)/\(attempt)") + String(uid.filter { $0 != "-" }.prefix(16))
    }

    // MARK: Sync

    /// One pass: converge the node to the pod's spec and report status. Cheap when nothing changed.
    func sync() async {
        guard !finished else { return }
        if pod["metadata"]["deletionTimestamp"].string != nil {
            await terminate(deleteFromAPI: true)
            return
        }
        if isTerminalPhase { await reportStatus(); return }
        do {
            if sandbox == nil {
                try FileManager.default.createDirectory(atPath: podDir, withIntermediateDirectories: true)
                let (sandboxes, uid) = (ctx.sandboxes, uid)
                sandbox = try await offPool { try sandboxes.createSandbox(podUID: uid) }
                try writePodFiles()
            }
        } catch {
            await ctx.events.warning(pod, "FailedCreatePodSandBox", "Failed to create pod sandbox: \(error)")
            await reportStatus()
            return
        }
        if !volumesReady || Date().timeIntervalSince(lastVolumeSync) > 5 {
            do {
                let tokens = try await ctx.tokens.tokens(for: pod)
                try volumes.setUp(pod: pod, lookup: lookup, tokens: tokens)
                volumesReady = true
                volumeError = nil
                lastVolumeSync = Date()
            } catch {
                if volumeError != "\(error)" { await ctx.events.warning(pod, "FailedMount", "\(error)") }
                volumeError = "\(error)"
                if !volumesReady { await reportStatus(); return }
            }
        }
        refreshStates()
        if await runInitContainers() {
            for i in records.indices { await converge(index: i, isInit: false) }
        }
        await runProbes()
        recordMetrics()
        await reportStatus()
    }

    func recordMetrics() {
        let running = records.filter { if case .running = $0.state { return true } else { return false } }.count
        ctx.metrics.setRunning(podUID: uid, containers: running)
        if !startRecorded, running == records.count, running > 0,
           let created = parseRFC3339(pod["metadata"]["creationTimestamp"].string ?? "") {
            startRecorded = true
            ctx.metrics.observePodStart(seconds: max(0, Date().timeIntervalSince(created)))
        }
    }

    var isTerminalPhase: Bool {
        let phase = lastStatus["phase"].string ?? pod["status"]["phase"].string
        return phase == "Succeeded" || phase == "Failed"
    }

    func refreshStates() {
        for i in initRecords.indices where initRecords[i].started { initRecords[i].state = ctx.engine.state(bundleDir: bundle(initRecords[i])) }
        for i in records.indices where records[i].started {
            let before = records[i].state
            records[i].state = ctx.engine.state(bundleDir: bundle(records[i]))
            if case .running = before, case .exited = records[i].state { records[i].ready = false }
        }
    }

    func bundle(_ r: ContainerRecord) -> String { "\(podDir)/containers/\(r.name)/\(r.restartCount)" }

    /// Runs init containers one at a time; true once all have succeeded.
    func runInitContainers() async -> Bool {
        for i in initRecords.indices {
            if case .exited(0, _, _, _) = initRecords[i].state { continue }
            await converge(index: i, isInit: true)
            return false
        }
        return true
    }

    var initialized: Bool {
        initRecords.allSatisfy { if case .exited(0, _, _, _) = $0.state { return true } else { return false } }
    }

    /// Starts, or restarts after back-off, one container as its restart policy says.
    func converge(index i: Int, isInit: Bool) async {
        var r = isInit ? initRecords[i] : records[i]
        defer { if isInit { initRecords[i] = r } else { records[i] = r } }
        let spec = (isInit ? pod["spec"]["initContainers"] : pod["spec"]["containers"])[i]
        let policy = pod["spec"]["restartPolicy"].string ?? "Always"
        switch r.state {
        case .running:
            if let since = runningSince[r.name], Date().timeIntervalSince(since) > 600 { backoffDelay[r.name] = nil }
            return
        case .exited(let code, let startedAt, let finishedAt, let reason):
            let restart = isInit ? (code != 0 && policy != "Never") : (policy == "Always" || (policy == "OnFailure" && code != 0))
            guard restart else { r.waiting = nil; return }
            if backoffUntil[r.name] == nil {
                // Just exited: record it and wait out the back-off (10 s doubling to 5 min, as the kubelet does).
                let delay = backoffDelay[r.name].map { min($0 * 2, 300) } ?? 10
                backoffDelay[r.name] = delay
                backoffUntil[r.name] = Date().addingTimeInterval(r.restartCount == 0 && delay == 10 ? 0 : delay)
                r.lastTermination = (code, reason, startedAt, finishedAt, r.containerID)
                if r.restartCount > 0 || delay > 10 {
                    await ctx.events.warning(pod, "BackOff", "Back-off restarting failed container \(r.name) in pod \(name)_\(namespace)(\(uid))",
                                             fieldPath: "spec.containers{\(r.name)}")
                }
            }
            if let until = backoffUntil[r.name], until > Date() {
                r.waiting = ("CrashLoopBackOff", "back-off \(Int(backoffDelay[r.name] ?? 10))s restarting failed container=\(r.name) pod=\(name)_\(namespace)(\(uid))")
                r.ready = false
                return
            }
            backoffUntil[r.name] = nil
            r.restartCount += 1
            await start(&r, spec: spec)
        case .unknown:
            if r.started {
                // The process vanished without an exit record (machine reboot): treat as a failure and restart.
                r.state = .exited(code: 255, startedAt: "", finishedAt: Timestamps.rfc3339(), reason: "Unknown")
                return
            }
            if let until = backoffUntil[r.name], until > Date() { return }
            await start(&r, spec: spec)
        }
    }

    /// Image, environment, mounts, then the container through the engine.
    func start(_ r: inout ContainerRecord, spec: JSON) async {
        let imageRef = spec["image"].string ?? ""
        let image: ResolvedImage
        do {
            image = try await ensureImage(imageRef, policy: spec["imagePullPolicy"].string ?? "IfNotPresent", container: r.name)
        } catch {
            let delay = backoffDelay[r.name].map { min($0 * 2, 300) } ?? 10
            backoffDelay[r.name] = delay
            backoffUntil[r.name] = Date().addingTimeInterval(delay)
            r.waiting = (r.waiting?.reason == "ErrImagePull" ? "ImagePullBackOff" : "ErrImagePull", "\(error)")
            await ctx.events.warning(pod, "Failed", "Failed to pull image \"\(imageRef)\": \(error)", fieldPath: "spec.containers{\(r.name)}")
            return
        }
        do {
            let services = ctx.services.list()
            let serviceVars = ServiceEnvironment.variables(for: services, podNamespace: namespace,
                                                            enableServiceLinks: pod["spec"]["enableServiceLinks"].bool ?? true)
            injectedServices.formUnion(services.filter { $0.namespace == namespace }.compactMap(\.name))
            var podForEnv = pod
            if let ip = sandbox?.ip {
                podForEnv["status"]["podIP"] = .string(ip)
                podForEnv["status"]["podIPs"] = [["ip": .string(ip)]]
            }
            podForEnv["status"]["hostIP"] = .string(ctx.config.nodeIP)
            let env = try ContainerEnvironment(pod: podForEnv, container: spec, serviceVariables: serviceVars, lookup: lookup).resolve()
            let dir = bundle(r)
            try? FileManager.default.removeItem(atPath: dir)
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try? image.id.write(toFile: dir + "/image-id", atomically: true, encoding: .utf8)
            let logDir = "\(ctx.config.logsDir)/\(namespace)_\(name)_\(uid)/\(r.name)"
            try FileManager.default.createDirectory(atPath: logDir, withIntermediateDirectories: true)
            var mounts: [(String, String, Bool)] = []
            let volumesByName = Dictionary(pod["spec"]["volumes"].elements.map { ($0["name"].string ?? "", $0) }, uniquingKeysWith: { a, _ in a })
            for m in spec["volumeMounts"].elements {
                guard let v = volumesByName[m["name"].string ?? ""], let path = m["mountPath"].string else { continue }
                var source = volumes.hostPath(of: v)
                if let sub = m["subPath"].string, !sub.isEmpty { source += "/" + sub }
                let payload = !v["secret"].isNull || !v["configMap"].isNull || !v["downwardAPI"].isNull || !v["projected"].isNull
                mounts.append((source, path, m["readOnly"].bool == true || payload))
            }
            let launch = ContainerLaunch(
                podUID: uid, podName: name, podNamespace: namespace, containerName: r.name, attempt: r.restartCount,
                bundleDir: dir, logPath: "\(logDir)/\(r.restartCount).log", image: image, env: env,
                netnsPath: sandbox?.netnsPath ?? "", mounts: mounts, hostsFile: podDir + "/etc-hosts",
                resolvConf: podDir + "/resolv.conf", hostnameFile: podDir + "/hostname",
                container: spec, pod: pod, seccompDefault: ctx.config.seccompDefault)
            await ctx.events.normal(pod, "Created", "Created container \(r.name)", fieldPath: "spec.containers{\(r.name)}")
            r.state = try await ctx.engine.start(launch)
            r.containerID = containerID(r.name, r.restartCount)
            r.imageID = image.id
            r.started = true
            r.waiting = nil
            r.ready = false
            runningSince[r.name] = Date()
            probes[r.name] = ProbeState()
            await ctx.events.normal(pod, "Started", "Started container \(r.name)", fieldPath: "spec.containers{\(r.name)}")
        } catch {
            r.waiting = ("CreateContainerError", "\(error)")
            backoffUntil[r.name] = Date().addingTimeInterval(backoffDelay[r.name] ?? 10)
            await ctx.events.warning(pod, "Failed", "Error: \(error)", fieldPath: "spec.containers{\(r.name)}")
        }
    }

    func ensureImage(_ ref: String, policy: String, container: String) async throws -> ResolvedImage {
        // Images imported into this node's store count as present; `Always` pulls only what is not there, because a
        // node without registry access must still run what was imported for it.
        if let local = ctx.images.local(ref) {
            await ctx.events.normal(pod, "Pulled", "Container image \"\(ref)\" already present on machine",
                                    fieldPath: "spec.containers{\(container)}")
            return local
        }
        if policy == "Never" {
            throw ContainerEnvironment.Failure(description: "image \"\(ref)\" is not present with pull policy of Never")
        }
        await ctx.events.normal(pod, "Pulling", "Pulling image \"\(ref)\"", fieldPath: "spec.containers{\(container)}")
        let started = Date()
        let image = try await ctx.images.pull(ref)
        await ctx.events.normal(pod, "Pulled", "Successfully pulled image \"\(ref)\" in \(Int(Date().timeIntervalSince(started) * 1000))ms",
                                fieldPath: "spec.containers{\(container)}")
        return image
    }

    func writePodFiles() throws {
        let ips = sandbox.map { [$0.ip] } ?? []
        try PodFiles.hosts(pod: pod, podIPs: ips, clusterDomain: ctx.config.clusterDomain).write(toFile: podDir + "/etc-hosts", atomically: true, encoding: .utf8)
        let hostResolv = (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? ""
        try PodFiles.resolvConf(pod: pod, clusterDNS: ctx.config.clusterDNS, clusterDomain: ctx.config.clusterDomain,
                                hostResolvConf: hostResolv).write(toFile: podDir + "/resolv.conf", atomically: true, encoding: .utf8)
        try ((pod["spec"]["hostname"].string ?? name) + "\n").write(toFile: podDir + "/hostname", atomically: true, encoding: .utf8)
    }

    // MARK: Probes

    func runProbes() async {
        for i in records.indices {
            guard case .running = records[i].state, records[i].waiting == nil else { continue }
            let spec = pod["spec"]["containers"][i]
            var state = probes[records[i].name] ?? ProbeState()
            let ip = sandbox?.ip ?? ""
            let startupOK = await state.run(.startup, spec["startupProbe"], ip: ip, exec: execProbe(records[i]))
            records[i].started = startupOK
            if !startupOK { probes[records[i].name] = state; continue }
            records[i].ready = await state.run(.readiness, spec["readinessProbe"], ip: ip, exec: execProbe(records[i]))
            let alive = await state.run(.liveness, spec["livenessProbe"], ip: ip, exec: execProbe(records[i]))
            probes[records[i].name] = state
            if !alive {
                await ctx.events.normal(pod, "Killing", "Container \(records[i].name) failed liveness probe, will be restarted",
                                        fieldPath: "spec.containers{\(records[i].name)}")
                await stopContainer(records[i], grace: pod["spec"]["terminationGracePeriodSeconds"].int ?? 30)
                probes[records[i].name] = ProbeState()
            }
        }
    }

    func execProbe(_ r: ContainerRecord) -> @Sendable ([String]) async -> Bool {
        let engine = ctx.engine
        let dir = bundle(r)
        return { argv in
            guard let session = try? await engine.exec(bundleDir: dir, argv: argv, tty: false, stdin: false) else { return false }
            for await _ in session.output {}
            return await session.exitCode() == 0
        }
    }

    // MARK: Termination

    func stopContainer(_ r: ContainerRecord, grace: Int64) async {
        guard case .running = ctx.engine.state(bundleDir: bundle(r)) else { return }
        let dir = bundle(r)
        ctx.engine.signal(bundleDir: dir, SIGTERM)
        let deadline = Date().addingTimeInterval(TimeInterval(max(grace, 0)))
        while Date() < deadline {
            if case .running = ctx.engine.state(bundleDir: dir) {} else { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
        ctx.engine.signal(bundleDir: dir, SIGKILL)
        for _ in 0..<50 {
            if case .running = ctx.engine.state(bundleDir: dir) {} else { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Stops every container (preStop, SIGTERM, grace period, SIGKILL), frees the sandbox, volumes and files,
    /// then (for a deleted pod) confirms the deletion to the API server, as the kubelet does.
    func terminate(deleteFromAPI: Bool) async {
        guard !finished else { return }
        let grace = pod["metadata"]["deletionGracePeriodSeconds"].int ?? pod["spec"]["terminationGracePeriodSeconds"].int ?? 30
        await withTaskGroup(of: Void.self) { group in
            for (i, r) in records.enumerated() {
                let preStop = pod["spec"]["containers"][i]["lifecycle"]["preStop"]["exec"]["command"].elements.compactMap(\.string)
                let probe = execProbe(r)
                group.addTask {
                    if case .running = r.state {
                        await self.ctx.events.normal(self.pod, "Killing", "Stopping container \(r.name)", fieldPath: "spec.containers{\(r.name)}")
                        if !preStop.isEmpty { _ = await probe(preStop) }
                    }
                    await self.stopContainer(r, grace: grace)
                }
            }
        }
        for r in initRecords + records {
            let dir = "\(podDir)/containers/\(r.name)"
            for attempt in ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []) {
                do { try ctx.engine.remove(bundleDir: "\(dir)/\(attempt)") } catch {
                    ctx.logger.warning("removing container \(r.name) of pod \(namespace)/\(name): \(error)")
                }
            }
        }
        // Whatever a failed removal left mounted under the pod's directory goes too (deepest first), so a pod
        // never leaves mounts behind.
        HostMounts.unmountAll(under: podDir)
        ctx.engine.cleanUpPod(podUID: uid)
        ctx.metrics.setRunning(podUID: uid, containers: 0)
        volumes.tearDown()
        await ctx.tokens.forget(podUID: uid)
        try? ctx.sandboxes.destroySandbox(podUID: uid)
        try? FileManager.default.removeItem(atPath: podDir)
        finished = true
        if deleteFromAPI {
            try? await ctx.client.delete(.pods, namespace: namespace, name: name,
                                         options: ["gracePeriodSeconds": 0, "preconditions": ["uid": .string(uid)]])
        }
    }

    // MARK: Status

    func reportStatus() async {
        let now = Timestamps.rfc3339()
        var status = PodStatusBuilder.status(pod: pod, initContainers: initRecords, containers: records, podIP: sandbox?.ip,
                                             hostIP: ctx.config.nodeIP, startTime: startTime, now: now,
                                             sandboxReady: sandbox != nil, initialized: initialized)
        // Only real changes are sent: transition times alone do not count.
        var comparable = status
        var previous = lastStatus
        comparable["conditions"] = .array(status["conditions"].elements.map { var c = $0; c["lastTransitionTime"] = .null; return c })
        previous["conditions"] = .array(lastStatus["conditions"].elements.map { var c = $0; c["lastTransitionTime"] = .null; return c })
        if comparable == previous { return }
        if pod["status"]["qosClass"].isNull { status["qosClass"] = .null }
        do {
            let updated = try await ctx.client.patch(.pods, namespace: namespace, name: name, type: .merge,
                                                     patch: ["status": status], subresource: "status", fieldManager: "kubelet")
            lastStatus = status
            pod["status"] = updated["status"]
        } catch {
            ctx.logger.debug("status of pod \(namespace)/\(name): \(error)")
        }
    }

    /// Whether containers of this pod run without the variables of Service `name` (it appeared after they started).
    func lacksServiceEnvironment(_ name: String) -> Bool {
        !runningSince.isEmpty && !injectedServices.contains(name)
    }
}
