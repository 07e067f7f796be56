// Known fields of core/v1 Volume and every volume source type, plus the
// PersistentVolumeClaimSpec that ephemeral volumes embed.

extension Admission.KnownFields {
    static let keyToPath = obj("KeyToPath", ["key": str, "path": str, "mode": int32])

    static let downwardAPIVolumeFile = obj("DownwardAPIVolumeFile", [
        "path": str, "fieldRef": objectFieldSelector, "resourceFieldRef": resourceFieldSelector, "mode": int32,
    ])

    static let typedLocalObjectReference = obj("TypedLocalObjectReference", [
        "apiGroup": str, "kind": str, "name": str,
    ])

    static let persistentVolumeClaimSpec = obj("PersistentVolumeClaimSpec", [
        "accessModes": list(named("v1.PersistentVolumeAccessMode")),
        "selector": labelSelector,
        "resources": obj("VolumeResourceRequirements", ["limits": resourceList, "requests": resourceList]),
        "volumeName": str, "storageClassName": str, "volumeMode": named("v1.PersistentVolumeMode"),
        "dataSource": typedLocalObjectReference,
        "dataSourceRef": obj("TypedObjectReference", ["apiGroup": str, "kind": str, "name": str, "namespace": str]),
        "volumeAttributesClassName": str,
    ])

    static let volumeProjection = obj("VolumeProjection", [
        "secret": obj("SecretProjection", ["name": str, "items": list(keyToPath), "optional": bool]),
        "downwardAPI": obj("DownwardAPIProjection", ["items": list(downwardAPIVolumeFile)]),
        "configMap": obj("ConfigMapProjection", ["name": str, "items": list(keyToPath), "optional": bool]),
        "serviceAccountToken": obj("ServiceAccountTokenProjection", [
            "audience": str, "expirationSeconds": int64, "path": str,
        ]),
        "clusterTrustBundle": obj("ClusterTrustBundleProjection", [
            "name": str, "signerName": str, "labelSelector": labelSelector, "optional": bool, "path": str,
        ]),
    ])

    /// Every member of VolumeSource; Volume adds `name`.
    static let volumeSourceFields: [String: FieldSchema] = [
        "hostPath": obj("HostPathVolumeSource", ["path": str, "type": named("v1.HostPathType")]),
        "emptyDir": obj("EmptyDirVolumeSource", ["medium": named("v1.StorageMedium"), "sizeLimit": quantity]),
        "gcePersistentDisk": obj("GCEPersistentDiskVolumeSource", [
            "pdName": str, "fsType": str, "partition": int32, "readOnly": bool,
        ]),
        "awsElasticBlockStore": obj("AWSElasticBlockStoreVolumeSource", [
            "volumeID": str, "fsType": str, "partition": int32, "readOnly": bool,
        ]),
        "gitRepo": obj("GitRepoVolumeSource", ["repository": str, "revision": str, "directory": str]),
        "secret": obj("SecretVolumeSource", [
            "secretName": str, "items": list(keyToPath), "defaultMode": int32, "optional": bool,
        ]),
        "nfs": obj("NFSVolumeSource", ["server": str, "path": str, "readOnly": bool]),
        "iscsi": obj("ISCSIVolumeSource", [
            "targetPortal": str, "iqn": str, "lun": int32, "iscsiInterface": str, "fsType": str,
            "readOnly": bool, "portals": strList, "chapAuthDiscovery": bool, "chapAuthSession": bool,
            "secretRef": localObjectReference, "initiatorName": str,
        ]),
        "glusterfs": obj("GlusterfsVolumeSource", ["endpoints": str, "path": str, "readOnly": bool]),
        "persistentVolumeClaim": obj("PersistentVolumeClaimVolumeSource", ["claimName": str, "readOnly": bool]),
        "rbd": obj("RBDVolumeSource", [
            "monitors": strList, "image": str, "fsType": str, "pool": str, "user": str, "keyring": str,
            "secretRef": localObjectReference, "readOnly": bool,
        ]),
        "flexVolume": obj("FlexVolumeSource", [
            "driver": str, "fsType": str, "secretRef": localObjectReference, "readOnly": bool, "options": strMap,
        ]),
        "cinder": obj("CinderVolumeSource", [
            "volumeID": str, "fsType": str, "readOnly": bool, "secretRef": localObjectReference,
        ]),
        "cephfs": obj("CephFSVolumeSource", [
            "monitors": strList, "path": str, "user": str, "secretFile": str,
            "secretRef": localObjectReference, "readOnly": bool,
        ]),
        "flocker": obj("FlockerVolumeSource", ["datasetName": str, "datasetUUID": str]),
        "downwardAPI": obj("DownwardAPIVolumeSource", [
            "items": list(downwardAPIVolumeFile), "defaultMode": int32,
        ]),
        "fc": obj("FCVolumeSource", [
            "targetWWNs": strList, "lun": int32, "fsType": str, "readOnly": bool, "wwids": strList,
        ]),
        "azureFile": obj("AzureFileVolumeSource", ["secretName": str, "shareName": str, "readOnly": bool]),
        "configMap": obj("ConfigMapVolumeSource", [
            "name": str, "items": list(keyToPath), "defaultMode": int32, "optional": bool,
        ]),
        "vsphereVolume": obj("VsphereVirtualDiskVolumeSource", [
            "volumePath": str, "fsType": str, "storagePolicyName": str, "storagePolicyID": str,
        ]),
        "quobyte": obj("QuobyteVolumeSource", [
            "registry": str, "volume": str, "readOnly": bool, "user": str, "group": str, "tenant": str,
        ]),
        "azureDisk": obj("AzureDiskVolumeSource", [
            "diskName": str, "diskURI": str, "cachingMode": named("v1.AzureDataDiskCachingMode"),
            "fsType": str, "readOnly": bool, "kind": named("v1.AzureDataDiskKind"),
        ]),
        "photonPersistentDisk": obj("PhotonPersistentDiskVolumeSource", ["pdID": str, "fsType": str]),
        "projected": obj("ProjectedVolumeSource", ["sources": list(volumeProjection), "defaultMode": int32]),
        "portworxVolume": obj("PortworxVolumeSource", ["volumeID": str, "fsType": str, "readOnly": bool]),
        "scaleIO": obj("ScaleIOVolumeSource", [
            "gateway": str, "system": str, "secretRef": localObjectReference, "sslEnabled": bool,
            "protectionDomain": str, "storagePool": str, "storageMode": str, "volumeName": str,
            "fsType": str, "readOnly": bool,
        ]),
        "storageos": obj("StorageOSVolumeSource", [
            "volumeName": str, "volumeNamespace": str, "fsType": str, "readOnly": bool,
            "secretRef": localObjectReference,
        ]),
        "csi": obj("CSIVolumeSource", [
            "driver": str, "readOnly": bool, "fsType": str, "volumeAttributes": strMap,
            "nodePublishSecretRef": localObjectReference,
        ]),
        "ephemeral": obj("EphemeralVolumeSource", [
            "volumeClaimTemplate": obj("PersistentVolumeClaimTemplate", [
                "metadata": objectMeta, "spec": persistentVolumeClaimSpec,
            ]),
        ]),
        "image": obj("ImageVolumeSource", ["reference": str, "pullPolicy": named("v1.PullPolicy")]),
    ]

    static let volume: FieldSchema = {
        var fields = volumeSourceFields
        fields["name"] = str
        return obj("Volume", fields)
    }()
}
