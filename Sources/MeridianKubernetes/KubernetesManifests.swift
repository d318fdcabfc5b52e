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

    /// The object as the loader reads it: `apiVersion` and `kind` filled in, and without what
    /// the API server and controllers write (`status`, `metadata.resourceVersion`,
    /// `metadata.managedFields`), which the loader ignores, so an object whose status was just
    /// written is the same manifest as before (the parse cache replays it).
    static func completed(_ json: [UInt8], kind: ReadKind) -> [UInt8] {
        guard var tree = (try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any] else { return json }
        if tree["apiVersion"] == nil { tree["apiVersion"] = kind.apiVersion }
        if tree["kind"] == nil { tree["kind"] = kind.kind }
        tree["status"] = nil
        if var metadata = tree["metadata"] as? [String: Any] {
            metadata["resourceVersion"] = nil
            metadata["managedFields"] = nil
            tree["metadata"] = metadata
        }
        guard let filled = try? JSONSerialization.data(withJSONObject: tree, options: [.sortedKeys]) else { return json }
        return Array(filled)
    }
}
