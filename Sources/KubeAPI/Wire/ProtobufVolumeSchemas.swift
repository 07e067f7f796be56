// Protobuf schemas for core/v1 Volume and the volume sources a pod template can use today.
// Field numbers are Kubernetes 1.32's (the generated.proto compiled into kubectl 1.32); JSON names
// and presence follow the Go struct tags. See ProtobufSchema.swift for the vocabulary.

extension ProtobufSchemas {
    static let volume = ProtobufMessageSchema("Volume", [
        .string(1, "name", .always),
        .inline(2, volumeSource),
    ])

    static let volumeSource = ProtobufMessageSchema("VolumeSource", [
        .message(1, "hostPath", hostPathVolumeSource),
        .message(2, "emptyDir", emptyDirVolumeSource),
        .message(3, "gcePersistentDisk", gcePersistentDiskVolumeSource),
        .message(4, "awsElasticBlockStore", awsElasticBlockStoreVolumeSource),
        .message(5, "gitRepo", gitRepoVolumeSource),
        .message(6, "secret", secretVolumeSource),
        .message(7, "nfs", nfsVolumeSource),
        .message(8, "iscsi", iscsiVolumeSource),
        .message(9, "glusterfs", glusterfsVolumeSource),
        .message(10, "persistentVolumeClaim", persistentVolumeClaimVolumeSource),
        .message(11, "rbd", rbdVolumeSource),
        .message(12, "flexVolume", flexVolumeSource),
        .message(13, "cinder", cinderVolumeSource),
        .message(14, "cephfs", cephFSVolumeSource),
        .message(15, "flocker", flockerVolumeSource),
        .message(16, "downwardAPI", downwardAPIVolumeSource),
        .message(17, "fc", fcVolumeSource),
        .message(18, "azureFile", azureFileVolumeSource),
        .message(19, "configMap", configMapVolumeSource),
        .message(20, "vsphereVolume", vsphereVirtualDiskVolumeSource),
        .message(21, "quobyte", quobyteVolumeSource),
        .message(22, "azureDisk", azureDiskVolumeSource),
        .message(23, "photonPersistentDisk", photonPersistentDiskVolumeSource),
        .message(24, "portworxVolume", portworxVolumeSource),
        .message(25, "scaleIO", scaleIOVolumeSource),
        .message(26, "projected", projectedVolumeSource),
        .message(27, "storageos", storageOSVolumeSource),
        .message(28, "csi", csiVolumeSource),
        .message(29, "ephemeral", ephemeralVolumeSource),
        .message(30, "image", imageVolumeSource),
    ])

    static let hostPathVolumeSource = ProtobufMessageSchema("HostPathVolumeSource", [
        .string(1, "path", .always),
        .string(2, "type", .pointer),
    ])

    static let emptyDirVolumeSource = ProtobufMessageSchema("EmptyDirVolumeSource", [
        .string(1, "medium"),
        .quantity(2, "sizeLimit"),
    ])

    static let secretVolumeSource = ProtobufMessageSchema("SecretVolumeSource", [
        .string(1, "secretName"),
        .messages(2, "items", keyToPath),
        .int32(3, "defaultMode", .pointer),
        .bool(4, "optional", .pointer),
    ])

    static let keyToPath = ProtobufMessageSchema("KeyToPath", [
        .string(1, "key", .always),
        .string(2, "path", .always),
        .int32(3, "mode", .pointer),
    ])

    static let nfsVolumeSource = ProtobufMessageSchema("NFSVolumeSource", [
        .string(1, "server", .always),
        .string(2, "path", .always),
        .bool(3, "readOnly"),
    ])

    static let persistentVolumeClaimVolumeSource = ProtobufMessageSchema("PersistentVolumeClaimVolumeSource", [
        .string(1, "claimName", .always),
        .bool(2, "readOnly"),
    ])

    static let downwardAPIVolumeSource = ProtobufMessageSchema("DownwardAPIVolumeSource", [
        .messages(1, "items", downwardAPIVolumeFile),
        .int32(2, "defaultMode", .pointer),
    ])

