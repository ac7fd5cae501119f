import ApusNet

/// Writes `status.loadBalancer.ingress` of Ingresses as `IngressStatusPlan` decides, with
/// the addresses of `--publish-service` (read from the API at each sync, so that a load
/// balancer address arriving late is picked up) or `--publish-address`.
///
/// Only the leader calls `sync`. A 409 (the Ingress changed since it was read) or 404 (it
/// is gone) skips that Ingress: the informer brings the new version and the next sync
/// decides again. A write already made for the same resourceVersion is not repeated while
/// the informer catches up.
/// Thread rule: one thread at a time (the status thread of the controller).
public final class IngressStatusWriter {
    private let client: KubernetesClient
    private let options: StatusOptions
    /// What was last written per Ingress, keyed by the resourceVersion it was written over.
    private var written: [ObjectKey: (resourceVersion: String, addresses: [LoadBalancerIngress])] = [:]

    public init(client: KubernetesClient, options: StatusOptions) {
        self.client = client
        self.options = options
    }

    /// The addresses to publish; nil when they cannot be known now (the Service is missing
    /// or the API failed): then nothing is written, rather than clearing good status.
    public func publishedAddresses() -> [LoadBalancerIngress]? {
        guard let service = options.publishService else {
            return IngressStatusPlan.addresses(fromList: options.publishAddresses)
        }
        let path = APIResource.services.objectPath(namespace: service.namespace, name: service.name)
        do throws(KubernetesError) {
            let answer = try client.send("GET", path)
            guard answer.status == 200, let tree = try? answer.tree() else {
                Log.warning("--publish-service cannot be read; Ingress status is left as it is", ["service": service.description, "status": String(answer.status)])
                return nil
            }
            return IngressStatusPlan.addresses(ofService: tree)
        } catch {
            Log.warning("--publish-service cannot be read; Ingress status is left as it is", ["service": service.description, "error": error.description])
            return nil
        }
    }

    /// Brings the status of `ingresses` in line; returns how many writes succeeded.
    @discardableResult
    public func sync(ingresses: some Sequence<Ingress>, ours: Set<ObjectKey>) -> Int {
        guard options.publishes, let addresses = publishedAddresses() else { return 0 }
        var succeeded = 0
        for write in IngressStatusPlan.writes(ingresses: ingresses, ours: ours, addresses: addresses) {
            if let last = written[write.ingress], last.resourceVersion == write.resourceVersion, last.addresses == write.addresses { continue }
            let path = APIResource.ingresses.objectPath(namespace: write.ingress.namespace, name: write.ingress.name, subresource: "status")
            do throws(KubernetesError) {
                let answer = try client.send("PATCH", path, body: IngressStatusPlan.body(write), contentType: KubernetesClient.mergePatch)
                switch answer.status {
                case 200, 201:
                    written[write.ingress] = (write.resourceVersion, write.addresses)
                    succeeded += 1
                    Log.info(write.addresses.isEmpty ? "Ingress status cleared" : "Ingress status written", [
                        "ingress": write.ingress.description,
                        "addresses": write.addresses.map { $0.ip ?? $0.hostname ?? "" }.joined(separator: ","),
                    ])
                case 404, 409:
                    continue
                default:
                    let error = StatusAnswer.error(status: answer.status, body: answer.body, method: "PATCH", path: path, server: client.config.server)
                    Log.warning("Ingress status write failed", ["ingress": write.ingress.description, "error": error.description])
                }
            } catch {
                Log.warning("Ingress status write failed", ["ingress": write.ingress.description, "error": error.description])
            }
        }
        return succeeded
    }

    /// Forgets what was written (leadership changed: another leader may have written since).
    public func reset() { written = [:] }
}
