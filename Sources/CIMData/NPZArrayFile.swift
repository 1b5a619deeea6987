import CIMCore

/// The `.npy` members of a `.npz` archive (`np.savez`, `np.savez_compressed`): array `x` is the
/// member `x.npy`.
struct NPZArrayFile: ArrayFile {
    let archive: ZipArchive
    var path: String { archive.file.path }

    init(path: String, limits: DatasetFileLimits) throws(CIMError) {
        archive = try ZipArchive(path: path, limits: limits)
    }

    private func entry(_ name: String) -> ZipArchive.Entry? {
        archive.entry(named: name + ".npy") ?? (name.hasSuffix(".npy") ? archive.entry(named: name) : nil)
    }

    func contains(_ name: String) throws(CIMError) -> Bool { entry(name) != nil }

    func names() throws(CIMError) -> [String] {
        archive.entries.map { $0.name.hasSuffix(".npy") ? String($0.name.dropLast(4)) : $0.name }
    }

    func read(_ name: String, check: NPYReader.Check) throws(CIMError) -> NumericArray {
        guard let entry = entry(name) else {
            throw CIMError.format(path: path, reason: "no array '\(name)' (the archive holds \(try names().joined(separator: ", ")))")
        }
        return try archive.readNPY(entry, name: name, check: check)
    }
}
