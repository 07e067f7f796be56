import Foundation
import XCTest
@testable import ContainerRuntime

final class ContainerRuntimeSeccompProfileTests: XCTestCase {
    func testDefaultProfileCompiles() throws {
        let instructions = try SeccompProfile.validate(SeccompProfile.runtimeDefaultText)
        XCTAssertGreaterThan(instructions, 100)
        // With CAP_SYS_ADMIN the conditional group (mount, unshare, setns …) joins the filter.
        let withAdmin = try SeccompProfile.validate(SeccompProfile.runtimeDefaultText,
                                                    capabilities: SpawnSpec.Capabilities.defaultNames + ["CAP_SYS_ADMIN"])
        XCTAssertNotEqual(instructions, withAdmin)
    }

    func testDefaultProfileContents() {
        let text = SeccompProfile.runtimeDefaultText
        XCTAssertTrue(text.contains("default errno 1"))
        XCTAssertTrue(text.contains("errno 38 excaps=CAP_SYS_ADMIN : clone3"))
        XCTAssertTrue(text.contains("allow caps=CAP_SYS_ADMIN : bpf clone clone3"))
        XCTAssertTrue(text.contains("allow arg=0,ne,40 : socket"))
    }

    func testBadProfilesAreRejected() {
        XCTAssertThrowsError(try SeccompProfile.validate("allow : read\n")) { XCTAssertTrue("\($0)".contains("no default action"), "\($0)") }
        XCTAssertThrowsError(try SeccompProfile.validate("default allow\nfrobnicate : read\n"))
        XCTAssertThrowsError(try SeccompProfile.validate("default errno 1\nallow arg=9,eq,1 : read\n"))
    }

    func testDockerJSONConversion() throws {
        let json = """
        {
          "defaultAction": "SCMP_ACT_ERRNO",
          "defaultErrnoRet": 1,
          "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
          "syscalls": [
            {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_NE"}]},
            {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
            {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}}
          ]
        }
        """
        let text = try SeccompProfile.text(fromDockerJSON: Data(json.utf8))
        XCTAssertTrue(text.contains("default errno 1\n"))
        XCTAssertTrue(text.contains("arch SCMP_ARCH_X86_64 SCMP_ARCH_X86 SCMP_ARCH_X32\n"))
        XCTAssertTrue(text.contains("allow : read write\n"))
        XCTAssertTrue(text.contains("allow arg=0,ne,40,0 : socket\n"))
        XCTAssertTrue(text.contains("errno 38 excaps=CAP_SYS_ADMIN : clone3\n"))
        XCTAssertTrue(text.contains("allow minkernel=4.8 : ptrace\n"))
        XCTAssertGreaterThan(try SeccompProfile.validate(text), 5)
        XCTAssertThrowsError(try SeccompProfile.text(fromDockerJSON: Data("{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}".utf8)))
    }
}
