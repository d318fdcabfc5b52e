// Fuzzes the manifest loader with libFuzzer (see scripts/fuzz-loader, which builds it with
// `-sanitize=fuzzer,address -DMERIDIAN_FUZZING`). Built plainly, as `swift build` does, it
// replays inputs instead: each file named, and each file of each directory named, is loaded
// and checked once, which is how an input the fuzzer reported is reproduced.

#if MERIDIAN_FUZZING
import CLibFuzzer
#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer's callback: one input, as one manifest file. Exported under libFuzzer's own
/// name too, for the `main` of libFuzzer's runtime, which the linker may pull in as well.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    LoaderFuzzing.check(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
let status = withUnsafeMutablePointer(to: &argv) { argvPointer in
    LLVMFuzzerRunDriver(&argc, UnsafeMutableRawPointer(argvPointer).assumingMemoryBound(to: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?.self), fuzzOneInput)
}
exit(status)
#else
import Foundation
import MeridianLoad

var count = 0
for argument in CommandLine.arguments.dropFirst() {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
        print("\(argument): no such file or directory")
        exit(2)
    }
    let files = isDirectory.boolValue
        ? ((try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []).sorted().map { argument + "/" + $0 }
        : [argument]
    for file in files {
        guard let data = FileManager.default.contents(atPath: file) else { continue }
        LoaderFuzzing.check(Array(data))
        count += 1
    }
}
print("\(count) inputs loaded, every check held")
#endif
