import Foundation
import KubeAPI
import KubeClient
import Logging
import Synchronization

/// The node agent: registers the node, watches the pods bound to it (through the API, never the store), and
/// runs one PodWorker per pod. After a restart it adopts what is already running instead of starting it again.
public final class NodeAgent: Sendable {
    let ctx: AgentContext
    let pods: Informer
    let informers: InformerFactory
    private let workers = Mutex<[String: PodWorker]>([:])
    private let wake = Mutex<[String: AsyncStream<Void>.Continuation]>([:])

    public init(client: any KubeClient, config: AgentConfig, images: any ImageProvider, sandboxes: any SandboxProvider,
                engine: any ContainerEngine, tokenIssuer: (any ServiceAccountTokenIssuer)? = nil,
                logger: Logger = Logger(label: "swiftlet.agent")) {
        informers = InformerFactory(client: client)
        pods = Informer(client: client, resource: .pods, options: ListOptions(fieldSelector: "spec.nodeName=\(config.nodeName)"))
        ctx = AgentContext(client: client, config: config, images: images, sandboxes: sandboxes, engine: engine,
                           services: informers.informer(.services), secrets: informers.informer(.secrets),
                           configMaps: informers.informer(.configMaps),
                           events: AgentEvents(recorder: EventRecorder(client: client, now: { Date() })), logger: logger,
                           metrics: AgentMetrics(), tokens: ServiceAccountTokens(issuer: tokenIssuer))
    }