    static let downwardAPIVolumeFile = ProtobufMessageSchema("DownwardAPIVolumeFile", [
        .string(1, "path", .always),
        .message(2, "fieldRef", objectFieldSelector),
        .message(3, "resourceFieldRef", resourceFieldSelector),
        .int32(4, "mode", .pointer),
    ])

    static let configMapVolumeSource = ProtobufMessageSchema("ConfigMapVolumeSource", [
        .inline(1, localObjectReference),
        .messages(2, "items", keyToPath),
        .int32(3, "defaultMode", .pointer),
        .bool(4, "optional", .pointer),
    ])

    static let projectedVolumeSource = ProtobufMessageSchema("ProjectedVolumeSource", [
        .messages(1, "sources", volumeProjection),
        .int32(2, "defaultMode", .pointer),
    ])

    static let volumeProjection = ProtobufMessageSchema("VolumeProjection", [
        .message(1, "secret", secretProjection),
        .message(2, "downwardAPI", downwardAPIProjection),
        .message(3, "configMap", configMapProjection),
        .message(4, "serviceAccountToken", serviceAccountTokenProjection),
        .message(5, "clusterTrustBundle", clusterTrustBundleProjection),
    ])

    static let secretProjection = ProtobufMessageSchema("SecretProjection", [
        .inline(1, localObjectReference),
        .messages(2, "items", keyToPath),
        .bool(4, "optional", .pointer),
    ])

    static let downwardAPIProjection = ProtobufMessageSchema("DownwardAPIProjection", [
        .messages(1, "items", downwardAPIVolumeFile),
    ])

    static let configMapProjection = ProtobufMessageSchema("ConfigMapProjection", [
        .inline(1, localObjectReference),
        .messages(2, "items", keyToPath),
        .bool(4, "optional", .pointer),
    ])

    static let serviceAccountTokenProjection = ProtobufMessageSchema("ServiceAccountTokenProjection", [
        .string(1, "audience"),
        .int64(2, "expirationSeconds", .pointer),
        .string(3, "path", .always),
    ])

    static let clusterTrustBundleProjection = ProtobufMessageSchema("ClusterTrustBundleProjection", [
        .string(1, "name", .pointer),
        .string(2, "signerName", .pointer),
        .message(3, "labelSelector", labelSelector),
        .string(4, "path", .always),
        .bool(5, "optional", .pointer),
    ])

    static let csiVolumeSource = ProtobufMessageSchema("CSIVolumeSource", [
        .string(1, "driver", .always),
        .bool(2, "readOnly", .pointer),
        .string(3, "fsType", .pointer),
        .stringMap(4, "volumeAttributes"),
        .message(5, "nodePublishSecretRef", localObjectReference),
    ])

    static let ephemeralVolumeSource = ProtobufMessageSchema("EphemeralVolumeSource", [
        .message(1, "volumeClaimTemplate", persistentVolumeClaimTemplate),
    ])

    static let persistentVolumeClaimTemplate = ProtobufMessageSchema("PersistentVolumeClaimTemplate", [
        .objectMeta(1, "metadata"),
        .message(2, "spec", persistentVolumeClaimSpec),
    ])

    static let persistentVolumeClaimSpec = ProtobufMessageSchema("PersistentVolumeClaimSpec", [
        .strings(1, "accessModes"),
        .message(2, "resources", volumeResourceRequirements),
        .string(3, "volumeName"),
        .message(4, "selector", labelSelector),
        .string(5, "storageClassName", .pointer),
        .string(6, "volumeMode", .pointer),
        .message(7, "dataSource", typedLocalObjectReference),
        .message(8, "dataSourceRef", typedObjectReference),
        .string(9, "volumeAttributesClassName", .pointer),
    ])

    static let volumeResourceRequirements = ProtobufMessageSchema("VolumeResourceRequirements", [
        .quantityMap(1, "limits"),
        .quantityMap(2, "requests"),
    ])

    static let imageVolumeSource = ProtobufMessageSchema("ImageVolumeSource", [
        .string(1, "reference"),
        .string(2, "pullPolicy"),
    ])
}
