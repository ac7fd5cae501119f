import Foundation
import Testing

/// The controller's `--config` file (listeners, limits, timeouts) reloads as `serve`'s
/// does: when the file changes and on SIGHUP; a broken file keeps the previous settings.
@Suite struct ControllerConfigReloadTests {
    @Test(.timeLimit(.endToEnd(4))) func configFileReloadsOnChangeAndSIGHUP() async throws {
        try await withScenario(slots: 2) { s in
            let (api, kubeconfig, net) = try await s.realCluster().parts
            let a1 = try await s.backend("a1", in: net)
            try await api.seed(services: ["a": [a1]])
            let controller = try await ControllerUnderTest.startReady(s, kubeconfig: kubeconfig)
            let config = controller.config
            let body = [UInt8](repeating: UInt8(ascii: "x"), count: 4096)
            @Sendable func postStatus() async throws -> Int {
                try await HTTPClient.request(port: controller.port, method: "POST", path: "/a/upload", host: "app.test", body: body).status
            }
            #expect(try await postStatus() == 200)

            // The file changes (a ConfigMap update): a 1 KiB body limit applies, routes stay.
            try ApusConfig.yaml(listen: controller.port, admin: controller.admin, body: "limits: { max_body_size: 1k }")
                .write(toFile: config, atomically: true, encoding: .utf8)
            let limited = try await eventually(timeout: .seconds(5)) { try await postStatus() == 413 }
            #expect(limited, "the changed file was not applied; stderr:\n\(controller.apus.stderrTail())")
            #expect(try await controller.who("app.test", "/a") == "a1")

            // A broken file is rejected and the previous settings keep serving.
            try ApusConfig.yaml(listen: controller.port, admin: controller.admin, body: "limits: { max_body_size: lots }")
                .write(toFile: config, atomically: true, encoding: .utf8)
            let rejected = try await eventually(timeout: .seconds(5)) {
                controller.apus.stderrTail(80).contains("configuration rejected; the previous one keeps serving")
            }
            #expect(rejected, "stderr:\n\(controller.apus.stderrTail())")
            #expect(try await postStatus() == 413)
            #expect(try await controller.who("app.test", "/a") == "a1")

            // Fixed again, and picked up on SIGHUP as well.
            try ApusConfig.yaml(listen: controller.port, admin: controller.admin, body: "")
                .write(toFile: config, atomically: true, encoding: .utf8)
            controller.apus.send(SIGHUP)
            let lifted = try await eventually(timeout: .seconds(5)) { try await postStatus() == 200 }
            #expect(lifted, "stderr:\n\(controller.apus.stderrTail())")
            #expect(controller.apus.stderrTail(80).contains("reason=SIGHUP"))
        }
    }
}
