import Foundation
import PodNetwork

/// Takes a node apart (`swiftlet reset`, `make down`): every container and monitor stopped, volumes and rootfs
/// unmounted, sandboxes destroyed, then the bridge and host routes removed.
public struct NodeReset {
    let dataDir: String
    let podNetwork: PodNetworkConfig
    let engine: any ContainerEngine

    public init(dataDir: String, podNetwork: PodNetworkConfig, engine: any ContainerEngine) {
        self.dataDir = dataDir
        self.podNetwork = podNetwork
        self.engine = engine
    }

    /// What was removed, one line each.
    public func run() -> [String] {
        var report: [String] = []
        let podsDir = dataDir + "/pods"
        for uid in (try? FileManager.default.contentsOfDirectory(atPath: podsDir)) ?? [] {
            let containers = "\(podsDir)/\(uid)/containers"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: containers)) ?? [] {
                for attempt in (try? FileManager.default.contentsOfDirectory(atPath: "\(containers)/\(name)")) ?? [] {
                    let bundle = "\(containers)/\(name)/\(attempt)"
                    engine.signal(bundleDir: bundle, SIGKILL)
                    do { try engine.remove(bundleDir: bundle) } catch { report.append("container \(bundle): \(error)") }
                }
            }
            engine.cleanUpPod(podUID: uid)
            PodVolumes(podDir: "\(podsDir)/\(uid)").tearDown()
            try? FileManager.default.removeItem(atPath: "\(podsDir)/\(uid)")
            report.append("pod \(uid) removed")
        }
        if let network = try? PodNetwork(config: podNetwork) {
            for uid in network.podUIDsWithNetworkState() {
                do { try network.destroySandbox(podUID: uid); report.append("sandbox \(uid) removed") } catch {
                    report.append("sandbox \(uid): \(error)")
                }
            }
            do { try network.tearDownHost(); report.append("bridge \(podNetwork.bridgeName) and routes removed") } catch {
                report.append("host network: \(error)")
            }
        }
        return report
    }
}
