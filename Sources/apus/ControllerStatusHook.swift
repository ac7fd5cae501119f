import ApusKubernetes
import ApusNet

/// The seam between the controller loop and the status writer with leader election
/// (issue 4 point 6, built separately): the loop calls `published` after every table
/// swap with the Ingresses that are ours and the snapshot they came from, and `stop` on
/// SIGTERM (hand the Lease over). Until the writer exists this only says that status is
/// not written, so that `--publish-*` is never silently ignored.
final class ControllerStatusHook: Sendable {
    let options: StatusOptions
    let client: KubernetesClient

    init(options: StatusOptions, client: KubernetesClient) {
        self.options = options
        self.client = client
        if options.publishes {
            Log.warning("Ingress status is not written yet by this build; --publish-service/--publish-address are accepted but unused")
        }
    }

    /// After each publish: `ours` are the Ingresses this controller serves (oldest first).
    func published(ours: [ObjectReference], snapshot: ClusterSnapshot) {}

    /// On SIGTERM, before the drain.
    func stop() {}
}
