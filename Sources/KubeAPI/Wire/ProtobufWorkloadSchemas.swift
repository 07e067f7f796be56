// Protobuf schemas for apps/v1 Deployment and batch/v1 Job and CronJob (`kubectl create
// deployment|job|cronjob`, and `create job --from=cronjob/…`, which copies a whole job template).
// Field numbers are Kubernetes 1.32's (the generated.proto compiled into kubectl 1.32); JSON names
// and presence follow the Go struct tags. See ProtobufSchema.swift for the vocabulary.

extension ProtobufSchemas {
    static let deployment = ProtobufMessageSchema("Deployment", [
        .objectMeta(1, "metadata"),
        .message(2, "spec", deploymentSpec),
        .message(3, "status", deploymentStatus),
    ])

    static let deploymentSpec = ProtobufMessageSchema("DeploymentSpec", [
        .int32(1, "replicas", .pointer),
        .message(2, "selector", labelSelector),
        .message(3, "template", podTemplateSpec),
        .message(4, "strategy", deploymentStrategy),
        .int32(5, "minReadySeconds"),
        .int32(6, "revisionHistoryLimit", .pointer),
        .bool(7, "paused"),
        .int32(9, "progressDeadlineSeconds", .pointer),
    ])

    static let deploymentStrategy = ProtobufMessageSchema("DeploymentStrategy", [
        .string(1, "type"),
        .message(2, "rollingUpdate", rollingUpdateDeployment),
    ])

    static let rollingUpdateDeployment = ProtobufMessageSchema("RollingUpdateDeployment", [
        .intOrString(1, "maxUnavailable"),
        .intOrString(2, "maxSurge"),
    ])

    static let deploymentStatus = ProtobufMessageSchema("DeploymentStatus", [
        .int64(1, "observedGeneration"),
        .int32(2, "replicas"),
        .int32(3, "updatedReplicas"),
        .int32(4, "availableReplicas"),
        .int32(5, "unavailableReplicas"),
        .messages(6, "conditions", deploymentCondition),
        .int32(7, "readyReplicas"),
        .int32(8, "collisionCount", .pointer),
    ])

    static let deploymentCondition = ProtobufMessageSchema("DeploymentCondition", [
        .string(1, "type", .always),
        .string(2, "status", .always),
        .string(4, "reason"),
        .string(5, "message"),
        .time(6, "lastUpdateTime"),
        .time(7, "lastTransitionTime"),
    ])

    static let job = ProtobufMessageSchema("Job", [
        .objectMeta(1, "metadata"),
        .message(2, "spec", jobSpec),
        .message(3, "status", jobStatus),
    ])

    static let jobSpec = ProtobufMessageSchema("JobSpec", [
        .int32(1, "parallelism", .pointer),
        .int32(2, "completions", .pointer),
        .int64(3, "activeDeadlineSeconds", .pointer),
        .message(4, "selector", labelSelector),
        .bool(5, "manualSelector", .pointer),
        .message(6, "template", podTemplateSpec),
        .int32(7, "backoffLimit", .pointer),
        .int32(8, "ttlSecondsAfterFinished", .pointer),
        .string(9, "completionMode", .pointer),
        .bool(10, "suspend", .pointer),
        .message(11, "podFailurePolicy", podFailurePolicy),
        .int32(12, "backoffLimitPerIndex", .pointer),
        .int32(13, "maxFailedIndexes", .pointer),
        .string(14, "podReplacementPolicy", .pointer),
        .string(15, "managedBy", .pointer),
        .message(16, "successPolicy", successPolicy),
    ])

    static let podFailurePolicy = ProtobufMessageSchema("PodFailurePolicy", [
        .messages(1, "rules", podFailurePolicyRule),
    ])

    static let podFailurePolicyRule = ProtobufMessageSchema("PodFailurePolicyRule", [
        .string(1, "action", .always),
        .message(2, "onExitCodes", podFailurePolicyOnExitCodesRequirement),
        .messages(3, "onPodConditions", podFailurePolicyOnPodConditionsPattern),
    ])

    static let podFailurePolicyOnExitCodesRequirement = ProtobufMessageSchema("PodFailurePolicyOnExitCodesRequirement", [
        .string(1, "containerName", .pointer),
        .string(2, "operator", .always),
        .int32s(3, "values"),
    ])

    static let podFailurePolicyOnPodConditionsPattern = ProtobufMessageSchema("PodFailurePolicyOnPodConditionsPattern", [
        .string(1, "type", .always),
        .string(2, "status", .always),
    ])

    static let successPolicy = ProtobufMessageSchema("SuccessPolicy", [
        .messages(1, "rules", successPolicyRule),
    ])

    static let successPolicyRule = ProtobufMessageSchema("SuccessPolicyRule", [
        .string(1, "succeededIndexes", .pointer),
        .int32(2, "succeededCount", .pointer),
    ])

    static let jobStatus = ProtobufMessageSchema("JobStatus", [
        .messages(1, "conditions", jobCondition),
        .time(2, "startTime"),
        .time(3, "completionTime"),
        .int32(4, "active"),
        .int32(5, "succeeded"),
        .int32(6, "failed"),
        .string(7, "completedIndexes"),
        .message(8, "uncountedTerminatedPods", uncountedTerminatedPods),
        .int32(9, "ready", .pointer),
        .string(10, "failedIndexes", .pointer),
        .int32(11, "terminating", .pointer),
    ])

    static let jobCondition = ProtobufMessageSchema("JobCondition", [
        .string(1, "type", .always),
        .string(2, "status", .always),
        .time(3, "lastProbeTime"),
        .time(4, "lastTransitionTime"),
        .string(5, "reason"),
        .string(6, "message"),
    ])

    static let uncountedTerminatedPods = ProtobufMessageSchema("UncountedTerminatedPods", [
        .strings(1, "succeeded"),
        .strings(2, "failed"),
    ])

    static let cronJob = ProtobufMessageSchema("CronJob", [
        .objectMeta(1, "metadata"),
        .message(2, "spec", cronJobSpec),
        .message(3, "status", cronJobStatus),
    ])

    static let cronJobSpec = ProtobufMessageSchema("CronJobSpec", [
        .string(1, "schedule", .always),
        .int64(2, "startingDeadlineSeconds", .pointer),
        .string(3, "concurrencyPolicy"),
        .bool(4, "suspend", .pointer),
        .message(5, "jobTemplate", jobTemplateSpec),
        .int32(6, "successfulJobsHistoryLimit", .pointer),
        .int32(7, "failedJobsHistoryLimit", .pointer),
        .string(8, "timeZone", .pointer),
    ])

    static let jobTemplateSpec = ProtobufMessageSchema("JobTemplateSpec", [
        .objectMeta(1, "metadata"),
        .message(2, "spec", jobSpec),
    ])

    static let cronJobStatus = ProtobufMessageSchema("CronJobStatus", [
        .messages(1, "active", objectReference),
        .time(4, "lastScheduleTime"),
        .time(5, "lastSuccessfulTime"),
    ])
}
