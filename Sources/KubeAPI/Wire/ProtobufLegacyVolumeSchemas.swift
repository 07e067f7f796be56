// Protobuf schemas for the older core/v1 volume sources (in-tree drivers, most of them deprecated)
// that the API still accepts in a pod template, so that a template using one survives `kubectl create
// job --from=cronjob/…`.
// Field numbers are Kubernetes 1.32's (the generated.proto compiled into kubectl 1.32); JSON names
// and presence follow the Go struct tags. See ProtobufSchema.swift for the vocabulary.

extension ProtobufSchemas {
    static let gcePersistentDiskVolumeSource = ProtobufMessageSchema("GCEPersistentDiskVolumeSource", [
        .string(1, "pdName", .always),
        .string(2, "fsType"),
        .int32(3, "partition"),
        .bool(4, "readOnly"),
    ])

    static let awsElasticBlockStoreVolumeSource = ProtobufMessageSchema("AWSElasticBlockStoreVolumeSource", [
        .string(1, "volumeID", .always),
        .string(2, "fsType"),
        .int32(3, "partition"),
        .bool(4, "readOnly"),
    ])

    static let gitRepoVolumeSource = ProtobufMessageSchema("GitRepoVolumeSource", [
        .string(1, "repository", .always),
        .string(2, "revision"),
        .string(3, "directory"),
    ])

    static let iscsiVolumeSource = ProtobufMessageSchema("ISCSIVolumeSource", [
        .string(1, "targetPortal", .always),
        .string(2, "iqn", .always),
        .int32(3, "lun", .always),
        .string(4, "iscsiInterface"),
        .string(5, "fsType"),
        .bool(6, "readOnly"),
        .strings(7, "portals"),
        .bool(8, "chapAuthDiscovery"),
        .message(10, "secretRef", localObjectReference),
        .bool(11, "chapAuthSession"),
        .string(12, "initiatorName", .pointer),
    ])

    static let glusterfsVolumeSource = ProtobufMessageSchema("GlusterfsVolumeSource", [
        .string(1, "endpoints", .always),
        .string(2, "path", .always),
        .bool(3, "readOnly"),
    ])

    static let rbdVolumeSource = ProtobufMessageSchema("RBDVolumeSource", [
        .strings(1, "monitors"),
        .string(2, "image", .always),
        .string(3, "fsType"),
        .string(4, "pool"),
        .string(5, "user"),
        .string(6, "keyring"),
        .message(7, "secretRef", localObjectReference),
        .bool(8, "readOnly"),
    ])

    static let flexVolumeSource = ProtobufMessageSchema("FlexVolumeSource", [
        .string(1, "driver", .always),
        .string(2, "fsType"),
        .message(3, "secretRef", localObjectReference),
        .bool(4, "readOnly"),
        .stringMap(5, "options"),
    ])

    static let cinderVolumeSource = ProtobufMessageSchema("CinderVolumeSource", [
        .string(1, "volumeID", .always),
        .string(2, "fsType"),
        .bool(3, "readOnly"),
        .message(4, "secretRef", localObjectReference),
    ])

    static let cephFSVolumeSource = ProtobufMessageSchema("CephFSVolumeSource", [
        .strings(1, "monitors"),
        .string(2, "path"),
        .string(3, "user"),
        .string(4, "secretFile"),
        .message(5, "secretRef", localObjectReference),
        .bool(6, "readOnly"),
    ])

    static let flockerVolumeSource = ProtobufMessageSchema("FlockerVolumeSource", [
        .string(1, "datasetName"),
        .string(2, "datasetUUID"),
    ])

    static let fcVolumeSource = ProtobufMessageSchema("FCVolumeSource", [
        .strings(1, "targetWWNs"),
        .int32(2, "lun", .pointer),
        .string(3, "fsType"),
        .bool(4, "readOnly"),
        .strings(5, "wwids"),
    ])

    static let azureFileVolumeSource = ProtobufMessageSchema("AzureFileVolumeSource", [
        .string(1, "secretName", .always),
        .string(2, "shareName", .always),
        .bool(3, "readOnly"),
    ])

    static let vsphereVirtualDiskVolumeSource = ProtobufMessageSchema("VsphereVirtualDiskVolumeSource", [
        .string(1, "volumePath", .always),
        .string(2, "fsType"),
        .string(3, "storagePolicyName"),
        .string(4, "storagePolicyID"),
    ])

    static let quobyteVolumeSource = ProtobufMessageSchema("QuobyteVolumeSource", [
        .string(1, "registry", .always),
        .string(2, "volume", .always),
        .bool(3, "readOnly"),
        .string(4, "user"),
        .string(5, "group"),
        .string(6, "tenant"),
    ])

    static let azureDiskVolumeSource = ProtobufMessageSchema("AzureDiskVolumeSource", [
        .string(1, "diskName", .always),
        .string(2, "diskURI", .always),
        .string(3, "cachingMode", .pointer),
        .string(4, "fsType", .pointer),
        .bool(5, "readOnly", .pointer),
        .string(6, "kind", .pointer),
    ])

    static let photonPersistentDiskVolumeSource = ProtobufMessageSchema("PhotonPersistentDiskVolumeSource", [
        .string(1, "pdID", .always),
        .string(2, "fsType"),
    ])

    static let portworxVolumeSource = ProtobufMessageSchema("PortworxVolumeSource", [
        .string(1, "volumeID", .always),
        .string(2, "fsType"),
        .bool(3, "readOnly"),
    ])

    static let scaleIOVolumeSource = ProtobufMessageSchema("ScaleIOVolumeSource", [
        .string(1, "gateway", .always),
        .string(2, "system", .always),
        .message(3, "secretRef", localObjectReference),
        .bool(4, "sslEnabled"),
        .string(5, "protectionDomain"),
        .string(6, "storagePool"),
        .string(7, "storageMode"),
        .string(8, "volumeName"),
        .string(9, "fsType"),
        .bool(10, "readOnly"),
    ])

    static let storageOSVolumeSource = ProtobufMessageSchema("StorageOSVolumeSource", [
        .string(1, "volumeName"),
        .string(2, "volumeNamespace"),
        .string(3, "fsType"),
        .bool(4, "readOnly"),
        .message(5, "secretRef", localObjectReference),
    ])
}
