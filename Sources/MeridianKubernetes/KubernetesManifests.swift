import Foundation
import MeridianLoad

/// Objects read from the API server as the loader reads files: JSON is YAML, so each object is
/// one manifest, decoded and checked exactly as a document of a file is. Errors name the object
/// (`HTTPRoute ns/name`) where they would name a file, then the field path.
public enum KubernetesManifests {
    /// One manifest per object, in key order. A list's items of built-in kinds come without
    /// `apiVersion` and `kind`; they are filled in from the collection's kind.
    public static func sources(_ kind: ReadKind, objects: [KubernetesObject]) -> [ManifestSource] {
        objects.sorted { $0.key < $1.key }.map { object in
            ManifestSource(name: "\(kind.kind) \(object.key)", bytes: completed(object.json, kind: kind))
        }
    }

    static func completed(_ json: [UInt8], kind: ReadKind) -> [UInt8] {
        guard var tree = (try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any],
              tree["apiVersion"] == nil || tree["kind"] == nil else { return json }
        if tree["apiVersion"] == nil { tree["apiVersion"] = kind.apiVersion }
        if tree["kind"] == nil { tree["kind"] = kind.kind }
        guard let filled = try? JSONSerialization.data(withJSONObject: tree, options: [.sortedKeys]) else { return json }
        return Array(filled)
    }
}
