// Known fields of the apimachinery meta types shared by every kind (meta/v1), and of the small
// reference types the core group reuses everywhere.

extension Admission.KnownFields {
    static let ownerReference = obj("OwnerReference", Package.meta, [
        "apiVersion": str, "kind": str, "name": str, "uid": named("types.UID"),
        "controller": bool, "blockOwnerDeletion": bool,
    ])

    static let managedFieldsEntry = obj("ManagedFieldsEntry", Package.meta, [
        "manager": str, "operation": named("v1.ManagedFieldsOperationType"), "apiVersion": str,
        "time": time, "fieldsType": str, "fieldsV1": .freeForm(goType: "v1.FieldsV1"),
        "subresource": str,
    ])

    static let objectMeta = obj("ObjectMeta", Package.meta, [
        "name": str, "generateName": str, "namespace": str, "selfLink": str,
        "uid": named("types.UID"), "resourceVersion": str, "generation": int64,
        "creationTimestamp": time, "deletionTimestamp": time, "deletionGracePeriodSeconds": int64,
        "labels": strMap, "annotations": strMap,
        "ownerReferences": list(ownerReference, mergeKey: "uid"),
        "finalizers": strList,
        "managedFields": list(managedFieldsEntry),
    ])

    static let labelSelectorRequirement = obj("LabelSelectorRequirement", Package.meta, [
        "key": str, "operator": named("v1.LabelSelectorOperator"), "values": strList,
    ])

    static let labelSelector = obj("LabelSelector", Package.meta, [
        "matchLabels": strMap, "matchExpressions": list(labelSelectorRequirement),
    ])

    /// metav1.Condition, used by newer status types (Service).
    static let metaCondition = obj("Condition", Package.meta, [
        "type": str, "status": named("v1.ConditionStatus"), "observedGeneration": int64,
        "lastTransitionTime": time, "reason": str, "message": str,
    ])

    static let objectReference = obj("ObjectReference", [
        "kind": str, "namespace": str, "name": str, "uid": named("types.UID"), "apiVersion": str,
        "resourceVersion": str, "fieldPath": str,
    ])

    static let localObjectReference = obj("LocalObjectReference", ["name": str])

    static let secretReference = obj("SecretReference", ["name": str, "namespace": str])

    /// `objectMeta` is what templates embed too (PodTemplateSpec.metadata).
    static let templateMetadata = objectMeta
}