    public func run() async {
        do {
            try ctx.sandboxes.setUpHost()
        } catch {
            ctx.logger.error("node network setup failed: \(error)")
        }
        let registration = NodeRegistration(client: ctx.client, config: ctx.config)
        while !Task.isCancelled {
            do { try await registration.register(); break } catch {
                ctx.logger.warning("registering node \(ctx.config.nodeName): \(error)")
                try? await Task.sleep(for: .seconds(1))
            }
        }
        pods.addHandler { [weak self] old, new in self?.podChanged(old: old, new: new) }
        ctx.services.addHandler { [weak self] old, new in
            if old == nil, let svc = new { self?.serviceAdded(svc) }
        }
        // Secrets and ConfigMaps changing update their volumes in place.
        for informer in [ctx.secrets, ctx.configMaps] {
            informer.addHandler { [weak self] old, new in
                guard old != nil, let ns = (new ?? old)?.namespace else { return }
                self?.pokeNamespace(ns)
            }
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.ctx.services.run() }
            group.addTask { await self.ctx.secrets.run() }
            group.addTask { await self.ctx.configMaps.run() }
            group.addTask {
                await self.ctx.services.waitForSync()
                await self.ctx.secrets.waitForSync()
                await self.ctx.configMaps.waitForSync()
                await self.recover()
                await self.pods.run()
            }
            if let dir = self.ctx.config.podManifestPath {
                let statics = StaticPods(client: self.ctx.client, config: self.ctx.config, directory: dir)
                group.addTask { await statics.run() }
            }
            group.addTask {
                while !Task.isCancelled {
                    await registration.heartbeat()
                    try? await Task.sleep(for: .seconds(self.ctx.config.heartbeatInterval))
                }
            }
        }
    }

    /// Pods that exist on disk but are no longer bound here (deleted while the agent was down) are torn down;
    /// the rest are adopted by their workers when the pod informer lists them.
    func recover() async {
        let dirs = (try? FileManager.default.contentsOfDirectory(atPath: ctx.config.podsDir)) ?? []
        let bound = Set(((try? await ctx.client.list(.pods, namespace: nil,
                                                      options: ListOptions(fieldSelector: "spec.nodeName=\(ctx.config.nodeName)")))?.items ?? [])
                            .compactMap(\.uid))
        for uid in dirs where !bound.contains(uid) {
            let orphan = PodWorker(pod: ["metadata": ["uid": .string(uid), "name": "", "namespace": ""], "spec": [:]], ctx: ctx)
            await orphan.adoptForCleanup()
            await orphan.terminate(deleteFromAPI: false)
        }
        for uid in ctx.sandboxes.leftovers() where !bound.contains(uid) {
            try? ctx.sandboxes.destroySandbox(podUID: uid)
        }
    }

    func podChanged(old: JSON?, new: JSON?) {
        guard let uid = (new ?? old)?.uid else { return }
        if let pod = new {
            let (worker, created) = workers.withLock { w -> (PodWorker, Bool) in
                if let existing = w[uid] { return (existing, false) }
                let worker = PodWorker(pod: pod, ctx: ctx)
                w[uid] = worker
                return (worker, true)
            }
            if created { startLoop(uid: uid, worker: worker, pod: pod) } else {
                Task { await worker.update(pod); self.poke(uid) }
            }
        } else if let worker = workers.withLock({ $0[uid] }) {
            // Deleted from the API (force delete, or our own confirmation): make sure nothing is left.
            Task {
                await worker.terminate(deleteFromAPI: false)
                self.finish(uid)
            }
        }
    }

    func startLoop(uid: String, worker: PodWorker, pod: JSON) {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        wake.withLock { $0[uid] = continuation }
        Task {
            await worker.adopt()
            let ticker = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(500))
                    continuation.yield()
                }
            }
            continuation.yield()
            for await _ in stream {
                await worker.sync()
                if await worker.finished { break }
            }
            ticker.cancel()
            self.finish(uid)
        }
    }

    func poke(_ uid: String) { _ = wake.withLock { $0[uid]?.yield() } }

    func pokeNamespace(_ ns: String) {
        for pod in pods.list(namespace: ns) { if let uid = pod.uid { poke(uid) } }
    }

    func finish(_ uid: String) {
        workers.withLock { _ = $0.removeValue(forKey: uid) }
        wake.withLock { $0.removeValue(forKey: uid)?.finish() }
    }

    /// Beyond Kubernetes: a Service created after a pod started is not in that pod's environment; say so on the pod.
    func serviceAdded(_ svc: JSON) {
        guard let ns = svc.namespace, let name = svc.name, pods.hasSynced else { return }
        guard (svc["spec"]["clusterIP"].string ?? "None") != "None" else { return }
        let envName = name.uppercased().replacingOccurrences(of: "-", with: "_")
        for pod in pods.list(namespace: ns) where pod["spec"]["enableServiceLinks"].bool != false {
            guard let uid = pod.uid, let worker = workers.withLock({ $0[uid] }) else { continue }
            Task {
                guard await worker.lacksServiceEnvironment(name) else { return }
                await self.ctx.events.normal(pod, "ServiceEnvironmentNotInjected",
                    "Service \"\(name)\" was created after this pod's containers started, so \(envName)_SERVICE_HOST and \(envName)_SERVICE_PORT are not in their environment; recreate the pod (e.g. kubectl rollout restart) to get them, or use DNS: \(name).\(ns).svc.\(self.ctx.config.clusterDomain)")
            }
        }
    }

    public var metrics: AgentMetrics { ctx.metrics }

    /// Container streams for the API server (logs, exec, attach, port-forward).
    public var streams: PodStreamService { PodStreamService(ctx: ctx) }
}

extension PodWorker {
    /// For a pod directory without a pod: load enough state to stop and remove everything in it.
    func adoptForCleanup() {
        let dir = podDir + "/containers"
        var found: [ContainerRecord] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            var r = ContainerRecord(name: name, image: "")
            let attempts = ((try? FileManager.default.contentsOfDirectory(atPath: "\(dir)/\(name)")) ?? []).compactMap(Int.init).sorted()
            r.restartCount = attempts.last ?? 0
            r.state = ctx.engine.state(bundleDir: "\(dir)/\(name)/\(r.restartCount)")
            r.started = true
            found.append(r)
        }
        records = found
        sandbox = ctx.sandboxes.sandbox(podUID: uid)
    }
}
