/// The CIMKit release, written into every output file.
public enum CIMKitVersion {
    public static let string = "0.1.0"
}
